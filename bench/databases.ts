import pg from 'pg';

/**
 * Creates the benchmark database that `url` names on its server when it does not exist yet (seeding
 * follows in the caller). Rejects when the server does not answer within `connectTimeoutMs`.
 */
export async function ensureDatabase(url: string, connectTimeoutMs = 10_000): Promise<void> {
  const name = new URL(url).pathname.slice(1);
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`benchmark database "${name}": letters, digits and _ only`);
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString(), connectionTimeoutMillis: connectTimeoutMs });
  try {
    await client.connect();
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end().catch(() => {});
  }
}

/** Drops the gateway's records schema (`govshare`) in `url`: a run's audit log begins at record 1. */
export async function dropRecordsSchema(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try { await client.query('DROP SCHEMA IF EXISTS govshare CASCADE'); } finally { await client.end(); }
}

/**
 * Where a comparison benchmark's gateway keeps its records: PostgreSQL `BENCH_RECORDS_URL` (created when
 * missing, its `govshare` schema dropped so the run's audit log begins at record 1) or, unset, embedded
 * PGlite in the gateway's data folder. Says which, and returns the gateway's environment for it.
 */
export async function gatewayRecordsEnv(url = process.env.BENCH_RECORDS_URL): Promise<Record<string, string>> {
  console.log(`gateway records ${url ?? 'in embedded PGlite'}`);
  if (!url) return {};
  await ensureDatabase(url);
  await dropRecordsSchema(url);
  return { GOVSHARE_STATE_DATABASE_URL: url };
}
