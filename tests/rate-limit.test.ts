import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RateLimiter } from '../gateway/http/rate-limit.ts';
import { SharedRateLimiter } from '../gateway/http/shared-rate-limit.ts';
import { faultSubgraphSdl } from './faults/subgraph-process.ts';
import { startPlainSubgraph } from './support/plain-subgraph.ts';
import { freePort } from './support/ports.ts';
import { startPrivateRedis, type PrivateRedis } from './support/private-redis.ts';
import { burstWithoutFailOpen } from './support/fail-open.ts';
import { spawnScript, waitFor } from './support/processes.ts';
import { postGraphQL, startStack, type Stack } from './support/stack.ts';
import { as } from './support/tokens.ts';

describe('rate limits', () => {
  it('refills a department\'s bucket over time', () => {
    let now = 0;
    const limiter = new RateLimiter(2, 3, () => now);
    expect([limiter.take('tax'), limiter.take('tax'), limiter.take('tax')]).toEqual([0, 0, 0]);
    expect(limiter.take('tax')).toBe(1);
    expect(limiter.take('housing')).toBe(0);
    now = 500; // half a second: one token back at 2/s
    expect(limiter.take('tax')).toBe(0);
    expect(limiter.take('tax')).toBeGreaterThan(0);
    expect(new RateLimiter(0, 0, () => now).take('tax')).toBe(0);
  });

  describe('through the gateway', () => {
    let stack: Stack;
    beforeAll(async () => { stack = await startStack({ gatewayConfig: { rateLimit: { perSecond: 1, burst: 5 } } }); });
    afterAll(async () => { await stack?.close(); });

    it('answers 429 RATE_LIMITED with Retry-After past the burst, for that department only', async () => {
      const tax = await as('tax');
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await stack.query('{ me { code } }', {}, tax)).status);
      expect(statuses).toEqual([200, 200, 200, 200, 200]);
      const limited = await stack.query('{ me { code } }', {}, tax);
      expect(limited.status).toBe(429);
      expect(limited.body.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect((await stack.query('{ me { code } }', {}, await as('housing'))).status).toBe(200);
    });
  });
});

describe('rate limits shared by gateway replicas (Redis token bucket)', () => {
  let redis: PrivateRedis;
  beforeAll(async () => { redis = await startPrivateRedis(); });
  afterAll(async () => { await redis?.stop(); });

  it('two replicas draw on one bucket per department: the burst once in total, not once each (local buckets allowed it twice)', async () => {
    const prefix = `rl-${Date.now()}:`;
    const replicas = [0, 1].map(() => new SharedRateLimiter({ redisUrl: redis.url, prefix, ratePerSecond: 1, burst: 6 }));
    try {
      await Promise.all(replicas.map((r) => r.ready()));
      const waits: number[] = [];
      for (let i = 0; i < 6; i++) waits.push(await replicas[i % 2]!.take('tax'));
      expect(waits).toEqual([0, 0, 0, 0, 0, 0]);
      expect(await replicas[0]!.take('tax')).toBeGreaterThanOrEqual(1);
      expect(await replicas[1]!.take('tax')).toBeGreaterThanOrEqual(1);
      expect(await replicas[1]!.take('housing')).toBe(0);
      // The control: without Redis each replica keeps its own bucket, and the two allow 12.
      const local = [new RateLimiter(1, 6, () => 0), new RateLimiter(1, 6, () => 0)];
      expect(Array.from({ length: 12 }, (_, i) => local[i % 2]!.take('tax')).every((w) => w === 0)).toBe(true);
      // One key per department, with a hash tag (Redis Cluster keeps it whole).
      expect(replicas[0]!.key('tax')).toBe(`${prefix}ratelimit:{tax}`);
    } finally {
      await Promise.all(replicas.map((r) => r.close()));
    }
  });

  it('fails open to each replica\'s own bucket while Redis does not answer, with a warning, and shares again once it is back', async () => {
    const log: string[] = [];
    const limiter = new SharedRateLimiter({ redisUrl: redis.url, prefix: `rl-down-${Date.now()}:`, ratePerSecond: 1, burst: 3, log: (m) => log.push(m) });
    try {
      await limiter.ready();
      await redis.stop();
      const start = performance.now();
      const waits = [await limiter.take('tax'), await limiter.take('tax'), await limiter.take('tax'), await limiter.take('tax')];
      // Still limited (by this replica alone): 3 pass, the 4th waits; no request waits on the dead Redis for long.
      expect(waits.slice(0, 3)).toEqual([0, 0, 0]);
      expect(waits[3]).toBeGreaterThanOrEqual(1);
      expect(performance.now() - start).toBeLessThan(1_000);
      expect(log.join('\n')).toMatch(/WARNING: rate limits: Redis does not answer/);
      await redis.start();
      await expect.poll(async () => { await limiter.take('other'); return log.some((m) => m.includes('Redis answers again')); }, { timeout: 10_000, interval: 300 }).toBe(true);
    } finally {
      await limiter.close();
    }
  });

  it('through two gateway processes on one Redis: the combined allowed rate is one bucket, then 429 RATE_LIMITED with Retry-After', async () => {
    const subgraph = await startPlainSubgraph(faultSubgraphSdl('weather', 'housing'), { Query: { weather: () => ({ text: 'sunny' }) } });
    const ports = [await freePort(), await freePort()];
    const prefix = `govshare-rl-${Date.now()}:`;
    const gateways = ports.map((port) => spawnScript('gateway/main.ts', [], {
      GATEWAY_PORT: String(port), GOVSHARE_SUBGRAPHS: `weather=${subgraph.url}`, REDIS_URL: redis.url,
      GOVSHARE_REDIS_PREFIX: prefix, // One token per 20 s: however slow a loaded machine answers these eight requests, none refills mid-test.
      GOVSHARE_RATE_LIMIT: '0.05', GOVSHARE_RATE_BURST: '6',
    }));
    try {
      for (const port of ports) await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200, 60_000, `gateway on ${port}`);
      const ask = async (i: number, department: string) => postGraphQL(`http://127.0.0.1:${ports[i % 2]}/graphql`, { query: '{ weather { text } }' }, await as(department));
      // Warm both processes' Redis connections (and the script load) with another department's calls.
      for (const i of [0, 1]) expect((await ask(i, 'development-reform')).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 1_200)); // past any SHARED_LIMIT_RETRY_MS the warm-up began
      // A burst during which a process failed open (its Redis check timed out) is measured again.
      const burst = async (department: string) => {
        const statuses: number[] = [];
        for (let i = 0; i < 6; i++) statuses.push((await ask(i, department)).status);
        return { statuses, limited: [await ask(0, department), await ask(1, department)] };
      };
      const found = await burstWithoutFailOpen(gateways.map((g) => () => g.output()), ['tax', 'housing', 'human-resources'], burst, 'rate-limit');
      const measured = found?.result;
      expect(measured, 'every burst met a gateway process failing open').toBeDefined();
      expect(measured!.statuses).toEqual([200, 200, 200, 200, 200, 200]);
      for (const limited of measured!.limited) {
        expect(limited.status).toBe(429);
        expect(limited.body.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
        expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      }
      expect((await ask(1, 'civil-affairs')).status).toBe(200);
    } finally {
      await Promise.all(gateways.map((g) => g.kill()));
      await subgraph.close();
    }
  });
});
