import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import { HeaderMap, type ApolloServer } from '@apollo/server';
import type { GatewayContext } from '../execution/apollo.ts';
import type { GatewayMetrics } from './metrics.ts';

export interface GraphqlRouteOptions {
  server: () => ApolloServer<GatewayContext> | null;
  metrics: GatewayMetrics;
}

/** `/graphql`: hands the HTTP request to Apollo Server and its answer back to the client. */
export const graphqlRoute: FastifyPluginAsync<GraphqlRouteOptions> = async (app, { server, metrics }) => {
  app.route({
    method: ['GET', 'POST'],
    url: '/graphql',
    handler: async (request, reply) => {
      const stop = metrics.duration.startTimer();
      const apollo = server();
      if (!apollo) {
        reply.status(503).header('retry-after', '1');
        metrics.requests.inc({ status: '5xx' });
        return { errors: [{ message: 'the gateway is starting: the supergraph is not loaded yet', extensions: { code: 'SERVICE_UNAVAILABLE' } }] };
      }
      const headers = new HeaderMap();
      for (const [name, value] of Object.entries(request.headers)) {
        if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
      }
      const search = request.url.includes('?') ? request.url.slice(request.url.indexOf('?')) : '';
      const response = await apollo.executeHTTPGraphQLRequest({
        httpGraphQLRequest: { method: request.method, headers, search, body: request.body },
        context: async () => ({ requestId: randomUUID() }),
      });
      const status = response.status ?? 200;
      reply.status(status);
      for (const [name, value] of response.headers) reply.header(name, value);
      metrics.requests.inc({ status: `${Math.floor(status / 100)}xx` });
      stop();
      if (response.body.kind === 'complete') return reply.send(response.body.string);
      let text = '';
      for await (const chunk of response.body.asyncIterator) text += chunk;
      return reply.send(text);
    },
  });
};
