export { defineSubgraph, type SubgraphDefinition, type SubgraphContext, type SeedOptions, type Resolvers } from './definition.ts';
export type { Sql, Database } from './sql.ts';
export { openDatabase, databaseConfigFromEnv, type DatabaseConfig } from './database.ts';
export { rowByKey, rowsByKey, loadBatch, MAX_BATCH_KEYS } from './loaders.ts';
export { insertRows, mapRows, ensureSchemaAndSeed } from './seeding.ts';
export { subgraphPlugin, createSubgraphServer, subgraphSdl } from './server.ts';
export { badUserInput } from './errors.ts';
export { hostSubgraphs, type HostedSubgraph, type HostOptions } from './host.ts';
