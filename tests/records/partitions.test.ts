import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { createMonthPartition, ensureMonthPartitions, listMonthPartitions, monthOf, nextMonth, partitionName } from '../../gateway/records/audit-partitions.ts';
import { loadMigrations, migrate } from '../../gateway/records/migrate.ts';
import { SqlAuditLog } from '../../gateway/records/sql-audit.ts';
import { createStateStores, type AuditRecord } from '../../gateway/state/index.ts';
import { openDatabase, type Database } from '../../subgraphs/kit/index.ts';
import { openTestDatabase, POSTGRES_URL, type TestDatabase } from '../support/databases.ts';
import { spawnScript } from '../support/processes.ts';
import { sampleEntry } from '../state-helpers.ts';

const kinds = ['pglite' as const, ...(POSTGRES_URL ? ['postgres' as const] : [])];

/** Which table each record is in, by seq. */
async function homes(db: Database): Promise<Map<number, string>> {
  const rows = await db.query<{ seq: string; home: string }>(
    `SELECT seq::text AS seq, tableoid::regclass::text AS home FROM govshare.audit_records ORDER BY seq`);
  return new Map(rows.map((r) => [Number(r.seq), r.home.replace(/^govshare\./, '')]));
}

const at = (iso: string) => ({ at: new Date(iso).toISOString() });

/** Every index name each stored record should be filed under, recomputed from the records (a CTE body). */
const INDEX_NAMES_FROM_RECORDS = `names AS (
        SELECT 'by-consumer:' || (record->>'consumer') AS name, seq FROM govshare.audit_records
        UNION SELECT 'visible-to:' || (record->>'consumer'), seq FROM govshare.audit_records
        UNION SELECT 'by-provider:' || p, seq FROM govshare.audit_records, jsonb_array_elements_text(record->'providers') p
        UNION SELECT 'visible-to:' || p, seq FROM govshare.audit_records, jsonb_array_elements_text(record->'providers') p
        UNION SELECT 'by-resource:' || r, seq FROM govshare.audit_records, jsonb_array_elements_text(record->'resources') r
      )`;

describe.each(kinds)('audit log monthly partitions (%s)', (kind) => {
  const opened: TestDatabase[] = [];
  let database: TestDatabase;
  let db: Database;

  beforeEach(async () => {
    database = await openTestDatabase(kind);
    opened.push(database);
    db = database.db;
  });
  afterAll(async () => { for (const d of opened) await d.dispose(); });

  it('migration 003 keeps the records the current code wrote before it: same rows, same chain, each in its month', async () => {
    await migrate(db, loadMigrations().filter((m) => m.version < 3));
    const before = new SqlAuditLog(db);
    const months = ['2025-11-30T23:59:59.999Z', '2025-12-01T00:00:00.000Z', '2026-01-15T08:00:00.000Z'];
    const written: AuditRecord[] = [];
    for (let i = 0; i < 30; i++) written.push(await before.append(sampleEntry(i, at(months[Math.floor(i / 10)]!))));
    const rowsBefore = await db.query<{ seq: string; record: unknown }>('SELECT seq::text AS seq, record FROM govshare.audit_records ORDER BY seq');
    const pageBefore = await before.page({ first: 7, consumer: 'gongan', visibleTo: 'gongan' });

    expect(await migrate(db)).toEqual(loadMigrations().map((m) => m.version).filter((v) => v >= 3));

    const [table] = await db.query<{ kind: string }>(`SELECT relkind::text AS kind FROM pg_class WHERE oid = 'govshare.audit_records'::regclass`);
    expect(table!.kind).toBe('p');
    expect(await listMonthPartitions(db)).toEqual(['2025-11', '2025-12', '2026-01']);
    expect(await db.query('SELECT seq::text AS seq, record FROM govshare.audit_records ORDER BY seq')).toEqual(rowsBefore);
    const home = await homes(db);
    expect(home.get(1)).toBe('audit_records_y2025m11');
    expect(home.get(10)).toBe('audit_records_y2025m11');
    expect(home.get(11)).toBe('audit_records_y2025m12');
    expect(home.get(30)).toBe('audit_records_y2026m01');
    expect(await db.query(`SELECT 1 FROM pg_class WHERE relname = 'audit_records_v1'`)).toEqual([]);

    // A process started after the migration reads and extends the same chain.
    const after = new SqlAuditLog(db);
    expect(await after.verify()).toMatchObject({ ok: true, checked: 30, firstBrokenId: null });
    expect(await after.page({ first: 7, consumer: 'gongan', visibleTo: 'gongan' })).toEqual(pageBefore);
    const next = await after.append(sampleEntry(30, at('2026-01-16T00:00:00Z')));
    expect(next.seq).toBe(31);
    expect(next.prevHash).toBe(written.at(-1)!.hash);
    expect(await after.verify()).toMatchObject({ ok: true, checked: 31 });
  });

  it('a tampered record moved by the migration is still caught by verify()', async () => {
    await migrate(db, loadMigrations().filter((m) => m.version < 3));
    const log = new SqlAuditLog(db);
    for (let i = 0; i < 5; i++) await log.append(sampleEntry(i, at('2025-06-10T00:00:00Z')));
    await db.query(`UPDATE govshare.audit_records SET record = jsonb_set(record, '{purpose}', '"篡改"') WHERE seq = 3`);
    await migrate(db);
    expect(await new SqlAuditLog(db).verify()).toMatchObject({ ok: false, firstBrokenId: '3' });
  });

  it('after start this and next month have partitions; appends land in their month, an unpartitioned month in DEFAULT', async () => {
    const stores = await createStateStores({ records: { database: db }, log: () => {} });
    try {
      const now = new Date();
      const thisMonth = monthOf(now);
      const following = nextMonth(thisMonth);
      expect(await listMonthPartitions(db)).toEqual(expect.arrayContaining([thisMonth, following]));

      const current = await stores.audit.append(sampleEntry(1, { at: now.toISOString() }));
      const ahead = await stores.audit.append(sampleEntry(2, at(`${following}-02T00:00:00Z`)));
      // A clock that jumped back years: no partition for 2019-05, and still nothing fails.
      const stray = await stores.audit.append(sampleEntry(3, at('2019-05-04T03:00:00Z')));
      const home = await homes(db);
      expect(home.get(current.seq)).toBe(partitionName(thisMonth));
      expect(home.get(ahead.seq)).toBe(partitionName(following));
      expect(home.get(stray.seq)).toBe('audit_records_default');
      expect(await stores.audit.verify()).toMatchObject({ ok: true, checked: 3 });

      // Making 2019-05's partition later moves its record out of DEFAULT in the same transaction.
      expect(await createMonthPartition(db, '2019-05')).toBe('created');
      expect((await homes(db)).get(stray.seq)).toBe('audit_records_y2019m05');
      expect(await createMonthPartition(db, '2019-05')).toBe('exists');
      expect(await stores.audit.verify()).toMatchObject({ ok: true, checked: 3 });
    } finally {
      await stores.close();
    }
  });

  it('leaves a month in DEFAULT rather than move more rows than is cheap, and appends keep working', async () => {
    const stores = await createStateStores({ records: { database: db }, log: () => {} });
    try {
      for (let i = 0; i < 3; i++) await stores.audit.append(sampleEntry(i, at(`2018-03-0${i + 1}T00:00:00Z`)));
      expect(await createMonthPartition(db, '2018-03', 2)).toBe('too-many-in-default');
      expect(await listMonthPartitions(db)).not.toContain('2018-03');
      await stores.audit.append(sampleEntry(9, at('2018-03-20T00:00:00Z')));
      expect([...(await homes(db)).values()]).toEqual(Array(4).fill('audit_records_default'));
      expect(await stores.audit.verify()).toMatchObject({ ok: true, checked: 4 });
    } finally {
      await stores.close();
    }
  });

  it('after a clock jump forward the jumped-to months are made, and nothing else changes', async () => {
    await migrate(db);
    const log = new SqlAuditLog(db);
    await log.append(sampleEntry(0, at('2026-02-01T00:00:00Z')));
    const made = await ensureMonthPartitions(db, new Date('2031-12-31T23:00:00Z'));
    expect(made).toEqual(['2031-12', '2032-01']);
    expect(await ensureMonthPartitions(db, new Date('2031-12-31T23:00:00Z'))).toEqual([]);
    expect(await log.append(sampleEntry(1, at('2032-01-01T00:00:01Z')))).toMatchObject({ seq: 2 });
    expect((await homes(db)).get(2)).toBe('audit_records_y2032m01');
    expect(await log.verify()).toMatchObject({ ok: true, checked: 2 });
  });

  it('two writers on one database, appending into different months at once, never share a seq', async () => {
    await migrate(db);
    await createMonthPartition(db, '2026-04');
    await createMonthPartition(db, '2026-05');
    // On PostgreSQL a second pool is a second replica; on PGlite two logs share the one connection.
    const second = kind === 'postgres' ? await openDatabase({ kind: 'postgres', url: database.url!, poolSize: 4 }) : db;
    try {
      const a = new SqlAuditLog(db);
      const b = new SqlAuditLog(second);
      const appends = Array.from({ length: 200 }, (_, i) => (i % 2 ? a : b).append(sampleEntry(i, at(i % 3 ? '2026-04-10T00:00:00Z' : '2026-05-10T00:00:00Z'))));
      const records = await Promise.all(appends);
      expect(new Set(records.map((r) => r.seq)).size).toBe(200);
      const [dupes] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM (SELECT seq FROM govshare.audit_records GROUP BY seq HAVING count(*) > 1) d');
      expect(dupes!.n).toBe(0);
      expect(await a.verify()).toMatchObject({ ok: true, checked: 200 });
    } finally {
      if (second !== db) await second.close();
    }
  });
});

describe.skipIf(!POSTGRES_URL)('npm run seed-audit (PostgreSQL)', () => {
  let database: TestDatabase;
  afterAll(async () => { await database?.dispose(); });

  it('writes 20,000 records whose chain verifies, over months of partitions, with counts and index rows that match the records', async () => {
    database = await openTestDatabase('postgres');
    const seeding = spawnScript('scripts/seed-audit.ts', ['--records', '20000', '--database', database.url!], {});
    expect(await seeding.exited, seeding.output()).toBe(0);
    expect(seeding.output()).toMatch(/20,000 records .* records\/s/);
    const db = database.db;
    const [head] = await db.query<{ seq: string }>('SELECT seq::text AS seq FROM govshare.audit_head');
    expect(head!.seq).toBe('20000');
    expect(await new SqlAuditLog(db).verify()).toMatchObject({ ok: true, checked: 20_000, firstBrokenId: null });
    expect((await listMonthPartitions(db)).length).toBeGreaterThanOrEqual(12);
    const [defaults] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM govshare.audit_records_default');
    expect(defaults!.n).toBe(0);

    // The counters and the index, recomputed from the records themselves.
    const mismatched = await db.query(`
      WITH ${INDEX_NAMES_FROM_RECORDS}, expected AS (SELECT name, count(*) AS n FROM names GROUP BY name)
      SELECT coalesce(e.name, c.name) AS name, e.n AS expected, c.n AS counted
      FROM expected e FULL JOIN govshare.audit_counts c ON c.name = e.name
      WHERE e.n IS DISTINCT FROM c.n`);
    expect(mismatched).toEqual([]);
    const [index] = await db.query<{ missing: number; extra: number }>(`
      WITH ${INDEX_NAMES_FROM_RECORDS}
      SELECT (SELECT count(*)::int FROM names n WHERE NOT EXISTS (SELECT 1 FROM govshare.audit_index i WHERE i.name = n.name AND i.seq = n.seq)) AS missing,
             (SELECT count(*)::int FROM govshare.audit_index i WHERE NOT EXISTS (SELECT 1 FROM names n WHERE i.name = n.name AND i.seq = n.seq)) AS extra`);
    expect(index).toEqual({ missing: 0, extra: 0 });
    const consumers = await db.query(`SELECT DISTINCT record->>'consumer' AS c FROM govshare.audit_records`);
    expect(consumers.length).toBeGreaterThanOrEqual(15);

    // Run again on a seeded log: it extends the chain rather than writing a second one.
    const more = spawnScript('scripts/seed-audit.ts', ['--records', '20500', '--database', database.url!], {});
    expect(await more.exited, more.output()).toBe(0);
    expect(await new SqlAuditLog(db).verify()).toMatchObject({ ok: true, checked: 20_500 });
  }, 180_000);
});
