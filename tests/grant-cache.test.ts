import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GrantCache, PolicyUnavailableError } from '../gateway/state/grant-cache.ts';
import { processCoordination } from '../gateway/state/events.ts';
import { migrate } from '../gateway/records/migrate.ts';
import { SqlGrantStore } from '../gateway/records/sql-grants.ts';
import type { Grant, GrantStore, NewGrant } from '../gateway/state/types.ts';
import type { Sql } from '../subgraphs/kit/index.ts';
import { openTestDatabase, type TestDatabase } from './support/databases.ts';

const NOW = new Date('2026-03-02T08:00:00.000Z');
const grant = (consumer: string): NewGrant => ({
  consumer, resource: 'population.basic', fields: ['Person.mobile'], raw: false, purpose: '核验', validUntil: '2099-01-01T00:00:00.000Z',
});

/** The real grant store (on PGlite) counting its batch reads, told to fail or to stop notifying. */
class CountingStore extends SqlGrantStore {
  batches: string[][] = [];
  failing = false;
  live = true;
  subscriptions = 0;
  /** When set, a read holds its answer until this settles: lets a change land between read and answer. */
  hold: Promise<void> | null = null;

  constructor(sql: Sql) {
    super(sql, processCoordination(), () => {});
  }

  override async forConsumers(consumers: readonly string[]): Promise<Map<string, Grant[]>> {
    this.batches.push([...consumers]);
    if (this.failing) throw new Error('store down');
    const read = await super.forConsumers(consumers);
    if (this.hold) await this.hold;
    return read;
  }

  override onChange(listener: (consumer: string) => void): () => void {
    this.subscriptions += 1;
    const off = super.onChange(listener);
    return () => { this.subscriptions -= 1; off(); };
  }

  override notificationsLive(): boolean {
    return this.live;
  }
}

let database: TestDatabase;
beforeAll(async () => {
  database = await openTestDatabase('pglite');
  await migrate(database.db);
});
afterAll(async () => { await database?.dispose(); });

describe('GrantCache', () => {
  let store: CountingStore;
  let clock: number;
  let cache: GrantCache;

  beforeEach(async () => {
    await database.db.query('DELETE FROM govshare.grants');
    store = new CountingStore(database.db);
    clock = 1_000_000;
    cache = new GrantCache(store as GrantStore, { maxAgeMs: 1000, now: () => clock });
  });

  it('serves from the cache within maxAge without reading the store again', async () => {
    const created = await store.create(grant('shebao'), NOW);
    expect(await cache.grantsOf('shebao')).toEqual([created]);
    clock += 999;
    expect(await cache.grantsOf('shebao')).toEqual([created]);
    expect(store.batches).toEqual([['shebao']]);
  });

  it('reloads once maxAge has passed', async () => {
    await cache.grantsOf('shebao');
    clock += 1000;
    const created = await store.create(grant('shebao'), NOW);
    expect(await cache.grantsOf('shebao')).toEqual([created]);
    expect(store.batches).toHaveLength(2);
  });

  it('drops a consumer\'s entry the moment its grants change', async () => {
    const created = await store.create(grant('shebao'), NOW);
    await cache.grantsOf('shebao');
    await cache.grantsOf('minzheng');
    await store.revoke(created.id, '超范围使用', NOW);
    const [after] = await cache.grantsOf('shebao');
    expect(after!.revokedAt).toBe(NOW.toISOString());
    await cache.grantsOf('minzheng'); // untouched consumer: still cached
    expect(store.batches).toEqual([['shebao'], ['minzheng'], ['shebao']]);
  });

  it('batches concurrent lookups for several consumers into one read', async () => {
    await store.create(grant('minzheng'), NOW);
    const results = await Promise.all(['shebao', 'minzheng', 'zhujian', 'shebao'].map((c) => cache.grantsOf(c)));
    expect(results.map((r) => r.length)).toEqual([0, 1, 0, 0]);
    expect(store.batches).toHaveLength(1);
    expect(new Set(store.batches[0])).toEqual(new Set(['shebao', 'minzheng', 'zhujian']));
  });

  it('never falls back to an expired entry when the store cannot be read', async () => {
    await cache.grantsOf('shebao');
    store.failing = true;
    expect(await cache.grantsOf('shebao')).toEqual([]); // still young: no read needed
    clock += 1000;
    await expect(cache.grantsOf('shebao')).rejects.toBeInstanceOf(PolicyUnavailableError);
    store.failing = false;
    expect(await cache.grantsOf('shebao')).toEqual([]);
  });

  it('bypasses the cache while notifications are down, and trusts nothing from before', async () => {
    await cache.grantsOf('shebao');
    store.live = false;
    await cache.grantsOf('shebao');
    await cache.grantsOf('shebao');
    expect(store.batches).toHaveLength(3);
    store.failing = true;
    await expect(cache.grantsOf('shebao')).rejects.toBeInstanceOf(PolicyUnavailableError);
    store.failing = false;
    store.live = true;
    await cache.grantsOf('shebao'); // loaded afresh, then cached again
    await cache.grantsOf('shebao');
    expect(store.batches).toHaveLength(5);
  });

  it('does not cache what a load read before a change that arrived while it was in flight', async () => {
    const created = await store.create(grant('shebao'), NOW);
    let release!: () => void;
    store.hold = new Promise((resolve) => { release = resolve; });
    const pending = cache.grantsOf('shebao');
    await new Promise((resolve) => setTimeout(resolve, 10)); // the read has happened and is being held
    expect(store.batches).toHaveLength(1);
    await store.revoke(created.id, 'x', NOW);
    release();
    store.hold = null;
    expect((await pending)[0]!.revokedAt).toBeNull(); // what it read, before the revocation
    const [now] = await cache.grantsOf('shebao');
    expect(now!.revokedAt).not.toBeNull();
    expect(store.batches).toHaveLength(2);
  });

  it('unsubscribes from the store once closed', async () => {
    expect(store.subscriptions).toBe(1);
    cache.close();
    expect(store.subscriptions).toBe(0);
  });

  it('hands out grants callers cannot modify', async () => {
    await store.create(grant('shebao'), NOW);
    const [cached] = await cache.grantsOf('shebao');
    expect(() => { (cached as Grant).revokedAt = 'x'; }).toThrow();
    expect(() => { cached!.fields.push('Person.name'); }).toThrow();
  });
});
