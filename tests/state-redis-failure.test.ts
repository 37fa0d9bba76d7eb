import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createStateStores, GrantCache, StoreUnavailableError, type GrantStore, type StateStores,
} from '../gateway/state/index.ts';
import { openTestDatabase, type TestDatabase } from './support/databases.ts';
import { startPrivateRedis, type PrivateRedis } from './support/private-redis.ts';
import { eventually, freePort, sampleEntry, testPrefix } from './state-helpers.ts';

const GRANT = {
  consumer: 'shebao', resource: 'population.basic', fields: ['Person.mobile'], raw: false,
  purpose: '养老金资格认证', validUntil: '2099-01-01T00:00:00.000Z',
};

/**
 * Redis only coordinates (CONTRACT §9: no record lives only there). Losing it stops the replicas'
 * announcements, so the grant cache stops trusting itself; the records keep working.
 */
// Needs redis-server, which CI (the one that sets REDIS_URL) installs; a fresh machine skips it.
describe.runIf(Boolean(process.env.REDIS_URL))('Redis down: coordination stops, the records do not', () => {
  let database: TestDatabase;
  let redis: PrivateRedis;
  const opened: StateStores[] = [];

  beforeAll(async () => {
    database = await openTestDatabase('pglite');
    redis = await startPrivateRedis();
  });

  afterAll(async () => {
    await Promise.all(opened.map((s) => s.close()));
    await redis?.stop();
    await database?.dispose();
  });

  it('keeps appending and granting while Redis is away, bypasses the cache, and coordinates again when it is back', { timeout: 30_000 }, async () => {
    const logs: string[] = [];
    const prefix = testPrefix();
    const open = async () => {
      const stores = await createStateStores({ records: { database: database.db }, redisUrl: redis.url, prefix, log: (m) => logs.push(m) });
      opened.push(stores);
      return stores;
    };
    const stores = await open();
    let reads = 0;
    const real = stores.grants;
    const counted: GrantStore = {
      create: (g, now) => real.create(g, now), get: (id) => real.get(id), list: (f) => real.list(f),
      revoke: (id, reason, now) => real.revoke(id, reason, now), onChange: (l) => real.onChange(l),
      notificationsLive: () => real.notificationsLive(),
      forConsumers: (consumers) => { reads += 1; return real.forConsumers(consumers); },
    };
    const cache = new GrantCache(counted, { maxAgeMs: 60_000 });
    const grant = await stores.grants.create(GRANT, new Date());
    await cache.grantsOf('shebao');
    await cache.grantsOf('shebao');
    expect(reads).toBe(1);

    await redis.stop();
    await eventually(async () => expect(stores.grants.notificationsLive()).toBe(false), 2000);
    // The records answer regardless, and so does readiness, which asks only them.
    await stores.ping();
    expect((await stores.audit.append(sampleEntry(1))).seq).toBe(1);
    const revoked = await stores.grants.revoke(grant.id, '撤销', new Date());
    expect(revoked!.revokedAt).not.toBeNull();
    // A revocation may be going unheard by other replicas: nothing cached is trusted, every read goes to the records.
    expect((await cache.grantsOf('shebao'))[0]!.revokedAt).not.toBeNull();
    await cache.grantsOf('shebao');
    expect(reads).toBe(3);

    await redis.start();
    await eventually(async () => expect(stores.grants.notificationsLive()).toBe(true), 5000);
    await stores.ping();
    const replica = await open();
    const heard = new Promise<string>((resolve) => replica.grants.onChange(resolve));
    await stores.grants.create({ ...GRANT, consumer: 'minzheng' }, new Date());
    expect(await heard).toBe('minzheng');
    expect(await stores.audit.verify()).toEqual({ ok: true, checked: 1, firstBrokenId: null });
    // One line per connection per outage and per recovery: an outage does not flood the log.
    expect(logs.filter((line) => line.includes('unavailable')).length).toBeLessThanOrEqual(2);
  });

  it('refuses to start when a configured Redis is not there, promptly', async () => {
    const nothing = await freePort();
    const started = Date.now();
    await expect(createStateStores({ records: { database: database.db }, redisUrl: `redis://127.0.0.1:${nothing}`, log: () => {} }))
      .rejects.toBeInstanceOf(StoreUnavailableError);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
