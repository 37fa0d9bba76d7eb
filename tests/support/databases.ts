import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDatabase, type Database } from '../../subgraphs/kit/index.ts';
import { pgliteTemplateDir } from './sample.ts';

export type DatabaseKind = 'pglite' | 'postgres';

export interface TestDatabase {
  db: Database;
  /** PostgreSQL only: the private database's URL, for a second pool on it (another replica). */
  url?: string;
  dispose(): Promise<void>;
}

/** Whether the PostgreSQL path can run here (CI sets DATABASE_URL so that it always does). */
export const POSTGRES_URL = process.env.DATABASE_URL;

/** A private database for one stack: a copy of the seeded PGlite template, or a fresh PostgreSQL database. */
export async function openTestDatabase(kind: DatabaseKind): Promise<TestDatabase> {
  if (kind === 'pglite') {
    const template = pgliteTemplateDir();
    const dir = mkdtempSync(join(tmpdir(), 'govshare-pglite-'));
    // postmaster.pid belongs to whichever process has the template open; a copy must not inherit it.
    if (existsSync(template)) cpSync(template, dir, { recursive: true, filter: (src) => !src.endsWith('postmaster.pid') });
    const db = await openDatabase({ kind: 'pglite', dataDir: dir });
    return { db, dispose: async () => { await db.close(); rmSync(dir, { recursive: true, force: true }); } };
  }
  if (!POSTGRES_URL) throw new Error('DATABASE_URL is not set: the PostgreSQL tests need a server');
  const name = `govshare_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  const db = await openDatabase({ kind: 'postgres', url: url.toString(), poolSize: 4 });
  return {
    db,
    url: url.toString(),
    dispose: async () => {
      await db.close();
      const cleanup = new pg.Client({ connectionString: POSTGRES_URL });
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await cleanup.end();
    },
  };
}
