import Fastify, { type FastifyInstance } from 'fastify';
import mercurius from 'mercurius';
import { parse } from 'graphql';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { subgraphSdl, type Database, type SubgraphDefinition } from '../subgraphs/kit/index.ts';

/**
 * The same subgraph code and data as plain federation serves them: mercurius + buildSubgraphSchema,
 * per-request DataLoaders, and no govshare door (no signature check, no @share enforcement). The
 * baseline a bare @apollo/gateway is measured over. Benchmark only: never reachable from npm start.
 */
export async function hostBareSubgraphs(definitions: readonly SubgraphDefinition<unknown>[], db: Database, ports: Record<string, number>): Promise<FastifyInstance[]> {
  const apps: FastifyInstance[] = [];
  for (const definition of definitions) {
    const app = Fastify({ logger: false, bodyLimit: 16 * 1024 * 1024 });
    await app.register(mercurius, {
      schema: buildSubgraphSchema({ typeDefs: parse(subgraphSdl(definition)), resolvers: definition.resolvers as never }),
      path: '/graphql',
      jit: 1, // as the kit does: only the door differs
      context: () => ({ sql: db, loaders: definition.loaders(db) }),
    });
    await app.listen({ host: '127.0.0.1', port: ports[definition.name]! });
    apps.push(app);
  }
  return apps;
}
