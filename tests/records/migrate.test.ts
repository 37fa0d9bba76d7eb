import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadMigrations, migrate, type Migration } from '../../gateway/records/migrate.ts';
import { openDatabase, type Database } from '../../subgraphs/kit/index.ts';
import { openTestDatabase, POSTGRES_URL, type TestDatabase } from '../support/databases.ts';

const one: Migration = { version: 1, name: 'one', sql: 'CREATE TABLE govshare.t (n int); INSERT INTO govshare.t VALUES (1);' };
const two: Migration = { version: 2, name: 'two', sql: 'INSERT INTO govshare.t VALUES (2);' };
const broken: Migration = { version: 3, name: 'broken', sql: 'INSERT INTO govshare.t VALUES (3); SELECT * FROM govshare.nowhere;' };

const kinds = ['pglite' as const, ...(POSTGRES_URL ? ['postgres' as const] : [])];

describe.each(kinds)('the migration runner (%s)', (kind) => {
  let database: TestDatabase;
  const values = async () => (await database.db.query<{ n: number }>('SELECT n FROM govshare.t ORDER BY n')).map((r) => r.n);
  const versions = async () => (await database.db.query<{ version: number; name: string }>(
    'SELECT version, name FROM govshare.migrations ORDER BY version')).map((r) => `${r.version}:${r.name}`);

  beforeAll(async () => { database = await openTestDatabase(kind); });
  afterAll(async () => { await database?.dispose(); });
  beforeEach(async () => { await database.db.exec('DROP SCHEMA IF EXISTS govshare CASCADE'); });

  it('applies each migration once, in order, and records it', async () => {
    expect(await migrate(database.db, [one])).toEqual([1]);
    expect(await migrate(database.db, [one, two])).toEqual([2]);
    expect(await migrate(database.db, [one, two])).toEqual([]);
    expect(await values()).toEqual([1, 2]);
    expect(await versions()).toEqual(['1:one', '2:two']);
  });

  it('leaves nothing of a failing run behind, earlier migrations of the same run included', async () => {
    await expect(migrate(database.db, [one, two, broken])).rejects.toThrow(/nowhere/);
    const schemas = await database.db.query(`SELECT 1 FROM information_schema.schemata WHERE schema_name = 'govshare'`);
    expect(schemas).toEqual([]);
    expect(await migrate(database.db, [one, two])).toEqual([1, 2]);
  });

  it('refuses a database migrated by a newer version', async () => {
    await migrate(database.db, [one, two]);
    await expect(migrate(database.db, [one])).rejects.toThrow(/migration\(s\) 2 .*does not know/);
  });

  it('applies once when several replicas start together', async () => {
    // On PostgreSQL each "replica" is a pool of its own, so the advisory lock is what keeps them apart.
    const pools: Database[] = kind === 'postgres'
      ? await Promise.all([1, 2, 3].map(() => openDatabase({ kind: 'postgres', url: database.url!, poolSize: 2 })))
      : [database.db, database.db, database.db];
    try {
      const applied = await Promise.all(pools.map((db) => migrate(db, [one, two])));
      expect(applied.flat().sort()).toEqual([1, 2]);
      expect(await values()).toEqual([1, 2]);
    } finally {
      if (kind === 'postgres') await Promise.all(pools.map((db) => db.close()));
    }
  });

  it('migrates an empty database to the shipped schema', async () => {
    const shipped = loadMigrations();
    expect(shipped.map((m) => m.version)).toEqual(shipped.map((_, i) => i + 1));
    expect(await migrate(database.db)).toEqual(shipped.map((m) => m.version));
    const head = await database.db.query<{ seq: string; hash: string }>('SELECT seq::text AS seq, hash FROM govshare.audit_head');
    expect(head).toEqual([{ seq: '0', hash: '0'.repeat(64) }]);
  });
});

describe('migration files', () => {
  let dir: string;
  const dirs: string[] = [];
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'govshare-migrations-')); dirs.push(dir); });
  afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

  it('are read in version order and must be numbered without gaps', () => {
    writeFileSync(join(dir, '002_second.sql'), 'SELECT 2;');
    writeFileSync(join(dir, '001_first.sql'), 'SELECT 1;');
    writeFileSync(join(dir, 'README'), 'not a migration');
    expect(loadMigrations(dir).map((m) => `${m.version}:${m.name}`)).toEqual(['1:first', '2:second']);
    writeFileSync(join(dir, '004_fourth.sql'), 'SELECT 4;');
    expect(() => loadMigrations(dir)).toThrow(/numbered/);
  });

  it('must be named NNN_name.sql', () => {
    writeFileSync(join(dir, 'first.sql'), 'SELECT 1;');
    expect(() => loadMigrations(dir)).toThrow(/NNN_name/);
  });
});
