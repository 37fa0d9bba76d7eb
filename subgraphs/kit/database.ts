import { mkdirSync } from 'node:fs';
import { inChildSpan, sqlOperation } from '../../protocol/telemetry.ts';
import { loadSubgraphConfig } from '../config.ts';
import type { Database, Sql } from './sql.ts';

export type DatabaseConfig =
  | {
    kind: 'pglite'; dataDir?: string;
    /** Instead of `dataDir`: in memory, from a copy of a data directory `dumpDataDir()` wrote (tests open seeded copies this way). */
    loadDataDir?: Blob;
  }
  | {
    kind: 'postgres'; url: string; poolSize?: number;
    /** Fail fast instead of waiting on a server that does not answer (records fail closed on it). */
    connectTimeoutMs?: number; queryTimeoutMs?: number;
  };

/** `DATABASE_URL` selects a PostgreSQL server; otherwise an embedded PGlite persisted under `dataDir`. */
export function databaseConfigFromEnv(env: NodeJS.ProcessEnv, pgliteDir: string): DatabaseConfig {
  return databaseConfig(loadSubgraphConfig(env).databaseUrl, pgliteDir);
}

export function databaseConfig(databaseUrl: string | undefined, pgliteDir: string): DatabaseConfig {
  return databaseUrl ? { kind: 'postgres', url: databaseUrl } : { kind: 'pglite', dataDir: pgliteDir };
}

export async function openDatabase(config: DatabaseConfig): Promise<Database> {
  return traced(config.kind === 'postgres' ? await openPostgres(config) : await openPglite(config.dataDir, config.loadDataDir));
}

/** Each statement and transaction of a traced request as a span (its first keyword, never its text or parameters). */
function traced(db: Database): Database {
  const system = { 'db.system': 'postgresql', 'db.engine': db.kind };
  const sql = (target: Sql): Sql => ({
    query: <R>(text: string, params?: readonly unknown[]) => inChildSpan('sql', () => ({ ...system, 'db.operation.name': sqlOperation(text) }), () => target.query<R>(text, params)),
    exec: (script) => target.exec(script),
  });
  return {
    ...db,
    ...sql(db),
    transaction: (work) => inChildSpan('sql transaction', system, () => db.transaction((tx) => work(sql(tx)))),
    close: () => db.close(),
  };
}

async function openPglite(dataDir?: string, loadDataDir?: Blob): Promise<Database> {
  const { PGlite } = await import('@electric-sql/pglite');
  // A persisted directory reopens in ~0.5 s; a fresh in-memory instance costs seconds and ~800 MB.
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const db = await PGlite.create({
    ...(dataDir ? { dataDir } : {}), ...(loadDataDir ? { loadDataDir } : {}), parsers: TEXT_DATES,
    startParams: [...PGlite.defaultStartParams, '-c', `shared_buffers=${PGLITE_SHARED_BUFFERS}`],
  });
  const sqlOf = (target: { query: typeof db.query; exec: typeof db.exec }): Sql => ({
    async query(text, params) {
      const result = await target.query(text, params as unknown[] | undefined);
      return result.rows as never[];
    },
    async exec(script) {
      await target.exec(script);
    },
  });
  return {
    kind: 'pglite',
    ...sqlOf(db),
    // PGlite has one connection: its own transaction() holds every other statement until COMMIT.
    transaction: (work) => db.transaction((tx) => work(sqlOf(tx))),
    close: () => db.close(),
  };
}

/**
 * Postgres' shared buffers live inside PGlite's WebAssembly memory, which never shrinks: initdb's
 * default of 128 MB made most of an idle PGlite's 290–345 MB resident. With 32 MB one measured 180–185
 * MB after reading every table of the sample data; pages beyond it are read through the OS page cache
 * (NODEFS). `npm start` runs two PGlites (the subgraphs', the gateway's records).
 */
const PGLITE_SHARED_BUFFERS = '32MB';

/** Dates stay ISO strings (a JS Date would shift them by time zone); NUMERIC becomes a number. */
const TEXT_DATES = {
  1082: (v: string) => v,
  1114: (v: string) => v,
  1184: (v: string) => v,
  1700: (v: string) => Number(v),
};

async function openPostgres(config: Extract<DatabaseConfig, { kind: 'postgres' }>): Promise<Database> {
  const pg = (await import('pg')).default;
  const types = { getTypeParser: (oid: number, format?: 'text' | 'binary') =>
    TEXT_DATES[oid as keyof typeof TEXT_DATES] ?? pg.types.getTypeParser(oid, format as 'text') };
  const pool = new pg.Pool({
    connectionString: config.url, max: config.poolSize ?? 10, types,
    ...(config.connectTimeoutMs ? { connectionTimeoutMillis: config.connectTimeoutMs } : {}),
    ...(config.queryTimeoutMs ? { query_timeout: config.queryTimeoutMs } : {}),
  });
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
    async transaction(work) {
      const client = await pool.connect();
      let broken: Error | undefined;
      // The server may cut the connection mid-transaction (restart, failover, pg_terminate_backend): the
      // statement in progress rejects; without a listener the client's 'error' event would end the process.
      const onError = (error: Error) => { broken = error; };
      client.on('error', onError);
      try {
        await client.query('BEGIN');
        const result = await work({
          async query(text, params) { return (await client.query(text, params as unknown[] | undefined)).rows; },
          async exec(script) { await client.query(script); },
        });
        await client.query('COMMIT');
        return result;
      } catch (error) {
        // A connection that cannot even roll back is dropped from the pool rather than reused mid-transaction.
        await client.query('ROLLBACK').catch((rollbackError: Error) => { broken = rollbackError; });
        throw error;
      } finally {
        client.off('error', onError);
        client.release(broken);
      }
    },
    close: () => pool.end(),
  };
}
