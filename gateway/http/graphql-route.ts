import type { Attributes } from '@opentelemetry/api';
import type { ApolloServerPlugin } from '@apollo/server';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { HeaderMap, type ApolloServer } from '@apollo/server';
import type { GatewayContext } from '../execution/context.ts';
import { ErrorCode, RequestRefused, cataloguedCode, errorBody, statusOf, type ErrorExtras } from '../../protocol/errors.ts';
import type { createAuthenticator } from '../pipeline/authenticate.ts';
import type { TokenIdentity } from '../identity/token-claims.ts';
import { DEFAULT_REQUEST_LIMITS, type RequestLimits } from '../pipeline/limits.ts';
import { APPLICATION_JSON, GRAPHQL_RESPONSE_JSON, responseMediaType } from './graphql-over-http.ts';
import type { GatewayMetrics } from './metrics.ts';
import type { DepartmentRateLimiter } from './rate-limit.ts';
import type { PolicyModel } from '../../schema/policy-model.ts';
import { inSpan } from '../../protocol/telemetry.ts';

export interface GraphqlRouteOptions {
  server: () => ApolloServer<GatewayContext> | null;
  authenticate: ReturnType<typeof createAuthenticator>;
  metrics: GatewayMetrics;
  rateLimiter: DepartmentRateLimiter;
  /** CONTRACT §8 limits; the document size is checked here, before parsing. */
  limits?: RequestLimits;
}

/** What `/graphql` serves; any other method gets 405 (after authentication, like everything else). */
const METHODS = ['GET', 'POST'];

/**
 * `/graphql`: authenticate from the headers alone in `onRequest`, before Fastify reads the body (a
 * stranger's malformed JSON, missing content type or 4 MB upload is a 401 like any other, never
 * parsed), rate-limit, then Apollo's pipeline with the share-policy stages, then the answer back in
 * the media type the client accepts (GraphQL over HTTP: `graphql-over-http.ts`).
 */
export const graphqlRoute: FastifyPluginAsync<GraphqlRouteOptions> = async (app, { server, authenticate, metrics, rateLimiter, limits = DEFAULT_REQUEST_LIMITS }) => {
  const identities = new WeakMap<FastifyRequest, TokenIdentity>();
  /** The §8 code of each request refused, by the route or the policy stages: `govshare_gateway_denials_total`. */
  const refusals = new WeakMap<FastifyReply, string>();

  // Malformed JSON gets a GraphQL-shaped error with a contract code, not Fastify's own format.
  app.setErrorHandler(async (error: Error & { statusCode?: number; code?: string }, _request, reply) => {
    if (error instanceof RequestRefused) return refuse(reply, error.status, error.code, error.message);
    if (error.statusCode && error.statusCode < 500) {
      const code = error.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? ErrorCode.QUERY_TOO_COMPLEX : ErrorCode.BAD_USER_INPUT;
      return refuse(reply, error.statusCode, code, `bad request: ${error.message}`);
    }
    return refuse(reply, null, null, 'internal error');
  });

  app.route({
    method: [...METHODS, 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
    url: '/graphql',
    onRequest: async (request, reply) => {
      // On every answer, refusals included: the id a caller quotes to find the request's lines and record.
      reply.header('x-request-id', request.id);
      if (!server()) {
        reply.header('retry-after', '1');
        return refuse(reply, null, ErrorCode.SUBGRAPH_UNREACHABLE, 'the gateway is starting: the supergraph is not loaded yet');
      }
      const identity = await authenticate.identify(request.headers);
      const wait = await rateLimiter.take(identity.department);
      if (wait > 0) {
        reply.header('retry-after', String(wait));
        return refuse(reply, null, ErrorCode.RATE_LIMITED, `too many requests from ${identity.department}: retry in ${wait} s`);
      }
      identities.set(request, identity);
    },
    // Every 4xx answer is a refusal with its §8 code; the policy stages' are known from the context already.
    onSend: async (_request, reply, payload) => {
      if (reply.statusCode >= 400 && reply.statusCode < 500 && !refusals.has(reply) && typeof payload === 'string') {
        refusals.set(reply, firstErrorCode(payload));
      }
      return payload;
    },
    onResponse: async (_request, reply) => {
      const refused = refusals.get(reply);
      if (refused) metrics.denials.inc({ code: refused });
      metrics.requests.inc({ status: `${Math.floor(reply.statusCode / 100)}xx` });
      metrics.duration.observe(reply.elapsedTime / 1000);
    },
    handler: async (request, reply) => {
      const apollo = server()!;
      // Fail closed: no handler runs for a request `onRequest` did not identify.
      const identity = identities.get(request);
      if (!identity) return refuse(reply, null, ErrorCode.UNAUTHENTICATED, 'the request was not authenticated');
      if (!METHODS.includes(request.method)) {
        reply.header('allow', METHODS.join(', '));
        return refuse(reply, 405, ErrorCode.BAD_USER_INPUT, `${request.method} is not supported: send a GraphQL request with GET (queries) or POST`);
      }
      const media = responseMediaType(request.headers.accept);
      if (!media) return refuse(reply, 406, ErrorCode.BAD_USER_INPUT, `the Accept header allows neither ${APPLICATION_JSON} nor ${GRAPHQL_RESPONSE_JSON}`);
      const body = request.body as Record<string, unknown> | undefined;
      if (Array.isArray(body)) return refuse(reply, null, ErrorCode.BAD_USER_INPUT, 'batched requests are not supported: send one operation per request');
      const query = request.method === 'GET' ? (request.query as Record<string, unknown>).query : body?.query;
      // A UTF-8 character is at most 3 bytes per UTF-16 unit: short texts need no count.
      if (typeof query === 'string' && query.length * 3 > limits.documentBytes && Buffer.byteLength(query) > limits.documentBytes) {
        return refuse(reply, null, ErrorCode.QUERY_TOO_COMPLEX, `operation refused: the size of the document in bytes exceeds the limit of ${limits.documentBytes} (limit "documentBytes" = ${limits.documentBytes})`,
          { limit: 'documentBytes', value: limits.documentBytes });
      }
      let extensions: unknown = body?.extensions;
      if (request.method === 'GET' && typeof (request.query as Record<string, unknown>).extensions === 'string') {
        try { extensions = JSON.parse((request.query as Record<string, string>).extensions!); } catch { extensions = undefined; }
      }
      const caller = authenticate.callerOf(identity, request.headers, extensions);
      const headers = new HeaderMap();
      for (const [name, value] of Object.entries(request.headers)) {
        if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
      }
      // Negotiated once, here: Apollo and the status rule (`documentFailureStatus`) read the same answer.
      headers.set('accept', media);
      const search = request.url.includes('?') ? request.url.slice(request.url.indexOf('?')) : '';
      // Fastify's id (server.ts genReqId): the log lines', the audit record's and the signature's one id.
      const context: GatewayContext = { requestId: request.id, startedAt: performance.now(), caller };
      const operationName = request.method === 'GET' ? (request.query as Record<string, unknown>).operationName : body?.operationName;
      const response = await inSpan('govshare.request', {
        'govshare.request_id': request.id, 'govshare.department': caller.department,
        ...(typeof operationName === 'string' ? { 'graphql.operation.name': operationName } : {}),
      }, async (span) => {
        const answer = await apollo.executeHTTPGraphQLRequest({
          httpGraphQLRequest: { method: request.method, headers, search, body: request.body },
          context: async () => context,
        });
        const outcome = outcomes.get(caller);
        span.setAttributes({ 'http.response.status_code': answer.status ?? 200, ...outcome?.attributes });
        if (outcome?.denied) refusals.set(reply, outcome.denied);
        return answer;
      });
      reply.status(response.status ?? 200);
      for (const [name, value] of response.headers) reply.header(name, value);
      reply.header('x-request-id', context.requestId);
      if (response.body.kind === 'complete') return reply.send(response.body.string);
      let text = '';
      for await (const chunk of response.body.asyncIterator) text += chunk;
      return reply.send(text);
    },
  });
};

/**
 * An error answered by the route itself, in the media type the client accepts (JSON when it accepts
 * neither). The code is always a catalogued one (anything else is the catalogue's uncatalogued
 * failure), and the status the catalogue's for it unless the HTTP semantics name another (405, 406,
 * Fastify's 413 for a body over its limit).
 */
function refuse(reply: FastifyReply, status: number | null, code: unknown, message: string, extra: ErrorExtras = {}) {
  const answered = cataloguedCode(code);
  const media = responseMediaType(reply.request.headers.accept) ?? APPLICATION_JSON;
  return reply.status(status ?? statusOf(answered)).header('content-type', `${media}; charset=utf-8`)
    .send(JSON.stringify(errorBody(answered, message, extra)));
}

/**
 * What the policy stages decided for a request, by its caller object: Apollo hands the plugins a
 * shallow copy of the route's context, so the route reads the outcome back through what both share.
 */
const outcomes = new WeakMap<object, { attributes: Attributes; denied?: string }>();

/** The last Apollo plugin (after the audit stage): the outcome for the request's span and the denials counter. */
export function requestSpanOutcome(model: () => PolicyModel): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ contextValue: context }) {
          outcomes.set(context.caller, {
            attributes: {
              'govshare.decision': context.decision ?? 'NONE',
              ...(context.errorCode ? { 'govshare.error_code': context.errorCode } : {}),
              ...(context.analysis ? { 'govshare.resources': resourcesOf(model(), context.analysis.coordinates) } : {}),
            },
            ...(context.decision === 'DENIED' ? { denied: context.errorCode ?? ErrorCode.FORBIDDEN } : {}),
          });
        },
      };
    },
  };
}

/** The information resources behind an operation's coordinates (the platform's own API included by name). */
function resourcesOf(model: PolicyModel, coordinates: Iterable<string>): string[] {
  const resources = new Set<string>();
  for (const c of coordinates) {
    const resource = model.fields.get(c)?.resource;
    if (resource) resources.add(resource);
  }
  return [...resources].sort();
}

/** The code of an answer's first error (a refusal's body is one small error). */
function firstErrorCode(payload: string): string {
  try {
    const code = (JSON.parse(payload) as { errors?: Array<{ extensions?: { code?: unknown } }> }).errors?.[0]?.extensions?.code;
    return typeof code === 'string' ? code : 'UNKNOWN';
  } catch {
    return 'UNKNOWN';
  }
}
