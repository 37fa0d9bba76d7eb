import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  chainHash, createStateStores, GENESIS_HASH, InvalidAuditCursorError, isGrantActive, StoreUnavailableError,
  type AuditQuery, type AuditRecord, type Coordination, type NewGrant, type StateStores,
} from '../gateway/state/index.ts';
import { processCoordination } from '../gateway/state/events.ts';
import { openDatabase, type Database } from '../subgraphs/kit/index.ts';
import { openTestDatabase, POSTGRES_URL, type TestDatabase } from './support/databases.ts';
import { REDIS_URL, sampleEntry, testPrefix } from './state-helpers.ts';

/**
 * The same contract on both homes of the records: embedded PGlite (replicas in one process share an
 * in-process coordination) and a PostgreSQL server with Redis coordination (a replica is a second pool
 * and a second pair of Redis connections), the latter whenever CI provides both.
 */
const backends = [
  { kind: 'pglite' as const, available: true },
  { kind: 'postgres' as const, available: POSTGRES_URL !== undefined && REDIS_URL !== undefined },
];
const NOW = new Date('2026-03-02T08:00:00.000Z');
const LATER = new Date('2026-03-03T08:00:00.000Z');

function newGrant(overrides: Partial<NewGrant> = {}): NewGrant {
  return {
    consumer: 'shebao', resource: 'population.basic', fields: ['Person.mobile', 'Person.address'], raw: false,
    purpose: '养老金资格认证', validUntil: '2026-12-31T16:00:00.000Z', ...overrides,
  };
}

/** The visibility and filter rule of the contract, written out independently of the stores' own. */
function expected(all: AuditRecord[], query: Omit<AuditQuery, 'first'>): string[] {
  return all
    .filter((r) => query.visibleTo === 'all' || r.consumer === query.visibleTo || r.providers.includes(query.visibleTo))
    .filter((r) => query.consumer === undefined || r.consumer === query.consumer)
    .filter((r) => query.resource === undefined || r.resources.includes(query.resource))
    .map((r) => r.id)
    .reverse();
}

function nextChange(stores: StateStores): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { off(); reject(new Error('no change notification within 2 s')); }, 2000);
    const off = stores.grants.onChange((consumer) => { clearTimeout(timer); off(); resolve(consumer); });
  });
}

describe.each(backends.filter((b) => b.available))('$kind state stores', ({ kind }) => {
  let database: TestDatabase;
  let prefix: string;
  let coordination: Coordination;
  let stores: StateStores;
  const opened: StateStores[] = [];
  const pools: Database[] = [];

  beforeAll(async () => { database = await openTestDatabase(kind); });
  afterAll(async () => { await database?.dispose(); });

  /** Another replica on the same records: on PostgreSQL a pool and Redis connections of its own. */
  async function open(): Promise<StateStores> {
    let db = database.db;
    if (kind === 'postgres' && opened.length > 0) {
      db = await openDatabase({ kind: 'postgres', url: database.url!, poolSize: 4 });
      pools.push(db);
    }
    const opening = await createStateStores({
      records: { database: db }, prefix, log: () => {},
      ...(kind === 'postgres' ? { redisUrl: REDIS_URL! } : { coordination }),
    });
    opened.push(opening);
    return opening;
  }

  beforeEach(async () => {
    prefix = testPrefix();
    coordination = processCoordination();
    // Every test starts from an empty schema, which the first open migrates again.
    await database.db.exec('DROP SCHEMA IF EXISTS govshare CASCADE');
    stores = await open();
  });

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
    await Promise.all(pools.splice(0).map((db) => db.close()));
    await coordination.close();
  });

  it('reports its kind and answers ping', async () => {
    expect(stores.kind).toBe(kind);
    expect(stores.coordination).toBe(kind === 'postgres' ? 'redis' : 'process');
    await expect(stores.ping()).resolves.toBeUndefined();
  });

  describe('grants', () => {
    it('creates a grant and reads it back', async () => {
      const grant = await stores.grants.create(newGrant({ applicationId: 'app-1' }), NOW);
      expect(grant).toMatchObject({ ...newGrant(), applicationId: 'app-1', createdAt: NOW.toISOString(), revokedAt: null, revokeReason: null });
      expect(grant.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(await stores.grants.get(grant.id)).toEqual(grant);
      expect(await stores.grants.get('no-such-grant')).toBeNull();
      const plain = await stores.grants.create(newGrant(), NOW);
      expect(plain.applicationId).toBeNull();
    });

    it('lists grants by consumer, by resource and both', async () => {
      const a = await stores.grants.create(newGrant({ consumer: 'shebao', resource: 'population.basic' }), NOW);
      const b = await stores.grants.create(newGrant({ consumer: 'shebao', resource: 'housing.property' }), LATER);
      const c = await stores.grants.create(newGrant({ consumer: 'minzheng', resource: 'population.basic' }), LATER);
      const ids = (grants: { id: string }[]) => grants.map((g) => g.id).sort();
      expect(ids(await stores.grants.list())).toEqual(ids([a, b, c]));
      expect(ids(await stores.grants.list({ consumer: 'shebao' }))).toEqual(ids([a, b]));
      expect(ids(await stores.grants.list({ resource: 'population.basic' }))).toEqual(ids([a, c]));
      expect(ids(await stores.grants.list({ consumer: 'shebao', resource: 'housing.property' }))).toEqual([b.id]);
      expect(await stores.grants.list({ consumer: 'nobody' })).toEqual([]);
      // Oldest first.
      expect((await stores.grants.list({ consumer: 'shebao' })).map((g) => g.id)).toEqual([a.id, b.id]);
    });

    it('reads the grants of several consumers at once, including consumers without any', async () => {
      const a = await stores.grants.create(newGrant({ consumer: 'shebao' }), NOW);
      const b = await stores.grants.create(newGrant({ consumer: 'minzheng' }), NOW);
      await stores.grants.revoke(b.id, 'no longer needed', LATER);
      const byConsumer = await stores.grants.forConsumers(['shebao', 'minzheng', 'zhujian', 'shebao']);
      expect([...byConsumer.keys()].sort()).toEqual(['minzheng', 'shebao', 'zhujian']);
      expect(byConsumer.get('shebao')).toEqual([a]);
      expect(byConsumer.get('minzheng')!.map((g) => [g.id, g.revokedAt])).toEqual([[b.id, LATER.toISOString()]]);
      expect(byConsumer.get('zhujian')).toEqual([]);
      expect((await stores.grants.forConsumers([])).size).toBe(0);
    });

    it('revokes once: a second revocation keeps the first; an unknown id gives null', async () => {
      const grant = await stores.grants.create(newGrant(), NOW);
      const revoked = await stores.grants.revoke(grant.id, '超出用途', LATER);
      expect(revoked).toEqual({ ...grant, revokedAt: LATER.toISOString(), revokeReason: '超出用途' });
      const again = await stores.grants.revoke(grant.id, 'second reason', new Date(LATER.getTime() + 60_000));
      expect(again).toEqual(revoked);
      expect(await stores.grants.get(grant.id)).toEqual(revoked);
      expect(await stores.grants.revoke('no-such-grant', 'x', LATER)).toBeNull();
      expect(await stores.grants.get('no-such-grant')).toBeNull();
    });

    it('counts a grant active only while unrevoked and before validUntil', async () => {
      const grant = await stores.grants.create(newGrant({ validUntil: '2026-06-01T00:00:00.000Z' }), NOW);
      expect(isGrantActive(grant, new Date('2026-05-31T23:59:59.999Z'))).toBe(true);
      expect(isGrantActive(grant, new Date('2026-06-01T00:00:00.000Z'))).toBe(false);
      const expired = await stores.grants.create(newGrant({ validUntil: '2026-01-01T00:00:00.000Z' }), NOW);
      expect(isGrantActive(expired, NOW)).toBe(false);
      const revoked = (await stores.grants.revoke(grant.id, 'x', NOW))!;
      expect(isGrantActive(revoked, NOW)).toBe(false);
      expect(isGrantActive({ ...grant, validUntil: 'not a date' }, NOW)).toBe(false);
    });

    it('announces creations and revocations to onChange listeners, until they unsubscribe', async () => {
      expect(stores.grants.notificationsLive()).toBe(true);
      const heard: string[] = [];
      const off = stores.grants.onChange((consumer) => heard.push(consumer));
      const created = nextChange(stores);
      const grant = await stores.grants.create(newGrant({ consumer: 'shebao' }), NOW);
      expect(await created).toBe('shebao');
      const revoked = nextChange(stores);
      await stores.grants.revoke(grant.id, 'x', LATER);
      expect(await revoked).toBe('shebao');
      off();
      const countAfterOff = heard.length;
      await stores.grants.create(newGrant({ consumer: 'minzheng' }), NOW);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(heard.length).toBe(countAfterOff);
      expect(new Set(heard)).toEqual(new Set(['shebao']));
    });

    it('announces changes to a second replica sharing the records', async () => {
      const replica = await open();
      expect(replica.grants.notificationsLive()).toBe(true);
      const created = nextChange(replica);
      const grant = await stores.grants.create(newGrant({ consumer: 'zhujian' }), NOW);
      expect(await created).toBe('zhujian');
      expect((await replica.grants.forConsumers(['zhujian'])).get('zhujian')).toEqual([grant]);
      const revoked = nextChange(replica);
      await stores.grants.revoke(grant.id, 'x', LATER);
      expect(await revoked).toBe('zhujian');
      expect((await replica.grants.get(grant.id))!.revokedAt).toBe(LATER.toISOString());
    });
  });

  describe('audit log', () => {
    it('chains records from the genesis hash, with seq and id counting from 1', async () => {
      const first = await stores.audit.append(sampleEntry(1));
      const second = await stores.audit.append(sampleEntry(2));
      expect(first).toMatchObject({ ...sampleEntry(1), id: '1', seq: 1, prevHash: GENESIS_HASH });
      expect(second).toMatchObject({ id: '2', seq: 2, prevHash: first.hash });
      const { hash, ...unsealed } = second;
      expect(hash).toBe(chainHash(first.hash, unsealed));
      expect(hash).toMatch(/^[0-9a-f]{64}$/);
    });

    it('pages an empty log and verifies it', async () => {
      expect(await stores.audit.page({ first: 10, visibleTo: 'all' })).toEqual({ records: [], nextCursor: null });
      expect(await stores.audit.verify()).toEqual({ ok: true, checked: 0, firstBrokenId: null });
    });

    describe('with 120 records', () => {
      let all: AuditRecord[];
      beforeEach(async () => {
        all = await Promise.all(Array.from({ length: 120 }, (_, i) => stores.audit.append(sampleEntry(i))));
      });

      async function pageThrough(query: Omit<AuditQuery, 'first' | 'after'>, first: number): Promise<{ ids: string[]; sizes: number[] }> {
        const ids: string[] = [];
        const sizes: number[] = [];
        let after: string | null = null;
        do {
          const page = await stores.audit.page({ ...query, first, after });
          ids.push(...page.records.map((r) => r.id));
          sizes.push(page.records.length);
          after = page.nextCursor;
        } while (after !== null && sizes.length < 100);
        return { ids, sizes };
      }

      it('appends in call order and pages newest first, 50 at a time, with no duplicates or gaps', async () => {
        expect(all.map((r) => r.seq)).toEqual(Array.from({ length: 120 }, (_, i) => i + 1));
        const { ids, sizes } = await pageThrough({ visibleTo: 'all' }, 50);
        expect(sizes).toEqual([50, 50, 20]);
        expect(ids).toEqual(Array.from({ length: 120 }, (_, i) => String(120 - i)));
        const firstPage = await stores.audit.page({ first: 2, visibleTo: 'all' });
        expect(firstPage.records).toEqual([all[119], all[118]]);
        expect(firstPage.nextCursor).not.toBeNull();
        const exact = await stores.audit.page({ first: 120, visibleTo: 'all' });
        expect(exact.records).toHaveLength(120);
        expect(exact.nextCursor).toBeNull();
      });

      it('filters by consumer and by resource, both together, across pages', async () => {
        const queries: Array<Omit<AuditQuery, 'first'>> = [
          { visibleTo: 'all', consumer: 'shebao' },
          { visibleTo: 'all', resource: 'population.basic' },
          { visibleTo: 'all', consumer: 'minzheng', resource: 'housing.property' },
          { visibleTo: 'all', consumer: 'nobody' },
        ];
        for (const query of queries) {
          const want = expected(all, query);
          expect((await pageThrough(query, 7)).ids).toEqual(want);
          expect((await stores.audit.page({ ...query, first: 500 })).records.map((r) => r.id)).toEqual(want);
        }
        expect(expected(all, queries[2]!).length).toBeGreaterThan(0);
      });

      it('shows a department the records it consumed or provided, and admin everything', async () => {
        const asGongan = expected(all, { visibleTo: 'gongan' });
        const consumed = all.filter((r) => r.consumer === 'gongan').length;
        const providedToOthers = all.filter((r) => r.consumer !== 'gongan' && r.providers.includes('gongan')).length;
        expect(consumed).toBeGreaterThan(0);
        expect(providedToOthers).toBeGreaterThan(0);
        expect(asGongan.length).toBe(consumed + providedToOthers);
        expect((await pageThrough({ visibleTo: 'gongan' }, 50)).ids).toEqual(asGongan);
        const queries: Array<Omit<AuditQuery, 'first'>> = [
          { visibleTo: 'gongan', consumer: 'gongan' },          // its own consumption
          { visibleTo: 'gongan', consumer: 'minzheng' },        // another's requests that touched its data
          { visibleTo: 'gongan', consumer: 'shebao' },          // another's requests that never did
          { visibleTo: 'gongan', resource: 'population.basic' },
          { visibleTo: 'gongan', resource: 'housing.property' }, // only where it is consumer or co-provider
          { visibleTo: 'stranger' },
          { visibleTo: 'all' },
        ];
        for (const query of queries) expect((await pageThrough(query, 9)).ids).toEqual(expected(all, query));
        expect(expected(all, { visibleTo: 'stranger' })).toEqual([]);
        expect(expected(all, { visibleTo: 'gongan', consumer: 'minzheng' }).length).toBeGreaterThan(0);
        expect(expected(all, { visibleTo: 'gongan', consumer: 'shebao' })).toEqual([]);
      });

      it('verifies an untouched chain', async () => {
        expect(await stores.audit.verify()).toEqual({ ok: true, checked: 120, firstBrokenId: null });
      });

      it('rejects a cursor it did not hand out', async () => {
        for (const after of ['abc', '-1', '0', '1.5', '99999999999999999999']) {
          await expect(stores.audit.page({ first: 5, after, visibleTo: 'all' })).rejects.toBeInstanceOf(InvalidAuditCursorError);
        }
        expect((await stores.audit.page({ first: 5, after: '3', visibleTo: 'all' })).records.map((r) => r.id)).toEqual(['2', '1']);
      });
    });

    it('chains on the head another replica moved when its own idea of the head is stale, and writes nothing twice', async () => {
      const replica = await open();
      // Alternating one at a time: each append finds the head moved by the other replica since its own last write.
      const records = [];
      for (let i = 0; i < 12; i++) records.push(await (i % 2 ? replica : stores).audit.append(sampleEntry(i)));
      expect(records.map((r) => r.seq)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
      for (let i = 1; i < records.length; i++) expect(records[i]!.prevHash).toBe(records[i - 1]!.hash);
      expect(await replica.audit.verify()).toEqual({ ok: true, checked: 12, firstBrokenId: null });
      const stored = await stores.audit.page({ first: 50, visibleTo: 'all' });
      expect(stored.records.map((r) => r.seq)).toEqual(Array.from({ length: 12 }, (_, i) => 12 - i));
      // Then one writer alone again: its own head is current, and the chain goes on from the other's record.
      const next = await stores.audit.append(sampleEntry(12));
      expect(next).toMatchObject({ seq: 13, prevHash: records[11]!.hash });
      expect(await stores.audit.verify()).toEqual({ ok: true, checked: 13, firstBrokenId: null });
    });

    it('gives 200 concurrent appends from two replicas seq 1..200 without gaps, and a valid chain', async () => {
      const replica = await open();
      const appends = Array.from({ length: 200 }, (_, i) => (i % 2 ? replica : stores).audit.append(sampleEntry(i)));
      const records = await Promise.all(appends);
      expect(records.map((r) => r.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
      expect(new Set(records.map((r) => r.requestId)).size).toBe(200);
      expect(await stores.audit.verify()).toEqual({ ok: true, checked: 200, firstBrokenId: null });
      expect(await replica.audit.verify()).toEqual({ ok: true, checked: 200, firstBrokenId: null });
      const stored = await stores.audit.page({ first: 500, visibleTo: 'all' });
      expect(stored.records.map((r) => r.seq)).toEqual(Array.from({ length: 200 }, (_, i) => 200 - i));
      // What each append returned is exactly what was stored.
      const bySeq = new Map(stored.records.map((r) => [r.seq, r]));
      for (const record of records) expect(bySeq.get(record.seq)).toEqual(record);
    });
  });

  describe('workflow records', () => {
    interface Doc { id: string; status: string; owner: string; tags: string[]; at: number }
    const docs = () => stores.records<Doc>('docs', (d) => ({ owner: d.owner, tag: d.tags }), (d) => d.at);
    const doc = (id: string, overrides: Partial<Doc> = {}): Doc => ({ id, status: 'OPEN', owner: 'shebao', tags: ['a'], at: 1, ...overrides });

    it('creates once, reads back, and lists oldest first by index', async () => {
      const store = docs();
      expect(await store.createIfAbsent(doc('x', { at: 3, tags: ['a', 'b'] }))).toBe(true);
      expect(await store.createIfAbsent(doc('x', { owner: 'other' }))).toBe(false);
      expect(await store.createIfAbsent(doc('y', { at: 2, owner: 'minzheng', tags: ['b'] }))).toBe(true);
      expect(await store.createIfAbsent(doc('z', { at: 2 }))).toBe(true);
      expect(await store.get('x')).toEqual(doc('x', { at: 3, tags: ['a', 'b'] }));
      expect(await store.get('nothing')).toBeNull();
      expect((await store.list()).map((d) => d.id)).toEqual(['y', 'z', 'x']);
      expect((await store.list({ name: 'owner', value: 'shebao' })).map((d) => d.id)).toEqual(['z', 'x']);
      expect((await store.list({ name: 'tag', value: 'b' })).map((d) => d.id)).toEqual(['y', 'x']);
      expect(await store.list({ name: 'owner', value: 'nobody' })).toEqual([]);
      // Another kind never sees these.
      expect(await stores.records<Doc>('other-docs', () => ({}), () => 0).list()).toEqual([]);
    });

    it('replaces only from the expected status, and re-files the record under its new index values', async () => {
      const store = docs();
      await store.createIfAbsent(doc('x', { tags: ['a'] }));
      expect(await store.replaceIf('CLOSED', doc('x', { status: 'DONE' }))).toBe(false);
      expect(await store.replaceIf('OPEN', doc('x', { status: 'DONE', tags: ['c'] }))).toBe(true);
      expect(await store.get('x')).toMatchObject({ status: 'DONE', tags: ['c'] });
      expect(await store.list({ name: 'tag', value: 'a' })).toEqual([]);
      expect((await store.list({ name: 'tag', value: 'c' })).map((d) => d.id)).toEqual(['x']);
      expect(await store.replaceIf('OPEN', doc('missing', { status: 'DONE' }))).toBe(false);
    });

    it('lets exactly one of many concurrent decisions win, across replicas', async () => {
      const replica = await open();
      await docs().createIfAbsent(doc('x'));
      const other = replica.records<Doc>('docs', (d) => ({ owner: d.owner, tag: d.tags }), (d) => d.at);
      const outcomes = await Promise.all(Array.from({ length: 10 }, (_, i) =>
        (i % 2 ? other : docs()).replaceIf('OPEN', doc('x', { status: `DECIDED-${i}` }))));
      expect(outcomes.filter(Boolean)).toHaveLength(1);
      expect((await docs().get('x'))!.status).toBe(`DECIDED-${outcomes.indexOf(true)}`);
    });
  });

  describe('transactions', () => {
    interface Doc { id: string; status: string }
    const docs = () => stores.records<Doc>('tx-docs', () => ({}), () => 0);

    it('commits a record change and a grant together, then announces the grant', async () => {
      await docs().createIfAbsent({ id: 'a', status: 'PENDING' });
      const heard: string[] = [];
      const off = stores.grants.onChange((consumer) => heard.push(consumer));
      const grant = await stores.transaction(async (tx) => {
        expect(await tx.records(docs()).replaceIf('PENDING', { id: 'a', status: 'APPROVED' })).toBe(true);
        const created = await tx.grants.create(newGrant({ consumer: 'minzheng', id: 'g-1', applicationId: 'a' }), NOW);
        expect(await tx.grants.get('g-1')).toEqual(created);
        // Not announced before the commit: a replica must not reload and miss it.
        expect(heard).toEqual([]);
        return created;
      });
      off();
      expect(heard).toContain('minzheng');
      expect((await docs().get('a'))!.status).toBe('APPROVED');
      expect(await stores.grants.get('g-1')).toEqual(grant);
    });

    it('keeps neither when the work fails, and passes the work\'s own error through', async () => {
      await docs().createIfAbsent({ id: 'a', status: 'PENDING' });
      const refusal = new Error('already decided');
      await expect(stores.transaction(async (tx) => {
        await tx.records(docs()).replaceIf('PENDING', { id: 'a', status: 'APPROVED' });
        await tx.grants.create(newGrant({ id: 'g-2' }), NOW);
        throw refusal;
      })).rejects.toBe(refusal);
      expect((await docs().get('a'))!.status).toBe('PENDING');
      expect(await stores.grants.get('g-2')).toBeNull();
    });

    it('rolls back when a statement fails, as an unavailable store', async () => {
      await expect(stores.transaction(async (tx) => {
        await tx.grants.create(newGrant({ id: 'g-3' }), NOW);
        await tx.grants.create(newGrant({ id: 'g-3' }), NOW); // duplicate key
      })).rejects.toBeInstanceOf(StoreUnavailableError);
      expect(await stores.grants.get('g-3')).toBeNull();
    });
  });

  describe('audit counts and tampering', () => {
    it('counts what each department consumed and served, from maintained counters', async () => {
      const records = await Promise.all(Array.from({ length: 40 }, (_, i) => stores.audit.append(sampleEntry(i))));
      const counts = await stores.audit.counts(['gongan', 'shebao', 'stranger']);
      for (const d of ['gongan', 'shebao']) {
        expect(counts.get(d)).toEqual({
          consumed: records.filter((r) => r.consumer === d).length,
          served: records.filter((r) => r.providers.includes(d)).length,
        });
      }
      expect(counts.get('stranger')).toEqual({ consumed: 0, served: 0 });
      const counters = await database.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM govshare.audit_counts WHERE name LIKE 'by-consumer:%'`);
      expect(Number(counters[0]!.n)).toBe(4);
    });

    it('breaks the chain at a record edited in the database, and after a deleted one', async () => {
      for (let i = 1; i <= 10; i++) await stores.audit.append(sampleEntry(i));
      expect(await stores.audit.verify()).toEqual({ ok: true, checked: 10, firstBrokenId: null });
      await database.db.query(`UPDATE govshare.audit_records SET record = jsonb_set(record, '{purpose}', '"篡改"') WHERE seq = 5`);
      expect(await stores.audit.verify()).toEqual({ ok: false, checked: 5, firstBrokenId: '5' });
      await database.db.query(`DELETE FROM govshare.audit_records WHERE seq = 5`);
      expect(await stores.audit.verify()).toMatchObject({ ok: false, firstBrokenId: '6' });
      await database.db.query(`DELETE FROM govshare.audit_records WHERE seq >= 5`);
      // Records missing from the end are caught by the head, which still says 10.
      expect(await stores.audit.verify()).toMatchObject({ ok: false, firstBrokenId: '5' });
    });
  });
});

describe('sealing', () => {
  it('hashes a sealed record exactly as the generic canonical form does', async () => {
    const { sealRecord, chainHash, GENESIS_HASH } = await import('../gateway/state/audit-chain.ts');
    const entry = { ...sampleEntry(7), purpose: '低保审核 "quoted" \\ back', durationMs: 12.345, detail: null, fields: ['Person.mobile', 'Query.person'] };
    const record = sealRecord(entry, 1, GENESIS_HASH);
    const { hash, ...unsealed } = record;
    expect(hash).toBe(chainHash(GENESIS_HASH, unsealed));
  });

  it('commits to a record\'s subjects exactly as the generic canonical form would', async () => {
    const { subjectsCommitment, canonicalJson } = await import('../gateway/state/audit-chain.ts');
    const { createHash } = await import('node:crypto');
    const subjects = [{ digest: 'b'.repeat(64), fields: ['Query.person', 'Person.name'] }, { digest: 'a'.repeat(64), fields: ['Person."x\\y', 'Person.mobile'] }];
    for (const embargo of [null, '2026-07-31T15:59:59.999Z']) {
      const rows = [...subjects].sort((x, y) => (x.digest < y.digest ? -1 : 1)).map((s) => [s.digest, [...s.fields].sort()]);
      const generic = createHash('sha256').update(canonicalJson({ subjects: rows, embargoUntil: embargo })).digest('hex');
      expect(subjectsCommitment(subjects, embargo)).toBe(generic);
    }
    // Another order of the same rows and fields commits alike; another field does not.
    expect(subjectsCommitment([...subjects].reverse().map((s) => ({ ...s, fields: [...s.fields].reverse() })), null)).toBe(subjectsCommitment(subjects, null));
    expect(subjectsCommitment([{ ...subjects[0]!, fields: ['Person.mobile'] }, subjects[1]!], null)).not.toBe(subjectsCommitment(subjects, null));
  });
});
