import type { ChildProcess } from 'node:child_process';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createStateStores, GrantCache, PolicyUnavailableError, StoreUnavailableError, type StateStores,
} from '../gateway/state/index.ts';
import {
  dropPrefix, eventually, freePort, killRedisServer, REDIS_URL, sampleEntry, startRedisServer, testPrefix, withRedis,
} from './state-helpers.ts';

const GRANT = {
  consumer: 'shebao', resource: 'population.basic', fields: ['Person.mobile'], raw: false,
  purpose: '养老金资格认证', validUntil: '2099-01-01T00:00:00.000Z',
};

/** Resolves with how long `promise` took to settle, asserting it rejected with `type`. */
async function rejectsWithin<T>(promise: Promise<T>, type: new (...args: any[]) => Error): Promise<number> {
  const started = Date.now();
  await expect(promise).rejects.toBeInstanceOf(type);
  return Date.now() - started;
}

describe.skipIf(REDIS_URL === undefined)('Redis state: tampering and outages', () => {
  describe('a tampered audit log', () => {
    let prefix: string;
    let stores: StateStores;
    const stream = () => `${prefix}audit:log`;

    beforeEach(async () => {
      prefix = testPrefix();
      stores = await createStateStores({ redisUrl: REDIS_URL, prefix });
      for (let i = 1; i <= 10; i++) await stores.audit.append(sampleEntry(i));
      expect(await stores.audit.verify()).toEqual({ ok: true, checked: 10, firstBrokenId: null });
    });

    afterEach(async () => {
      await stores.close();
      await dropPrefix(REDIS_URL!, prefix);
    });

    it('is broken at a record whose stored JSON was rewritten', async () => {
      await withRedis(REDIS_URL!, async (redis) => {
        // Streams cannot edit an entry in place: rebuild it with the same ids, one record doctored.
        const entries = await redis.xrange(stream(), '-', '+');
        await redis.del(stream());
        for (const [id, [field, json]] of entries) {
          const record = JSON.parse(json!);
          if (record.id === '5') record.durationMs = 0.001;
          await redis.xadd(stream(), id, field!, JSON.stringify(record));
        }
      });
      expect(await stores.audit.verify()).toEqual({ ok: false, checked: 5, firstBrokenId: '5' });
    });

    it('is broken after a deleted record, at the record that follows the gap', async () => {
      await withRedis(REDIS_URL!, (redis) => redis.xdel(stream(), '5-0'));
      expect(await stores.audit.verify()).toMatchObject({ ok: false, firstBrokenId: '6' });
      // Pages simply lack the deleted record.
      expect((await stores.audit.page({ first: 100, visibleTo: 'all' })).records.map((r) => r.id)).toEqual(['10', '9', '8', '7', '6', '4', '3', '2', '1']);
    });

    it('is broken when the newest record was deleted, at the missing id', async () => {
      await withRedis(REDIS_URL!, (redis) => redis.xdel(stream(), '10-0'));
      expect(await stores.audit.verify()).toEqual({ ok: false, checked: 9, firstBrokenId: '10' });
    });

    it('is broken at an entry that is not a record at all', async () => {
      await withRedis(REDIS_URL!, async (redis) => {
        const entries = await redis.xrange(stream(), '-', '+');
        await redis.del(stream());
        for (const [id, [field, json]] of entries) await redis.xadd(stream(), id, field!, id === '3-0' ? '{not json' : json!);
      });
      expect(await stores.audit.verify()).toEqual({ ok: false, checked: 3, firstBrokenId: '3' });
    });
  });

  describe('when Redis goes away', () => {
    let port: number;
    let server: ChildProcess;
    let url: string;
    const logs: string[] = [];
    const opened: StateStores[] = [];

    beforeAll(async () => {
      port = await freePort();
      url = `redis://127.0.0.1:${port}`;
      server = await startRedisServer(port);
    });

    afterAll(async () => {
      await Promise.all(opened.map((s) => s.close()));
      await killRedisServer(server);
    });

    it('fails fast and closed while it is down, and recovers when it is back', { timeout: 30_000 }, async () => {
      const prefix = testPrefix();
      const stores = await createStateStores({ redisUrl: url, prefix, log: (message) => logs.push(message) });
      opened.push(stores);
      let clock = 0;
      const cache = new GrantCache(stores.grants, { maxAgeMs: 1000, now: () => clock });
      const grant = await stores.grants.create(GRANT, new Date());
      expect((await stores.audit.append(sampleEntry(1))).seq).toBe(1);
      expect(await cache.grantsOf('shebao')).toEqual([grant]);

      await killRedisServer(server);

      expect(await rejectsWithin(stores.audit.append(sampleEntry(2)), StoreUnavailableError)).toBeLessThan(2000);
      expect(await rejectsWithin(stores.grants.forConsumers(['shebao']), StoreUnavailableError)).toBeLessThan(2000);
      expect(await rejectsWithin(stores.ping(), StoreUnavailableError)).toBeLessThan(2000);
      for (const operation of [
        stores.grants.get(grant.id), stores.grants.list(), stores.grants.create(GRANT, new Date()),
        stores.grants.revoke(grant.id, 'x', new Date()), stores.audit.page({ first: 10, visibleTo: 'all' }), stores.audit.verify(),
      ]) {
        expect(await rejectsWithin(operation as Promise<unknown>, StoreUnavailableError)).toBeLessThan(2000);
      }
      await eventually(async () => expect(stores.grants.notificationsLive()).toBe(false), 2000);
      // The cached entry is past its age: it must not stand in for the store.
      clock += 1001;
      expect(await rejectsWithin(cache.grantsOf('shebao'), PolicyUnavailableError)).toBeLessThan(2000);
      // Nor may a young one while notifications are down: a revocation could be going unheard.
      expect(await rejectsWithin(cache.grantsOf('shebao'), PolicyUnavailableError)).toBeLessThan(2000);

      server = await startRedisServer(port);

      // The new server is empty (no persistence): a new chain starts, and the old head is not trusted.
      const record = await eventually(() => stores.audit.append(sampleEntry(3)), 5000);
      expect(record.seq).toBe(1);
      expect(await stores.audit.verify()).toEqual({ ok: true, checked: 1, firstBrokenId: null });
      await stores.ping();
      await eventually(async () => expect(stores.grants.notificationsLive()).toBe(true), 5000);
      const regranted = await stores.grants.create(GRANT, new Date());
      expect(await cache.grantsOf('shebao')).toEqual([regranted]);
      // Notifications flow again: a second replica hears this one's revocation.
      const replica = await createStateStores({ redisUrl: url, prefix, log: () => {} });
      opened.push(replica);
      const heard = new Promise<string>((resolve) => replica.grants.onChange(resolve));
      await stores.grants.revoke(regranted.id, 'x', new Date());
      expect(await heard).toBe('shebao');
      expect((await cache.grantsOf('shebao'))[0]!.revokedAt).not.toBeNull();

      // One line per connection per outage, and one per recovery: an outage does not flood the log.
      expect(logs.filter((line) => line.includes('unavailable')).length).toBeLessThanOrEqual(2);
      expect(logs.filter((line) => line.includes('reachable again')).length).toBeLessThanOrEqual(2);
    });

    it('times out promptly when Redis stops answering, and carries on when it resumes', { timeout: 30_000 }, async () => {
      const stores = await createStateStores({ redisUrl: url, prefix: testPrefix(), log: () => {} });
      opened.push(stores);
      await stores.audit.append(sampleEntry(1));
      server.kill('SIGSTOP');
      try {
        expect(await rejectsWithin(stores.audit.append(sampleEntry(2)), StoreUnavailableError)).toBeLessThan(2000);
        expect(await rejectsWithin(stores.grants.forConsumers(['shebao']), StoreUnavailableError)).toBeLessThan(2000);
        expect(await rejectsWithin(stores.ping(), StoreUnavailableError)).toBeLessThan(2000);
      } finally {
        server.kill('SIGCONT');
      }
      // The timed-out append still reaches Redis once it resumes: reported as failed, yet stored. The next
      // append finds the head moved and chains after it, so the log stays whole.
      const next = await eventually(() => stores.audit.append(sampleEntry(3)), 5000);
      expect(next.seq).toBe(3);
      expect(await stores.audit.verify()).toEqual({ ok: true, checked: 3, firstBrokenId: null });
    });

    it('settles every append of a burst promptly when Redis dies under it', { timeout: 30_000 }, async () => {
      const stores = await createStateStores({ redisUrl: url, prefix: testPrefix(), log: () => {} });
      opened.push(stores);
      const started = Date.now();
      const burst = Array.from({ length: 2000 }, (_, i) => stores.audit.append(sampleEntry(i)));
      await new Promise((resolve) => setTimeout(resolve, 5));
      await killRedisServer(server);
      const outcomes = await Promise.allSettled(burst);
      expect(Date.now() - started).toBeLessThan(2500);
      const failed = outcomes.filter((o) => o.status === 'rejected');
      expect(failed.length).toBeGreaterThan(0);
      for (const outcome of failed) expect((outcome as PromiseRejectedResult).reason).toBeInstanceOf(StoreUnavailableError);
      server = await startRedisServer(port);
    });

    it('refuses to start when Redis is not there', async () => {
      const nothing = await freePort();
      const started = Date.now();
      await expect(createStateStores({ redisUrl: `redis://127.0.0.1:${nothing}`, log: () => {} })).rejects.toBeInstanceOf(StoreUnavailableError);
      expect(Date.now() - started).toBeLessThan(2000);
    });
  });
});

