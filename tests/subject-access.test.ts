import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, STATE_KINDS, type Stack } from './support/stack.ts';
import { as } from './support/tokens.ts';
import type { Role } from '../gateway/identity/caller.ts';

const ZHANG = '43010219850312123X';
const DAY = 86_400_000;
const LOG = `query($k: String!, $first: Int, $after: String) { subjectAccessLog(subjectKey: $k, first: $first, after: $after) {
  entries { auditRecordId at consumer consumerName purpose fields confidentialUntil } nextCursor } }`;

function movableClock(start: string) {
  let now = new Date(start).getTime();
  return { now: () => new Date(now), set: (at: number) => { now = at; } };
}

interface Entry { auditRecordId: string; at: string; consumer: string; consumerName: string | null; purpose: string | null; fields: string[]; confidentialUntil: string | null }

describe.each(STATE_KINDS)('subjectAccessLog: who read my data (%s state)', (stateKind) => {
  const T0 = Date.parse('2026-07-01T02:00:00Z'); // 10:00 in Shanghai
  const clock = movableClock('2026-07-01T02:00:00Z');
  let stack: Stack;
  const gql = async (department: string, query: string, variables: Record<string, unknown> = {}, roles?: Role[], purpose = '税务稽查'): Promise<any> =>
    (await stack.query(query, variables, await as(department, { ...(roles ? { roles } : {}), purpose }))).body;
  const logOf = async (department: string, roles: Role[], key = ZHANG, extra: Record<string, unknown> = {}) => gql(department, LOG, { k: key, ...extra }, roles);
  const entries = async (department: string, roles: Role[], key = ZHANG): Promise<Entry[]> => {
    const body = await logOf(department, roles, key);
    expect(body.errors, `${department} ${roles}`).toBeUndefined();
    return body.data.subjectAccessLog.entries;
  };
  const grant = async (consumer: string, resource: string, fields: string[], purpose: string, provider: string, extra: Record<string, unknown> = {}) => {
    const applied = await gql(consumer, 'mutation($i: AccessApplicationInput!) { applyForAccess(input: $i) { id confidentialUntil } }',
      { i: { resource, fields, purpose, ...extra } });
    expect(applied.errors).toBeUndefined();
    const approved = await gql(provider, 'mutation($id: ID!) { reviewApplication(id: $id, approve: true) { status confidentialUntil grant { confidentialUntil } } }',
      { id: applied.data.applyForAccess.id }, ['provider']);
    expect(approved.data.reviewApplication.status).toBe('APPROVED');
    return approved.data.reviewApplication;
  };
  const read = async (department: string, query: string, purpose: string) => {
    const body = await gql(department, query, {}, undefined, purpose);
    expect(body.errors, query).toBeUndefined();
  };

  beforeAll(async () => {
    stack = await startStack({ state: stateKind, now: clock.now });
    await grant('tax', 'POP-PERSON', ['Person.mobile'], '税务稽查', 'public-security');
    // An investigation: its reads of 张伟 stay out of his access log until the end of 2026-07-31 (Shanghai).
    const confidential = await grant('human-resources', 'POP-PERSON', ['Person.householdAddress'], '劳动保障监察', 'public-security', { confidentialUntil: '2026-07-31' });
    expect(confidential).toMatchObject({ confidentialUntil: '2026-07-31', grant: { confidentialUntil: '2026-07-31' } });
    await grant('civil-affairs', 'POP-PERSON', ['Query.verifyPersons'], '低保审核', 'public-security');

    clock.set(T0 + 1 * DAY);
    await read('tax', `{ person(idNumber: "${ZHANG}") { name mobile } }`, '税务稽查：案件 2026-118');
    clock.set(T0 + 2 * DAY);
    await read('tax', `{ person(idNumber: "${ZHANG}") { dishonestDebtor } }`, '税务稽查');
    clock.set(T0 + 3 * DAY);
    await read('human-resources', `{ person(idNumber: "${ZHANG}") { householdAddress } }`, '劳动保障监察');
    clock.set(T0 + 4 * DAY);
    await read('civil-affairs', `{ verifyPersons(claims: [{ idNumber: "430104199001015670" }, { idNumber: "${ZHANG.toLowerCase()}", name: "张伟" }]) { index found nameMatches } }`, '低保审核');
    clock.set(T0 + 5 * DAY);
  });
  afterAll(async () => { await stack?.close(); });

  it('tells a service desk which departments read which fields, when and why, and keeps the confidential read out', async () => {
    const log = await entries('data-bureau', ['service-desk']);
    expect(log.map((e) => [e.consumer, e.fields, e.purpose, e.at])).toEqual([
      ['civil-affairs', ['PersonVerification.found', 'PersonVerification.index', 'PersonVerification.nameMatches', 'Query.verifyPersons'], '低保审核', new Date(T0 + 4 * DAY).toISOString()],
      ['tax', ['Person.dishonestDebtor', 'Query.person'], '税务稽查', new Date(T0 + 2 * DAY).toISOString()],
      ['tax', ['Person.mobile', 'Person.name', 'Query.person'], '税务稽查：案件 2026-118', new Date(T0 + 1 * DAY).toISOString()],
    ]);
    expect(log.every((e) => e.confidentialUntil === null)).toBe(true);
    expect(log[1]!.consumerName).toBe('税务局');
    // Each entry names its audit record, which says the same.
    const audit = await gql('data-bureau', '{ auditLog(first: 100) { records { id consumer fields purpose at } } }', {}, ['admin']);
    const record = audit.data.auditLog.records.find((r: { id: string }) => r.id === log[2]!.auditRecordId);
    expect(record).toMatchObject({ consumer: 'tax', purpose: '税务稽查：案件 2026-118', at: log[2]!.at });
    expect(record.fields).toEqual(expect.arrayContaining(['Person.mobile', 'Person.name']));
  });

  it('shows the confidential read once its embargo date has passed, and not a moment before', async () => {
    // 2026-07-31 23:59 in Shanghai: still the embargo date.
    clock.set(Date.parse('2026-07-31T15:59:00Z'));
    expect((await entries('data-bureau', ['service-desk'])).map((e) => e.consumer)).not.toContain('human-resources');
    clock.set(Date.parse('2026-07-31T16:00:00Z'));
    const log = await entries('data-bureau', ['service-desk']);
    const investigation = log.find((e) => e.consumer === 'human-resources');
    expect(investigation).toMatchObject({
      fields: ['Person.householdAddress', 'Query.person'], purpose: '劳动保障监察', at: new Date(T0 + 3 * DAY).toISOString(),
      confidentialUntil: '2026-07-31T16:00:00.000Z',
    });
    clock.set(T0 + 5 * DAY);
  });

  it('keeps the chain whole with the index, the confidential read\'s embargo included (each record commits to its rows)', async () => {
    const body = await gql('data-bureau', 'query { verifyAuditChain(full: true) { ok checked firstBrokenId } }', {}, ['admin']);
    expect(body.errors).toBeUndefined();
    expect(body.data.verifyAuditChain).toMatchObject({ ok: true, firstBrokenId: null });
    const [embargoed] = await stack.database.db.query<{ n: number }>('SELECT count(*)::int AS n FROM govshare.audit_subjects WHERE embargo_until IS NOT NULL');
    expect(Number(embargoed!.n)).toBeGreaterThan(0);
  });

  it('shows a provider the reads of its own resources only', async () => {
    const police = await entries('public-security', ['provider']);
    // Query.person is population's lookup: public-security sees tax asked for 张伟 there, not what credit answered.
    expect(police.map((e) => [e.consumer, e.fields])).toEqual([
      ['civil-affairs', ['PersonVerification.found', 'PersonVerification.index', 'PersonVerification.nameMatches', 'Query.verifyPersons']],
      ['tax', ['Query.person']],
      ['tax', ['Person.mobile', 'Person.name', 'Query.person']],
    ]);
    const credit = await entries('development-reform', ['provider']);
    expect(credit.map((e) => [e.consumer, e.fields])).toEqual([['tax', ['Person.dishonestDebtor']]]);
    expect(await entries('housing', ['provider'])).toEqual([]);
  });

  it('reads the same log whatever the spelling of the key, in pages', async () => {
    const all = await entries('data-bureau', ['service-desk']);
    const fullWidth = ZHANG.toLowerCase().replace(/[0-9]/g, (d) => String.fromCharCode(0xff10 + Number(d)));
    expect(await entries('data-bureau', ['service-desk'], ` ${fullWidth}\u3000`)).toEqual(all);
    const first = (await logOf('data-bureau', ['service-desk'], ZHANG, { first: 2 })).data.subjectAccessLog;
    expect(first.entries).toEqual(all.slice(0, 2));
    expect(first.nextCursor).toBe(all[1]!.auditRecordId);
    const second = (await logOf('data-bureau', ['service-desk'], ZHANG, { first: 2, after: first.nextCursor })).data.subjectAccessLog;
    expect(second).toEqual({ entries: all.slice(2), nextCursor: null });
    // A person nobody read: an empty log, not an error.
    expect(await entries('data-bureau', ['service-desk'], '110101198001010010')).toEqual([]);
  });

  it('refuses anyone but a provider or a service desk, before looking anything up', async () => {
    const refusals: Array<[string, Role[]]> = [
      ['tax', ['consumer']], ['tax', ['provider']], ['public-security', ['consumer']], ['data-bureau', ['admin']],
      ['data-bureau', ['auditor']], ['data-bureau', ['security-admin']],
    ];
    for (const [department, roles] of refusals) {
      for (const key of [ZHANG, '110101198001010010']) {
        const body = await logOf(department, roles, key);
        expect(body.data ?? null, `${department} ${roles}`).toBeNull();
        expect(body.errors[0].extensions.code, `${department} ${roles}`).toBe('FORBIDDEN');
        // The same answer for a person read and one never read: a refusal says nothing about the subject.
        expect(body.errors[0].message).not.toContain(ZHANG);
      }
    }
  });

  it('refuses bad keys, cursors and page sizes with BAD_USER_INPUT', async () => {
    for (const [k, extra] of [['', {}], ['  ', {}], ['1'.repeat(65), {}], ['A\nB', {}], [ZHANG, { first: 0 }], [ZHANG, { first: 501 }], [ZHANG, { after: 'abc' }], [ZHANG, { after: '-1' }]] as const) {
      const body = await logOf('data-bureau', ['service-desk'], k, extra);
      expect(body.errors?.[0]?.extensions?.code, JSON.stringify([k, extra])).toBe('BAD_USER_INPUT');
    }
  });

  it('takes confidentialUntil only as a date after today and within five years', async () => {
    for (const confidentialUntil of ['2026-07-06', '2026-07-01', 'tomorrow', '2026-02-30', '2026-07-31T00:00:00Z', '2031-07-07']) {
      const body = await gql('tax', 'mutation($i: AccessApplicationInput!) { applyForAccess(input: $i) { id } }',
        { i: { resource: 'POP-PERSON', fields: ['Person.maritalStatus'], purpose: '税务稽查', confidentialUntil } });
      expect(body.errors?.[0]?.extensions?.code, confidentialUntil).toBe('BAD_USER_INPUT');
    }
    const ok = await gql('tax', 'mutation($i: AccessApplicationInput!) { applyForAccess(input: $i) { confidentialUntil } }',
      { i: { resource: 'POP-PERSON', fields: ['Person.maritalStatus'], purpose: '税务稽查', confidentialUntil: '2031-07-06' } });
    expect(ok.data.applyForAccess.confidentialUntil).toBe('2031-07-06');
  });
});
