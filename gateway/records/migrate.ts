import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type { Database } from '../../subgraphs/kit/sql.ts';

export interface Migration { version: number; name: string; sql: string }

/** The records' schema. Every migration and every store statement names it explicitly. */
export const RECORDS_SCHEMA = 'govshare';

/** Any constant the deployment's other users of the database do not take: ours alone serialises migrations. */
const MIGRATION_LOCK = 0x67_6f_76_73; // "govs"

const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));

/** `NNN_name.sql` files, in version order; a gap or a duplicate version is a packaging mistake, refused. */
export function loadMigrations(dir = MIGRATIONS_DIR): Migration[] {
  const migrations = readdirSync(dir).filter((file) => file.endsWith('.sql')).map((file) => {
    const match = /^(\d+)_([a-z0-9_-]+)\.sql$/.exec(file);
    if (!match) throw new Error(`migration file ${file} is not named NNN_name.sql`);
    return { version: Number(match[1]), name: match[2]!, sql: readFileSync(join(dir, file), 'utf8') };
  }).sort((a, b) => a.version - b.version);
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migrations must be numbered 1, 2, 3…: found ${m.version} at position ${i + 1}`);
  });
  return migrations;
}

/**
 * Brings the schema up to date: each migration not yet in `govshare.migrations` runs once, in order, all
 * of them in one transaction under a transaction-scoped advisory lock, so replicas starting together
 * apply them once (the second waits, then finds nothing to do) and a failed migration leaves nothing
 * half-applied. Returns the versions applied now.
 */
export async function migrate(db: Database, migrations: readonly Migration[] = loadMigrations()): Promise<number[]> {
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await tx.exec(`CREATE SCHEMA IF NOT EXISTS ${RECORDS_SCHEMA};
      CREATE TABLE IF NOT EXISTS ${RECORDS_SCHEMA}.migrations (
        version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now());`);
    const rows = await tx.query<{ version: number }>(`SELECT version FROM ${RECORDS_SCHEMA}.migrations`);
    const applied = new Set(rows.map((r) => Number(r.version)));
    const known = new Set(migrations.map((m) => m.version));
    const unknown = [...applied].filter((v) => !known.has(v));
    // A database migrated by a newer govshare: this one would misread what it does not know.
    if (unknown.length > 0) throw new Error(`the records database has migration(s) ${unknown.join(', ')} this version of govshare does not know: upgrade it`);
    const done: number[] = [];
    for (const migration of migrations) {
      if (applied.has(migration.version)) continue;
      await tx.exec(migration.sql);
      await tx.query(`INSERT INTO ${RECORDS_SCHEMA}.migrations (version, name) VALUES ($1, $2)`, [migration.version, migration.name]);
      done.push(migration.version);
    }
    return done;
  });
}
