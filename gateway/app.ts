import Fastify, { type FastifyInstance } from 'fastify';
import type { ApolloServer } from '@apollo/server';
import type { GatewayConfig } from './config.ts';
import { SupergraphSource } from './composition/supergraph-source.ts';
import { createApolloExecutor, type GatewayContext } from './execution/apollo.ts';
import { graphqlRoute } from './http/graphql-route.ts';
import { healthRoutes } from './http/health-routes.ts';
import { createGatewayMetrics } from './http/metrics.ts';

export interface Gateway {
  app: FastifyInstance;
  source: SupergraphSource;
  /** Listens at once (health answers), then loads the supergraph; resolves when it serves queries. */
  start(): Promise<void>;
  close(): Promise<void>;
  readonly url: string;
}

export interface GatewayOptions {
  config: GatewayConfig;
  log?: (message: string) => void;
}

export function createGateway({ config, log = () => {} }: GatewayOptions): Gateway {
  const app = Fastify({ logger: false, bodyLimit: 2 * 1024 * 1024 });
  const metrics = createGatewayMetrics();
  const source = new SupergraphSource(() => ({}), log);
  source.onSwap(() => metrics.supergraphSwaps.inc());
  let apollo: ApolloServer<GatewayContext> | null = null;
  let url = '';
  const abort = new AbortController();

  app.register(healthRoutes, { source, metrics, isServing: () => apollo !== null });
  app.register(graphqlRoute, { server: () => apollo, metrics });

  return {
    app,
    source,
    get url() { return url; },
    async start() {
      await app.listen({ host: config.host, port: config.port });
      const address = app.server.address();
      url = typeof address === 'object' && address ? `http://${config.host}:${address.port}` : `http://${config.host}:${config.port}`;
      await source.load(config.subgraphs, abort.signal);
      const executor = createApolloExecutor(source);
      await executor.server.start();
      apollo = executor.server;
    },
    async close() {
      abort.abort();
      await apollo?.stop();
      await app.close();
    },
  };
}
