import { createHash } from 'node:crypto';
import type { SeedOptions, SubgraphDefinition } from './definition.ts';
import type { Sql } from './sql.ts';

/**
 * Creates the subgraph's schema and seeds it once per (DDL, seed options). A marker row records
 * what was seeded, so restarts reopen the data as it is and a changed data set is rebuilt.
 */
export async function ensureSchemaAndSeed(
  sql: Sql, definition: SubgraphDefinition<unknown>, options: SeedOptions,
): Promise<'seeded' | 'kept'> {
  const schema = quoteIdent(definition.dbSchema);
  const marker = createHash('sha256')
    .update(definition.ddl).update(JSON.stringify(options)).digest('hex');
  await sql.exec(`CREATE SCHEMA IF NOT EXISTS ${schema};
    CREATE TABLE IF NOT EXISTS ${schema}.govshare_seed (marker text PRIMARY KEY, seeded_at timestamptz NOT NULL DEFAULT now())`);
  const found = await sql.query<{ marker: string }>(`SELECT marker FROM ${schema}.govshare_seed`);
  if (found.length === 1 && found[0]?.marker === marker) return 'kept';
  await sql.exec(`DROP SCHEMA ${schema} CASCADE; CREATE SCHEMA ${schema};
    CREATE TABLE ${schema}.govshare_seed (marker text PRIMARY KEY, seeded_at timestamptz NOT NULL DEFAULT now())`);
  await sql.exec(definition.ddl);
  if (definition.seed) await definition.seed(sql, options);
  // Fresh statistics, or the planner guesses (and a million-row table gets scanned for 10,000 keys).
  const tables = await sql.query<{ name: string }>(`SELECT tablename AS name FROM pg_tables WHERE schemaname = $1`, [definition.dbSchema]);
  for (const { name } of tables) await sql.exec(`ANALYZE ${schema}.${quoteIdent(name)}`);
  await sql.query(`INSERT INTO ${schema}.govshare_seed (marker) VALUES ($1)`, [marker]);
  return 'seeded';
}

/**
 * Streams rows into a table with multi-row INSERTs of `batchSize` rows, so a million-row data set
 * never sits in memory at once.
 */
export async function insertRows(
  sql: Sql, table: string, columns: readonly string[], rows: Iterable<readonly unknown[]>, batchSize = 1000,
): Promise<number> {
  let batch: unknown[] = [];
  let count = 0;
  let inBatch = 0;
  const flush = async () => {
    if (inBatch === 0) return;
    const tuples: string[] = [];
    for (let r = 0; r < inBatch; r++) {
      const base = r * columns.length;
      tuples.push(`(${columns.map((_, c) => `$${base + c + 1}`).join(',')})`);
    }
    await sql.query(`INSERT INTO ${table} (${columns.join(',')}) VALUES ${tuples.join(',')}`, batch);
    batch = [];
    inBatch = 0;
  };
  for (const row of rows) {
    if (row.length !== columns.length) throw new Error(`insertRows(${table}): row has ${row.length} values for ${columns.length} columns`);
    batch.push(...row);
    inBatch++;
    count++;
    // PostgreSQL allows 65,535 parameters per statement.
    if (inBatch >= batchSize || batch.length + columns.length > 65_000) await flush();
  }
  await flush();
  return count;
}

/** Maps a lazy sequence without materialising it. */
export function* mapRows<T, R>(rows: Iterable<T>, fn: (row: T) => R): Generator<R> {
  for (const row of rows) yield fn(row);
}

function quoteIdent(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`invalid schema name ${name}`);
  return name;
}
