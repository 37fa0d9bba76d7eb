import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { openDatabase, type Database } from '../../subgraphs/kit/index.ts';
import { databaseUrl, pgliteTemplateDir } from './sample.ts';

export type DatabaseKind = 'pglite' | 'postgres';

export interface TestDatabase {
  db: Database;
  /** PostgreSQL only: the private database's URL, for a second pool on it (another replica). */
  url?: string;
  dispose(): Promise<void>;
}

/**
 * A copy of a PGlite data directory to open elsewhere. postmaster.pid belongs to whichever process has
 * the original open; a copy must not inherit it.
 */
export function copyPgliteDataDir(from: string, to: string): void {
  cpSync(from, to, { recursive: true, filter: (src) => !src.endsWith('postmaster.pid') });
}

/** Whether the PostgreSQL path can run here (CI sets DATABASE_URL so that it always does). */
export const POSTGRES_URL = process.env.DATABASE_URL;

/** The PGlite template's dump (global-setup), read once per test process: each copy of it opens in memory. */
let pgliteDump: Promise<Blob> | undefined;

/** A private database for one stack: a copy of the seeded PGlite template, or a PostgreSQL database copied from its seeded template. */
export async function openTestDatabase(kind: DatabaseKind): Promise<TestDatabase> {
  const dump = kind === 'pglite' ? inject('pgliteDump') : undefined;
  if (dump) {
    pgliteDump ??= readFile(dump).then((bytes) => new Blob([bytes]));
    const db = await openDatabase({ kind: 'pglite', loadDataDir: await pgliteDump });
    return { db, dispose: () => db.close() };
  }
  if (kind === 'pglite') {
    const template = pgliteTemplateDir();
    const dir = mkdtempSync(join(tmpdir(), 'govshare-pglite-'));
    if (existsSync(template)) copyPgliteDataDir(template, dir);
    const db = await openDatabase({ kind: 'pglite', dataDir: dir });
    return { db, dispose: async () => { await db.close(); rmSync(dir, { recursive: true, force: true }); } };
  }
  if (!POSTGRES_URL) throw new Error('DATABASE_URL is not set: the PostgreSQL tests need a server');
  const name = `govshare_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  try {
    await createDatabase(admin, name, inject('postgresTemplate'));
  } finally {
    await admin.end();
  }
  const url = databaseUrl(POSTGRES_URL, name);
  const db = await openDatabase({ kind: 'postgres', url, poolSize: 4 });
  return {
    db,
    url,
    dispose: async () => {
      await db.close();
      const cleanup = new pg.Client({ connectionString: POSTGRES_URL });
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await cleanup.end();
    },
  };
}

/**
 * A copy of the seeded template where there is one. PostgreSQL refuses to copy a database while another
 * session is connected to it (55006) — a second test run's global-setup looking at it — so that is tried again.
 */
async function createDatabase(admin: pg.Client, name: string, template: string | undefined): Promise<void> {
  if (!template) {
    await admin.query(`CREATE DATABASE ${name}`);
    return;
  }
  for (let attempt = 1; ; attempt++) {
    try {
      await admin.query(`CREATE DATABASE ${name} TEMPLATE ${template}`);
      return;
    } catch (error) {
      if ((error as { code?: string }).code !== '55006' || attempt === 50) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
