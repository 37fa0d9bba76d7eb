import type { FastifyInstance } from 'fastify';
import type { VerificationKeys } from '../../protocol/gateway-signature.ts';
import type { SharedReplayCache } from '../../protocol/shared-replay-cache.ts';
import type { SeedOptions, SubgraphDefinition } from './definition.ts';
import { ensureSchemaAndSeed } from './seeding.ts';
import { createSubgraphServer, type SubgraphLogging } from './server.ts';
import type { Database } from './sql.ts';

export interface HostedSubgraph {
  name: string;
  url: string;
  app: FastifyInstance;
}

export interface HostOptions extends SubgraphLogging {
  definitions: readonly SubgraphDefinition<unknown>[];
  db: Database;
  sample: SeedOptions;
  host?: string;
  /** Port per subgraph name; 0 picks a free one; absent uses the definition's own port. */
  ports?: Readonly<Record<string, number>>;
  /** The gateway's public keys every hosted subgraph verifies signatures with. */
  gatewayKeys: VerificationKeys;
  /** Single use of signatures across replicas (`sharedReplayFromEnv`); absent, each process checks alone. */
  sharedReplay?: SharedReplayCache;
  /** `GOVSHARE_UNKNOWN_KEY_BUDGET` (subgraphs/config.ts); absent, the process's configuration. */
  unknownKeyBudget?: number;
  log?: (message: string) => void;
}

/**
 * Creates, seeds (once per data set) and serves subgraphs that share one database. Seeding runs
 * one subgraph at a time: PGlite is single-connection and seeding is write-heavy anyway.
 */
export async function hostSubgraphs(options: HostOptions): Promise<HostedSubgraph[]> {
  const { definitions, db, sample, gatewayKeys, sharedReplay, unknownKeyBudget, host = '127.0.0.1', ports = {}, log = () => {}, logDestination, logLevel } = options;
  for (const definition of definitions) {
    const started = Date.now();
    const outcome = await ensureSchemaAndSeed(db, definition, sample);
    if (outcome === 'seeded') log(`${definition.name}: seeded schema ${definition.dbSchema} in ${Date.now() - started} ms`);
  }
  const hosted: HostedSubgraph[] = [];
  try {
    for (const definition of definitions) {
      const app = await createSubgraphServer({
        definition, sql: db, gatewayKeys, ...(sharedReplay ? { sharedReplay } : {}), ...(unknownKeyBudget !== undefined ? { unknownKeyBudget } : {}),
        ...(logDestination ? { logDestination } : {}), ...(logLevel ? { logLevel } : {}),
        log: (message) => log(`${definition.name}: ${message}`),
      });
      await app.listen({ host, port: ports[definition.name] ?? definition.port });
      const address = app.server.address();
      const port = typeof address === 'object' && address ? address.port : definition.port;
      hosted.push({ name: definition.name, url: `http://${host}:${port}/graphql`, app });
    }
  } catch (error) {
    await Promise.all(hosted.map((h) => h.app.close()));
    throw error;
  }
  return hosted;
}
