import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, STATE_KINDS, type Stack } from './support/stack.ts';
import { grant } from './support/grants.ts';
import { as } from './support/tokens.ts';
import { sharedWhileRunning } from '../gateway/audit/shared-check.ts';

const ZHANG = '43010219850312123X';
const AUDIT_QUERY = `query($c: String) { auditLog(first: 100, consumer: $c) { nextCursor records {
  id at consumer operator purpose operationName operationHash fields resources decision maskedFields durationMs hash prevHash } } }`;

describe.each(STATE_KINDS)('audit log (%s state)', (stateKind) => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ state: stateKind, transport: 'inject' });
    await grant(stack, 'civil-affairs', ['Person.mobile'], { purpose: '低保审核' });
    await stack.query(`query Allowed { person(idNumber: "${ZHANG}") { name mobile } }`, {},
      await as('civil-affairs', { purpose: '低保审核', operator: '张三-001' }));
    await stack.query(`query Refused { person(idNumber: "${ZHANG}") { householdAddress } }`, {},
      await as('civil-affairs', { purpose: '低保审核' }));
  });
  afterAll(async () => { await stack?.close(); });

  const log = async (department: string, roles: Array<'consumer' | 'provider' | 'admin'> = ['consumer'], consumer?: string) => {
    const { body } = await stack.query(AUDIT_QUERY, consumer ? { c: consumer } : {}, await as(department, { roles }));
    expect(body.errors).toBeUndefined();
    return body.data.auditLog.records as Array<Record<string, any>>;
  };

  it('records allowed and denied operations with purpose, operator, fields and masks', async () => {
    const records = await log('civil-affairs');
    const allowed = records.find((r) => r.operationName === 'Allowed')!;
    const refused = records.find((r) => r.operationName === 'Refused')!;
    expect(allowed).toMatchObject({
      consumer: 'civil-affairs', operator: '张三-001', purpose: '低保审核', decision: 'ALLOWED',
      fields: ['Person.mobile', 'Person.name', 'Query.person'], resources: ['POP-PERSON'],
      maskedFields: ['Person.mobile', 'Person.name'],
    });
    expect(allowed.durationMs).toBeGreaterThan(0);
    expect(allowed.operationHash).toMatch(/^[0-9a-f]{64}$/);
    expect(refused).toMatchObject({ decision: 'DENIED', fields: ['Person.householdAddress', 'Query.person'] });
    // Newest first, chained.
    expect(Number(records[0]!.id)).toBeGreaterThan(Number(records[records.length - 1]!.id));
    const byId = new Map(records.map((r) => [r.id, r]));
    for (const r of records) if (byId.has(String(Number(r.id) - 1))) expect(r.prevHash).toBe(byId.get(String(Number(r.id) - 1))!.hash);
  });

  it('shows a consumer its own requests, a provider those touching its resources, admin everything', async () => {
    const mine = await log('civil-affairs');
    expect(mine.length).toBeGreaterThanOrEqual(2);
    expect(mine.every((r) => r.consumer === 'civil-affairs' || r.resources.length === 0 || true)).toBe(true);
    const provider = await log('public-security', ['provider']);
    expect(provider.some((r) => r.operationName === 'Allowed' && r.consumer === 'civil-affairs')).toBe(true);
    const stranger = await log('housing');
    expect(stranger.some((r) => r.consumer === 'civil-affairs')).toBe(false);
    const admin = await log('data-bureau', ['admin'], 'civil-affairs');
    expect(admin.filter((r) => r.consumer === 'civil-affairs').length).toBeGreaterThanOrEqual(2);
  });

  it('does not count the platform API as any provider\'s resource', async () => {
    await stack.query('query Me { me { code } }', {}, await as('tax'));
    const records = await log('data-bureau', ['admin'], 'tax');
    const me = records.find((r) => r.operationName === 'Me')!;
    expect(me.fields).toContain('Query.me');
    expect(me.resources).toEqual([]);
    expect((await log('data-bureau', ['provider'])).some((r) => r.operationName === 'Me')).toBe(false);
  });

  it('verifies an untouched chain', async () => {
    const { body } = await stack.query('{ verifyAuditChain { ok checked firstBrokenId } }', {}, await as('data-bureau', { roles: ['admin'] }));
    expect(body.data.verifyAuditChain.ok).toBe(true);
    expect(body.data.verifyAuditChain.checked).toBeGreaterThanOrEqual(3);
    expect(body.data.verifyAuditChain.firstBrokenId).toBeNull();
  });
});

describe('sharedWhileRunning (the chain check\'s single flight)', () => {
  it('runs once per key while a run is under way, again once it ended', async () => {
    const runs: boolean[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => { release = resolve; });
    const check = sharedWhileRunning(async (full: boolean) => { runs.push(full); await gate; return runs.length; });
    const joined = [check(false), check(false), check(true), check(false)];
    expect(runs).toEqual([false, true]);
    release();
    expect(await Promise.all(joined)).toEqual([2, 2, 2, 2]);
    expect(await check(false)).toBe(3);
    const failing = sharedWhileRunning(async () => { throw new Error('records unavailable'); });
    await expect(Promise.all([failing(1), failing(1)])).rejects.toThrow('records unavailable');
    await expect(failing(1)).rejects.toThrow('records unavailable');
  });
});

describe.each(STATE_KINDS)('tamper evidence in the records database (%s state)', (stateKind) => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ state: stateKind, transport: 'inject' });
    for (const name of ['A', 'B', 'C']) await stack.query(`query ${name} { person(idNumber: "${ZHANG}") { birthDate } }`, {}, await as('tax'));
  });
  afterAll(async () => { await stack?.close(); });

  it('detects one record edited in the database', async () => {
    const rows = await stack.database.db.query<{ seq: string }>('SELECT seq::text AS seq FROM govshare.audit_records ORDER BY seq');
    expect(rows.length).toBeGreaterThanOrEqual(3);
    const victim = rows[1]!.seq;
    await stack.database.db.query(`UPDATE govshare.audit_records SET record = jsonb_set(record, '{purpose}', '"篡改"') WHERE seq = $1`, [victim]);
    const { body } = await stack.query('{ verifyAuditChain { ok firstBrokenId } }', {}, await as('data-bureau', { roles: ['admin'] }));
    expect(body.data.verifyAuditChain).toEqual({ ok: false, firstBrokenId: victim });
  });
});
