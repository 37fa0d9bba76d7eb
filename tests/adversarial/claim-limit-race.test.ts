/**
 * Attack class: comparisons as oracles (CONTRACT §5 v1.1), raced. Many requests at once, each claiming
 * one more value of the same subject, on PostgreSQL (several connections: PGlite has one, so it cannot
 * race), answer no more than the limit between them — also when the table's statistics are stale (it
 * grew by 20,000 rows since its last ANALYZE, as without autovacuum), the case the limiter's statement
 * reads rows by key and updates them by row id for (subgraphs/kit/claim-limits.ts).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLAIM_LIMIT, claimLimiter, type ClaimedValue, type ClaimLimiter } from '../../subgraphs/kit/claim-limits.ts';
import { ensureRecords } from '../../subgraphs/kit/records.ts';
import { openDatabase, type Database } from '../../subgraphs/kit/index.ts';
import { POSTGRES_URL } from '../support/databases.ts';

const CONSUMER = 'civil-affairs';

describe.runIf(POSTGRES_URL)('the claim limit under concurrent requests (PostgreSQL)', () => {
  let db: Database;
  let schema: string;
  let limiter: ClaimLimiter;
  const base = `race_${randomBytes(4).toString('hex')}`;
  const key = randomBytes(32);

  beforeAll(async () => {
    db = await openDatabase({ kind: 'postgres', url: POSTGRES_URL!, poolSize: 12 });
    schema = await ensureRecords(db, base, 36);
    // Statistics taken while the table was empty, then 20,000 rows for the consumer the planner does not know of.
    await db.query(`ALTER TABLE ${schema}.govshare_compare_claims SET (autovacuum_enabled = false)`);
    await db.query(`ANALYZE ${schema}.govshare_compare_claims`);
    limiter = claimLimiter(db, schema, key);
    for (let b = 0; b < 20; b++) {
      await limiter.admit(CONSUMER, Array.from({ length: 1000 }, (_, i) => ({ subject: `filler-${b}-${i}`, attribute: 'Person.name', value: 'x' })));
    }
  }, 120_000);
  afterAll(async () => {
    await db?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await db?.close();
  });

  const claim = (subject: string, value: string): ClaimedValue => ({ subject, attribute: 'Person.name', value });

  it('answers at most the limit of distinct values per subject, whoever asks at the same moment', async () => {
    for (let round = 0; round < 5; round++) {
      const subject = `subject-${round}`;
      // The row exists with one value, so the race is over updating it (and, in round 0 of each, over creating it).
      if (round % 2 === 1) expect(await limiter.admit(CONSUMER, [claim(subject, 'first')])).toEqual([true]);
      const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => limiter.admit(CONSUMER, [claim(subject, `guess-${i}`)])));
      const admitted = answers.filter(([ok]) => ok).length + (round % 2 === 1 ? 1 : 0);
      expect(admitted).toBeLessThanOrEqual(CLAIM_LIMIT);
      // Every value that was answered is answered again (it holds its place); a new one only while there is room.
      const answered = answers.flatMap(([ok], i) => (ok ? [claim(subject, `guess-${i}`)] : []));
      expect((await limiter.admit(CONSUMER, answered)).every(Boolean)).toBe(true);
      expect(await limiter.admit(CONSUMER, [claim(subject, 'one-more')])).toEqual([admitted < CLAIM_LIMIT]);
      const everything = await limiter.admit(CONSUMER, [...Array.from({ length: 10 }, (_, i) => claim(subject, `guess-${i}`)), claim(subject, 'first'), claim(subject, 'one-more')]);
      expect(everything.filter(Boolean).length).toBe(CLAIM_LIMIT); // the free places fill up, and no more
    }
  });

  it('reads a batch of known subjects by key, not the consumer\'s whole table, though the statistics are stale', async () => {
    const known = Array.from({ length: 1000 }, (_, i) => claim(`filler-7-${i}`, 'x'));
    const plan = await explain(known);
    // Each row is found through the primary key with both columns, and nothing scans the consumer's 20,000 rows.
    expect(plan).toMatch(/Index Cond: \(\(consumer = .*\) AND \(subject = /);
    expect(plan).not.toMatch(/rows=2[01]\d{3} loops=1/);
    expect((await limiter.admit(CONSUMER, known)).every(Boolean)).toBe(true);
  });

  it('updates known subjects through their row ids: a batch of new values to 1,000 of them touches 1,000 rows', async () => {
    const updates = Array.from({ length: 1000 }, (_, i) => claim(`filler-3-${i}`, 'y'));
    const plan = await explain(updates);
    expect(plan).toMatch(/Tid Scan on govshare_compare_claims|TID Cond/);
    expect(plan).not.toMatch(/rows=2[01]\d{3} loops=1/);
    expect((await limiter.admit(CONSUMER, updates)).every(Boolean)).toBe(true);
  });

  /** EXPLAIN ANALYZE of the limiter's statement for this batch (the same digest key), rolled back. */
  async function explain(batch: ClaimedValue[]): Promise<string> {
    let captured: [string, readonly unknown[]] | undefined;
    const capturing = claimLimiter({ query: async (text: string, params?: readonly unknown[]) => { captured = [text, params ?? []]; return []; }, exec: async () => {} }, schema, key);
    await capturing.admit(CONSUMER, batch);
    return db.transaction(async (tx) => {
      const rows = await tx.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, COSTS OFF) ${captured![0]}`, captured![1]);
      throw Object.assign(new Error('rollback'), { plan: rows.map((r) => r['QUERY PLAN']).join('\n') });
    }).catch((error: { plan?: string }) => {
      if (typeof error.plan !== 'string') throw error;
      return error.plan;
    });
  }
});
