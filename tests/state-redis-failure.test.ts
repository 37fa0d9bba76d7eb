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
    // One line per connection per outage and per recovery: an outage does not flood the log. Counted by
    // connection: the revocation's lost announcement is a line of its own (its error says "state store
    // unavailable" too), and whether the publishing connection tried a reconnect while Redis was away, and
    // so noticed the outage at all, depends on timing; the listening one notices the close at once.
    const outages = roleCounts(logs, /^state store \(([^)]+)\): Redis unavailable/);
    expect(outages.get('coordination-events')).toBe(1);
    expect([...outages.values()].every((n) => n === 1)).toBe(true);
    await eventually(async () => expect(roleCounts(logs, /^state store \(([^)]+)\): Redis reachable again/)).toEqual(outages), 2000);
    expect(logs.filter((line) => line.startsWith('grant change of shebao not announced'))).toHaveLength(1);
    expect(logs).toHaveLength(2 * outages.size + 1);
  });

  it('refuses to start when a configured Redis is not there, promptly', async () => {
    const nothing = await freePort();
    const started = Date.now();
    await expect(createStateStores({ records: { database: database.db }, redisUrl: `redis://127.0.0.1:${nothing}`, log: () => {} }))
      .rejects.toBeInstanceOf(StoreUnavailableError);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

/** How many log lines matching `pattern` each connection (the pattern's first group, its role) wrote. */
function roleCounts(logs: readonly string[], pattern: RegExp): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of logs) {
    const role = pattern.exec(line)?.[1];
    if (role) counts.set(role, (counts.get(role) ?? 0) + 1);
  }
  return counts;
}
