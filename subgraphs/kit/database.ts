import { mkdirSync } from 'node:fs';
import type { Database } from './sql.ts';

export type DatabaseConfig =
  | { kind: 'pglite'; dataDir?: string }
  | { kind: 'postgres'; url: string; poolSize?: number };

/** `DATABASE_URL` selects a PostgreSQL server; otherwise an embedded PGlite persisted under `dataDir`. */
export function databaseConfigFromEnv(env: NodeJS.ProcessEnv, pgliteDir: string): DatabaseConfig {
  return env.DATABASE_URL ? { kind: 'postgres', url: env.DATABASE_URL } : { kind: 'pglite', dataDir: pgliteDir };
}

export async function openDatabase(config: DatabaseConfig): Promise<Database> {
  return config.kind === 'postgres' ? openPostgres(config.url, config.poolSize) : openPglite(config.dataDir);
}

async function openPglite(dataDir?: string): Promise<Database> {
  const { PGlite } = await import('@electric-sql/pglite');
  // A persisted directory reopens in ~0.5 s; a fresh in-memory instance costs seconds and ~800 MB.
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const db = await PGlite.create({ ...(dataDir ? { dataDir } : {}), parsers: TEXT_DATES });
  return {
    kind: 'pglite',
    async query(text, params) {
      const result = await db.query(text, params as unknown[] | undefined);
      return result.rows as never[];
    },
    async exec(script) {
      await db.exec(script);
    },
    close: () => db.close(),
  };
}

/** Dates stay ISO strings (a JS Date would shift them by time zone); NUMERIC becomes a number. */
const TEXT_DATES = {
  1082: (v: string) => v,
  1114: (v: string) => v,
  1184: (v: string) => v,
  1700: (v: string) => Number(v),
};

async function openPostgres(url: string, poolSize = 10): Promise<Database> {
  const pg = (await import('pg')).default;
  const types = { getTypeParser: (oid: number, format?: 'text' | 'binary') =>
    TEXT_DATES[oid as keyof typeof TEXT_DATES] ?? pg.types.getTypeParser(oid, format as 'text') };
  const pool = new pg.Pool({ connectionString: url, max: poolSize, types });
  pool.on('error', () => { /* an idle client died; the pool replaces it on next use */ });
  await pool.query('select 1');
  return {
    kind: 'postgres',
    async query(text, params) {
      const result = await pool.query(text, params as unknown[] | undefined);
      return result.rows;
    },
    async exec(script) {
      await pool.query(script);
    },
    close: () => pool.end(),
  };
}
