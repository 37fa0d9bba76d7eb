import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, STATE_KINDS, type Stack } from '../support/stack.ts';
import { call, readPerson } from './support.ts';

/**
 * The keyset rows that page the audit log (govshare.audit_index: `visible-to:<department>`,
 * `by-consumer:…`, …) are not covered by the chain (README, security model). Someone who can write the
 * records database adds rows filing housing's read under tax's view: `auditLog` still shows tax none of
 * housing's records, because each record of a page is checked against the caller from its own chained
 * fields. The rows can hide a record from a department, not show one.
 */
describe.each(STATE_KINDS)('the audit log\'s keyset rows, tampered with (%s state)', (stateKind) => {
  let stack: Stack;
  let taxRead: number;
  let housingRead: number;
  const LOG = 'query Log($consumer: String) { auditLog(first: 500, consumer: $consumer) { records { seq consumer providers } nextCursor } }';
  const log = async (department: string, consumer?: string) => {
    const body = await call(stack, LOG, consumer ? { consumer } : {}, department);
    expect(body.errors).toBeUndefined();
    return body.data.auditLog.records as Array<{ seq: number; consumer: string; providers: string[] }>;
  };

  beforeAll(async () => {
    stack = await startStack({ state: stateKind, transport: 'inject' });
    taxRead = await readPerson(stack, 'tax', 'TaxRead');
    housingRead = await readPerson(stack, 'housing', 'HousingRead');
  });
  afterAll(async () => { await stack?.close(); });

  it('shows a department no record that rows made up in the index file under its name', async () => {
    expect((await log('tax')).map((r) => r.seq)).toContain(taxRead);
    expect((await log('tax')).map((r) => r.seq)).not.toContain(housingRead);
    for (const name of ['visible-to:tax', 'by-consumer:tax']) {
      await stack.database.db.query('INSERT INTO govshare.audit_index (name, seq) VALUES ($1, $2) ON CONFLICT DO NOTHING', [name, housingRead]);
    }
    await stack.database.db.query(`INSERT INTO govshare.audit_counts (name, n) VALUES ('visible-to:tax', 1) ON CONFLICT (name) DO UPDATE SET n = govshare.audit_counts.n + 1`);
    for (const consumer of [undefined, 'tax', 'housing']) {
      const records = await log('tax', consumer);
      expect(records.map((r) => r.seq), String(consumer)).not.toContain(housingRead);
      expect(records.every((r) => r.consumer === 'tax' || r.providers.includes('tax')), String(consumer)).toBe(true);
    }
    // Whoever reads the whole log still finds housing's record where it belongs.
    const all = await call(stack, LOG, { consumer: 'housing' }, 'data-bureau', ['admin']);
    expect(all.data.auditLog.records.map((r: { seq: number }) => r.seq)).toContain(housingRead);
  });
});
