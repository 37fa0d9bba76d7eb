import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { AuditEntry } from '../gateway/state/index.ts';

/** Redis for the state tests; unset means the Redis halves are skipped (CI always sets it). */
export const REDIS_URL = process.env.REDIS_URL || undefined;
export const REDIS_SKIP_REASON = 'REDIS_URL is not set: Redis state tests skipped (CI sets it)';

/** A prefix of our own, so parallel runs and other suites never share keys. */
export function testPrefix(): string {
  return `govshare-test:${randomUUID()}:`;
}

/** Deletes every key under the prefix (SCAN + DEL, never KEYS). */
export async function dropPrefix(url: string, prefix: string): Promise<void> {
  await withRedis(url, async (redis) => {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  });
}

export async function withRedis<T>(url: string, use: (redis: Redis) => Promise<T>): Promise<T> {
  // A plain client for setting up and inspecting: one attempt, no background reconnects, no error noise.
  const redis = new Redis(url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
  redis.on('error', () => {});
  try {
    await redis.connect();
    return await use(redis);
  } finally {
    redis.disconnect();
  }
}

const DEPARTMENTS = ['gongan', 'shebao', 'minzheng', 'zhujian'];
const RESOURCES: Record<string, string[]> = {
  gongan: ['population.basic'], shebao: ['social-security.pension'], minzheng: ['civil-affairs.marriage'], zhujian: ['housing.property'],
};

/**
 * The i-th of a varied set of audit entries: consumers and providers rotate at different rates, so a
 * department is sometimes consumer, sometimes provider and sometimes both of one record.
 */
export function sampleEntry(i: number, overrides: Partial<AuditEntry> = {}): AuditEntry {
  const consumer = DEPARTMENTS[i % DEPARTMENTS.length]!;
  const providers = i % 5 === 0 ? [DEPARTMENTS[(i + 1) % 4]!, DEPARTMENTS[(i + 2) % 4]!] : [DEPARTMENTS[(i * 3) % 4]!];
  return {
    at: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(),
    requestId: `req-${i}`, consumer, operator: i % 2 ? `op-${i}` : null, purpose: '行政审批',
    operationName: `Q${i}`, operationHash: `h${i}`,
    fields: ['Person.name'], resources: providers.flatMap((p) => RESOURCES[p]!), providers,
    decision: i % 7 === 0 ? 'DENIED' : 'ALLOWED', maskedFields: [], durationMs: i + 0.5,
    errorCode: null, inputDigest: null, kind: 'DATA', detail: null,
    ...overrides,
  };
}

// One implementation each, shared with the other suites.
export { freePort } from './support/ports.ts';
export { killRedisServer, startRedisServer } from './support/private-redis.ts';

/** Resolves when `check` passes, or rejects with its last failure after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try { return await check(); } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
