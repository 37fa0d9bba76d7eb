import { randomUUID } from 'node:crypto';
import type { AuditEntry } from '../gateway/state/index.ts';

/** Redis for the state tests; unset means the PostgreSQL + Redis halves are skipped (CI always sets it). */
export const REDIS_URL = process.env.REDIS_URL || undefined;

/** A Redis channel prefix of our own, so parallel runs and other suites never hear each other. */
export function testPrefix(): string {
  return `govshare-test:${randomUUID()}:`;
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

// One implementation, shared with the other suites.
export { freePort } from './support/ports.ts';

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
