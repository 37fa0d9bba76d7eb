import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRecords } from '../../gateway/records/open-records.ts';
import { SqlAuditLog } from '../../gateway/records/sql-audit.ts';
import type { AuditRecord } from '../../gateway/state/types.ts';
import { sampleEntry } from '../state-helpers.ts';
import { openTestDatabase, POSTGRES_URL, type TestDatabase } from '../support/databases.ts';

/**
 * The audit's group commit (gateway/records/sql-audit.ts): requests that finish in one turn of the event
 * loop — each in an I/O callback of its own, as responses from the subgraphs arrive — share one commit.
 * With embedded PGlite, whose statements hold the loop while they run, the first request's append used to
 * start its commit alone, and nearly every request paid a commit of its own.
 */
const KINDS = ['pglite' as const, ...(POSTGRES_URL ? ['postgres' as const] : [])];

describe.each(KINDS)('the audit group commit (%s)', (kind) => {
  let database: TestDatabase;
  let audit: SqlAuditLog;
  const commits: number[] = [];
  beforeAll(async () => {
    database = await openTestDatabase(kind);
    await database.db.exec('DROP SCHEMA IF EXISTS govshare CASCADE');
    const { db } = await openRecords({ database: database.db });
    audit = new SqlAuditLog(db);
    audit.onCommitted((head) => { commits.push(head); });
  }, 60_000);
  afterAll(async () => { await database?.dispose(); });

  /** `n` appends, each made in a callback of its own within one turn of the loop (setImmediate stands for the I/O callbacks). */
  const appendsInOneTurn = (n: number, from: number) => Promise.all(Array.from({ length: n }, (_, i) =>
    new Promise<AuditRecord>((resolve, reject) => { setImmediate(() => { audit.append(sampleEntry(from + i)).then(resolve, reject); }); })));

  it('commits the appends of one turn of the event loop together, chained in order', async () => {
    const records = await appendsInOneTurn(24, 0);
    expect(records.map((r) => r.seq)).toEqual(Array.from({ length: 24 }, (_, i) => i + 1));
    for (let i = 1; i < records.length; i++) expect(records[i]!.prevHash).toBe(records[i - 1]!.hash);
    expect(commits).toEqual([24]);
  });

  it('still commits a lone append at once, and a busy stream in few commits', async () => {
    commits.length = 0;
    const started = performance.now();
    const [lone] = await appendsInOneTurn(1, 100);
    expect(lone!.seq).toBe(25);
    expect(performance.now() - started).toBeLessThan(1000);
    // Five turns of eight, each issued as the previous one's commit comes back: ≤ one commit per turn.
    for (let turn = 0; turn < 5; turn++) await appendsInOneTurn(8, 200 + turn * 8);
    expect(commits.length).toBeLessThanOrEqual(6);
    expect(commits.at(-1)).toBe(25 + 40);
    expect((await audit.verify()).ok).toBe(true);
  });
});
