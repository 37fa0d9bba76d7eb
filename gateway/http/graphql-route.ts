import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { HeaderMap, type ApolloServer } from '@apollo/server';
import type { GatewayContext } from '../execution/context.ts';
import { RequestRefused, type createAuthenticator } from '../pipeline/authenticate.ts';
import { DEFAULT_REQUEST_LIMITS, type RequestLimits } from '../pipeline/limits.ts';
import type { GatewayMetrics } from './metrics.ts';
import type { DepartmentRateLimiter } from './rate-limit.ts';

export interface GraphqlRouteOptions {
  server: () => ApolloServer<GatewayContext> | null;
  authenticate: ReturnType<typeof createAuthenticator>;
  metrics: GatewayMetrics;
  rateLimiter: DepartmentRateLimiter;
  /** CONTRACT §8 limits; the document size is checked here, before parsing. */
  limits?: RequestLimits;
}

/**
 * `/graphql`: authenticate here (nothing else runs for a stranger), then Apollo's pipeline with the
 * share-policy stages, then the answer back to the client.
 */
export const graphqlRoute: FastifyPluginAsync<GraphqlRouteOptions> = async (app, { server, authenticate, metrics, rateLimiter, limits = DEFAULT_REQUEST_LIMITS }) => {
  // Malformed JSON gets a GraphQL-shaped error with a contract code, not Fastify's own format.
  app.setErrorHandler(async (error: Error & { statusCode?: number; code?: string }, _request, reply) => {
    const status = error.statusCode && error.statusCode < 500 ? error.statusCode : 500;
    const code = error.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? 'QUERY_TOO_COMPLEX' : status < 500 ? 'BAD_USER_INPUT' : 'INTERNAL_SERVER_ERROR';
    return sendError(reply, status, code, status < 500 ? `bad request: ${error.message}` : 'internal error');
  });

  app.route({
    method: ['GET', 'POST'],
    url: '/graphql',
    handler: async (request, reply) => {
      const stop = metrics.duration.startTimer();
      try {
        const apollo = server();
        if (!apollo) {
          reply.header('retry-after', '1');
          return sendError(reply, 503, 'SERVICE_UNAVAILABLE', 'the gateway is starting: the supergraph is not loaded yet');
        }
        const body = request.body as Record<string, unknown> | undefined;
        if (Array.isArray(body)) return sendError(reply, 400, 'BAD_USER_INPUT', 'batched requests are not supported: send one operation per request');
        const query = request.method === 'GET' ? (request.query as Record<string, unknown>).query : body?.query;
        // A UTF-8 character is at most 3 bytes per UTF-16 unit: short texts need no count.
        if (typeof query === 'string' && query.length * 3 > limits.documentBytes && Buffer.byteLength(query) > limits.documentBytes) {
          return sendError(reply, 400, 'QUERY_TOO_COMPLEX', `operation refused: the size of the document in bytes exceeds the limit of ${limits.documentBytes} (limit "documentBytes" = ${limits.documentBytes})`,
            { limit: 'documentBytes', value: limits.documentBytes });
        }
        let extensions: unknown = body?.extensions;
        if (request.method === 'GET' && typeof (request.query as Record<string, unknown>).extensions === 'string') {
          try { extensions = JSON.parse((request.query as Record<string, string>).extensions!); } catch { extensions = undefined; }
        }
        const caller = await authenticate(request.headers, extensions);
        const wait = await rateLimiter.take(caller.department);
        if (wait > 0) {
          reply.header('retry-after', String(wait));
          return sendError(reply, 429, 'RATE_LIMITED', `too many requests from ${caller.department}: retry in ${wait} s`);
        }
        const headers = new HeaderMap();
        for (const [name, value] of Object.entries(request.headers)) {
          if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
        }
        const search = request.url.includes('?') ? request.url.slice(request.url.indexOf('?')) : '';
        const context: GatewayContext = { requestId: randomUUID(), startedAt: performance.now(), caller };
        const response = await apollo.executeHTTPGraphQLRequest({
          httpGraphQLRequest: { method: request.method, headers, search, body: request.body },
          context: async () => context,
        });
        const status = response.status ?? 200;
        reply.status(status);
        for (const [name, value] of response.headers) reply.header(name, value);
        reply.header('x-request-id', context.requestId);
        if (response.body.kind === 'complete') return reply.send(response.body.string);
        let text = '';
        for await (const chunk of response.body.asyncIterator) text += chunk;
        return reply.send(text);
      } catch (error) {
        if (error instanceof RequestRefused) return sendError(reply, error.status, error.code, error.message);
        throw error;
      } finally {
        metrics.requests.inc({ status: `${Math.floor(reply.statusCode / 100)}xx` });
        stop();
      }
    },
  });
};

function sendError(reply: FastifyReply, status: number, code: string, message: string, extra: Record<string, unknown> = {}) {
  return reply.status(status).header('content-type', 'application/json; charset=utf-8')
    .send(JSON.stringify({ errors: [{ message, extensions: { code, ...extra } }] }));
}
