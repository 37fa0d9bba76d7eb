/**
 * `npm run seed -- [--persons N] [--seed S] [--subgraph name …]`: (re)creates and seeds the sample
 * subgraphs' schemas in PostgreSQL (`DATABASE_URL`) or the embedded PGlite that `npm start` uses.
 * Rows are generated and inserted in batches, so a million persons never sit in memory.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { databaseConfigFromEnv, ensureSchemaAndSeed, openDatabase } from '../subgraphs/kit/index.ts';
import { sampleOptionsFromEnv } from '../subgraphs/sample-data/index.ts';
import { SAMPLE_SUBGRAPHS, sampleSubgraph } from '../subgraphs/samples.ts';

const { values } = parseArgs({
  options: {
    persons: { type: 'string' },
    seed: { type: 'string' },
    subgraph: { type: 'string', multiple: true },
  },
});
const defaults = sampleOptionsFromEnv(process.env);
const options = {
  seed: values.seed !== undefined ? Number(values.seed) : defaults.seed,
  persons: values.persons !== undefined ? Number(values.persons) : defaults.persons,
};
if (!Number.isInteger(options.seed) || !Number.isInteger(options.persons) || options.persons < 0) {
  console.error('--seed and --persons take whole numbers (persons ≥ 0)');
  process.exit(2);
}
const definitions = values.subgraph?.length ? values.subgraph.map(sampleSubgraph) : SAMPLE_SUBGRAPHS;
const config = databaseConfigFromEnv(process.env, resolve(process.env.GOVSHARE_DATA_DIR ?? '.data', 'pglite', 'all'));
console.log(`seeding ${definitions.map((d) => d.name).join(', ')} with seed ${options.seed}, ${options.persons} persons into ${config.kind === 'postgres' ? 'PostgreSQL' : `PGlite at ${(config as { dataDir: string }).dataDir}`}`);

const db = await openDatabase(config);
const started = Date.now();
for (const definition of definitions) {
  const t0 = Date.now();
  const outcome = await ensureSchemaAndSeed(db, definition, options);
  console.log(`  ${definition.name.padEnd(16)} ${outcome === 'seeded' ? 'seeded' : 'already seeded with this data set'} (${((Date.now() - t0) / 1000).toFixed(1)} s, rss ${Math.round(process.memoryUsage().rss / 1e6)} MB)`);
}
await db.close();
console.log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
