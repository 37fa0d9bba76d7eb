import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RateLimiter } from '../gateway/http/rate-limit.ts';
import { startStack, type Stack } from './support/stack.ts';
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
