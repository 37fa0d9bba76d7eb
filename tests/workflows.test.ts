import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startStack, STATE_KINDS, type Stack } from './support/stack.ts';
import { as } from './support/tokens.ts';
import { CSV_HEADER } from '../gateway/platform/catalog-export.ts';

const ZHANG = '43010219850312123X';
const APPLICATION_FIELDS = 'id status consumer resource provider fields purpose raw deadline overdue decidedAt reason grant { id fields raw active validUntil }';

/** A clock the tests move: deadlines and overdue flags follow it, no test sleeps for days. */
function movableClock(start: string) {
  let now = new Date(start).getTime();
  return { now: () => new Date(now), set: (iso: string) => { now = new Date(iso).getTime(); } };
}

describe.each(STATE_KINDS)('sharing workflows through the gateway (%s state)', (stateKind) => {
  const clock = movableClock('2026-09-30T02:00:00Z'); // 10:00 in Shanghai, the day before National Day
  let stack: Stack;
  beforeAll(async () => { stack = await startStack({ state: stateKind, now: clock.now, transport: 'inject' }); });
  afterAll(async () => { await stack?.close(); });
  beforeEach(() => clock.set('2026-09-30T02:00:00Z'));

  const gql = async (department: string, query: string, variables: Record<string, unknown> = {}, options: { roles?: Array<'consumer' | 'provider' | 'admin'>; purpose?: string } = {}): Promise<any> =>
    (await stack.query(query, variables, await as(department, options))).body;
  const apply = (department: string, input: Record<string, unknown>) =>
    gql(department, `mutation($i: AccessApplicationInput!) { applyForAccess(input: $i) { ${APPLICATION_FIELDS} } }`, { i: input });
  // data-bureau runs the platform: its officers act as admin, which is a role, not a department. A
  // provider decides with the provider role (CONTRACT §2 v1.1).
  const review = (department: string, id: string, approve: boolean, reason?: string) =>
    gql(department, `mutation($id: ID!, $a: Boolean!, $r: String) { reviewApplication(id: $id, approve: $a, reason: $r) { ${APPLICATION_FIELDS} } }`,
      { id, a: approve, r: reason }, department === 'data-bureau' ? { roles: ['admin'] } : { roles: ['provider'] });
  const mobileOf = async (department: string) => gql(department, `{ person(idNumber: "${ZHANG}") { mobile } }`, {}, { purpose: '税务稽查' });

  it('apply → pending with its deadline → approve → masked → apply raw → approve → raw → revoke → refused', async () => {
    const denied = await mobileOf('tax');
    expect(denied.errors[0].extensions.code).toBe('SHARE_DENIED');

    const applied = await apply('tax', { resource: 'POP-PERSON', fields: ['Person.mobile'], purpose: '税务稽查' });
    expect(applied.errors).toBeUndefined();
    expect(applied.data.applyForAccess).toMatchObject({
      status: 'PENDING', consumer: 'tax', resource: 'POP-PERSON', provider: 'public-security',
      fields: ['Person.mobile'], raw: false, deadline: '2026-10-13', overdue: false, grant: null,
    });
    const id = applied.data.applyForAccess.id;

    const inbox = await gql('public-security', '{ applications(as: PROVIDER, status: PENDING) { id consumer } }', {}, { roles: ['provider'] });
    expect(inbox.data.applications).toContainEqual({ id, consumer: 'tax' });
    const mine = await gql('tax', '{ applications(as: CONSUMER) { id status } }');
    expect(mine.data.applications).toContainEqual({ id, status: 'PENDING' });

    const approved = await review('public-security', id, true);
    expect(approved.data.reviewApplication).toMatchObject({ status: 'APPROVED', overdue: false });
    const grant = approved.data.reviewApplication.grant;
    expect(grant).toMatchObject({ fields: ['Person.mobile'], raw: false, active: true });
    // Default validity: one year from the decision.
    expect(grant.validUntil.slice(0, 10)).toBe('2027-09-30');
    expect((await mobileOf('tax')).data.person.mobile).toBe('138****8000');

    const rawApplied = await apply('tax', { resource: 'POP-PERSON', fields: ['Person.mobile'], purpose: '税务稽查', raw: true, validUntil: '2027-03-31T00:00:00+08:00' });
    const rawApproved = await review('public-security', rawApplied.data.applyForAccess.id, true);
    expect(rawApproved.data.reviewApplication.grant).toMatchObject({ raw: true, active: true, validUntil: '2027-03-30T16:00:00.000Z' });
    expect((await mobileOf('tax')).data.person.mobile).toBe('13800138000');

    for (const g of [grant.id, rawApproved.data.reviewApplication.grant.id]) {
      const revoked = await gql('public-security', 'mutation($id: ID!) { revokeGrant(id: $id, reason: "稽查结束") { id active revokedAt } }', { id: g }, { roles: ['provider'] });
      expect(revoked.data.revokeGrant).toMatchObject({ id: g, active: false });
    }
    const started = Date.now();
    expect((await mobileOf('tax')).errors[0].extensions.code).toBe('SHARE_DENIED');
    expect(Date.now() - started).toBeLessThan(1000);

    const me = await gql('tax', '{ me { grants { id active revokedAt } } }');
    expect(me.data.me.grants.filter((g: { active: boolean }) => g.active)).toEqual([]);
  });

  it('audits every state change', async () => {
    const applied = await apply('civil-affairs', { resource: 'SOC-INSURANCE', fields: ['Person.pension'], purpose: '低保审核' });
    await review('human-resources', applied.data.applyForAccess.id, false, '用途不符');
    const log = await gql('data-bureau', '{ auditLog(first: 200) { records { operationName detail consumer } } }', {}, { roles: ['admin'] });
    const details = log.data.auditLog.records.filter((r: { operationName: string }) => r.operationName === 'applyForAccess' || r.operationName === 'reviewApplication');
    expect(details.some((r: { detail: string }) => r.detail.includes(applied.data.applyForAccess.id) && r.detail.includes('rejected: 用途不符'))).toBe(true);
  });

  describe('rules', () => {
    it.each([
      ['an UNCONDITIONAL field', { resource: 'POP-PERSON', fields: ['Person.birthDate'], purpose: 'x' }, /UNCONDITIONAL/],
      ['a NONE field', { resource: 'POP-PERSON', fields: ['Person.securityNote'], purpose: 'x' }, /NONE|not a field/],
      ['an unknown resource', { resource: 'NOPE', fields: ['Person.mobile'], purpose: 'x' }, /unknown resource/],
      ['a field of another resource', { resource: 'POP-PERSON', fields: ['Person.pension'], purpose: 'x' }, /not a field of resource/],
      ['an empty purpose', { resource: 'POP-PERSON', fields: ['Person.mobile'], purpose: '  ' }, /purpose/],
      ['no fields', { resource: 'POP-PERSON', fields: [], purpose: 'x' }, /at least one/],
      ['a past validUntil', { resource: 'POP-PERSON', fields: ['Person.mobile'], purpose: 'x', validUntil: '2020-01-01' }, /future/],
    ])('refuses applying for %s with BAD_USER_INPUT', async (_, input, message) => {
      const result = await apply('housing', input);
      expect(result.errors[0].extensions.code).toBe('BAD_USER_INPUT');
      expect(result.errors[0].message).toMatch(message);
    });

    it('refuses a duplicate pending application', async () => {
      const input = { resource: 'HSE-PROPERTY', fields: ['Person.properties', 'Property.area'], purpose: '住房补贴' };
      expect((await apply('market-regulation', input)).errors).toBeUndefined();
      const again = await apply('market-regulation', { ...input, fields: ['Property.area', 'Person.properties'] });
      expect(again.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    });

    it('lets only the provider review, and needs a reason to reject', async () => {
      const { data } = await apply('tax', { resource: 'CIV-ASSISTANCE', fields: ['Person.subsistenceAllowance'], purpose: '减免核查' });
      const id = data.applyForAccess.id;
      expect((await review('tax', id, true)).errors[0].extensions.code).toBe('FORBIDDEN');
      expect((await review('public-security', id, true)).errors[0].extensions.code).toBe('FORBIDDEN');
      expect((await review('civil-affairs', id, false)).errors[0].extensions.code).toBe('BAD_USER_INPUT');
      expect((await review('civil-affairs', id, false, '  ')).errors[0].extensions.code).toBe('BAD_USER_INPUT');
      const pending = await gql('tax', '{ applications(status: PENDING) { id } }');
      expect(pending.data.applications.map((a: { id: string }) => a.id)).toContain(id);
      // An admin may act for any provider.
      expect((await review('data-bureau', id, false, '材料不全')).data.reviewApplication.status).toBe('REJECTED');
      expect((await review('civil-affairs', id, true)).errors[0].extensions.code).toBe('BAD_USER_INPUT');
    });

    it('lets only the provider or an admin revoke', async () => {
      const { data } = await apply('housing', { resource: 'LIC-LICENSE', fields: ['Person.licenses'], purpose: '资格审核' });
      const approved = await review('data-bureau', data.applyForAccess.id, true);
      const grantId = approved.data.reviewApplication.grant.id;
      const byConsumer = await gql('housing', 'mutation($id: ID!) { revokeGrant(id: $id, reason: "x") { id } }', { id: grantId });
      expect(byConsumer.errors[0].extensions.code).toBe('FORBIDDEN');
      const noReason = await gql('data-bureau', 'mutation($id: ID!) { revokeGrant(id: $id, reason: " ") { id } }', { id: grantId }, { roles: ['admin'] });
      expect(noReason.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    });

    it('yields exactly one decision for two concurrent reviews, and one grant', async () => {
      const { data } = await apply('tax', { resource: 'ENT-ENTERPRISE', fields: ['Enterprise.contactPhone'], purpose: '欠税追缴' });
      const id = data.applyForAccess.id;
      const results = await Promise.all([review('market-regulation', id, true), review('market-regulation', id, false, '重复'), review('data-bureau', id, true)]);
      const winners = results.filter((r) => !r.errors);
      expect(winners).toHaveLength(1);
      for (const loser of results.filter((r) => r.errors)) expect(loser.errors[0].extensions.code).toBe('BAD_USER_INPUT');
      const grants = (await stack.state.grants.list({ consumer: 'tax' })).filter((g) => g.applicationId === id);
      expect(grants).toHaveLength(winners[0]!.data.reviewApplication.status === 'APPROVED' ? 1 : 0);
    });
  });

  describe('deadlines and overdue flags', () => {
    it.each([
      ['National Day 2026', '2026-09-30T02:00:00Z', '2026-10-13'],
      ['Spring Festival 2026 with its adjusted Saturday 02-28', '2026-02-12T02:00:00Z', '2026-02-26'],
      ['late evening in Shanghai is the next calendar day', '2026-09-29T17:00:00Z', '2026-10-13'],
      ['an ordinary week', '2026-11-02T02:00:00Z', '2026-11-09'],
    ])('%s', async (_, at, deadline) => {
      clock.set(at);
      const { data } = await gql('tax', `mutation { reportDataIssue(input: { resource: "POP-PERSON", coordinate: "Person.birthDate", recordKey: "${ZHANG}", description: "出生日期与户籍登记不符" }) { deadline status overdue } }`);
      expect(data.reportDataIssue).toEqual({ deadline, status: 'OPEN', overdue: false });
    });

    it('flags pending applications and late answers as overdue, computed from the clock', async () => {
      const { data } = await apply('civil-affairs', { resource: 'POP-PERSON', fields: ['Person.maritalStatus'], purpose: '婚姻状况核实' });
      const id = data.applyForAccess.id;
      clock.set('2026-10-13T15:59:00Z'); // 23:59 on the deadline day in Shanghai
      expect((await gql('civil-affairs', '{ applications { id overdue } }')).data.applications.find((a: { id: string }) => a.id === id).overdue).toBe(false);
      clock.set('2026-10-13T16:01:00Z');
      expect((await gql('civil-affairs', '{ applications { id overdue } }')).data.applications.find((a: { id: string }) => a.id === id).overdue).toBe(true);
      const late = await review('public-security', id, true);
      expect(late.data.reviewApplication).toMatchObject({ status: 'APPROVED', overdue: true });
    });

    it('resolves data issues by the provider only, with a note', async () => {
      const reported = await gql('tax', `mutation { reportDataIssue(input: { resource: "ENT-ENTERPRISE", coordinate: "Enterprise.address", recordKey: "91430100MA4L00011K", description: "地址已变更" }) { id provider } }`);
      const id = reported.data.reportDataIssue.id;
      expect(reported.data.reportDataIssue.provider).toBe('market-regulation');
      const resolve = (department: string, note: string) => gql(department, 'mutation($id: ID!, $n: String!) { resolveDataIssue(id: $id, resolution: CORRECTED, note: $n) { status resolution note overdue } }', { id, n: note }, { roles: ['provider'] });
      expect((await resolve('tax', '已改')).errors[0].extensions.code).toBe('FORBIDDEN');
      expect((await resolve('market-regulation', ' ')).errors[0].extensions.code).toBe('BAD_USER_INPUT');
      expect((await resolve('market-regulation', '已更正为新址')).data.resolveDataIssue).toEqual({ status: 'RESOLVED', resolution: 'CORRECTED', note: '已更正为新址', overdue: false });
      expect((await resolve('market-regulation', '再次')).errors[0].extensions.code).toBe('BAD_USER_INPUT');
      const bad = await gql('tax', 'mutation { reportDataIssue(input: { resource: "ENT-ENTERPRISE", coordinate: "Person.mobile", recordKey: "x", description: "y" }) { id } }');
      expect(bad.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    });
  });

  describe('catalog', () => {
    it('lists every sample resource from the directives, NONE fields included', async () => {
      const { data } = await gql('tax', '{ catalog { code name category provider providerName updateCycle publishedAt updatedAt subgraph fields { coordinate shareType mask condition compare } } }');
      expect(data.catalog.map((r: { code: string }) => r.code)).toEqual(['CIV-ASSISTANCE', 'CRD-CREDIT', 'ENT-ENTERPRISE', 'HSE-PROPERTY', 'LIC-LICENSE', 'POP-PERSON', 'SOC-INSURANCE']);
      const population = data.catalog.find((r: { code: string }) => r.code === 'POP-PERSON');
      expect(population).toMatchObject({ name: '人口基础信息', category: 'BASE', provider: 'public-security', providerName: '公安局', subgraph: 'population' });
      expect(population.publishedAt).toBeTruthy();
      expect(population.fields).toContainEqual({ coordinate: 'Person.securityNote', shareType: 'NONE', mask: null, condition: null, compare: false });
      expect(population.fields).toContainEqual(expect.objectContaining({ coordinate: 'Person.mobile', shareType: 'CONDITIONAL', mask: 'MOBILE' }));
      expect(population.fields).toContainEqual(expect.objectContaining({ coordinate: 'Query.verifyPersons', compare: true }));
      const appliable = (await gql('tax', '{ resource(code: "SOC-INSURANCE") { fields { coordinate appliable } } }')).data.resource.fields
        .filter((f: { appliable: boolean }) => f.appliable).map((f: { coordinate: string }) => f.coordinate).sort();
      expect(appliable).toEqual(['Person.medicalInsurance', 'Person.pension']);
    });

    it('filters by category, provider and free text in Chinese and English', async () => {
      const codes = async (args: string) => (await gql('tax', `{ catalog${args} { code } }`)).data.catalog.map((r: { code: string }) => r.code);
      expect(await codes('(category: THEME)')).toEqual(['SOC-INSURANCE']);
      expect(await codes('(provider: "housing")')).toEqual(['HSE-PROPERTY']);
      expect(await codes('(search: "人口")')).toEqual(['POP-PERSON']);
      expect(await codes('(search: "population register")')).toEqual(['POP-PERSON']);
      expect(await codes('(search: "no such thing")')).toEqual([]);
      expect((await gql('tax', '{ resource(code: "CRD-CREDIT") { name fields { coordinate } } }')).data.resource.fields.length).toBeGreaterThan(3);
      expect((await gql('tax', '{ resource(code: "NOPE") { name } }')).data.resource).toBeNull();
    });

    it('exports DCAT JSON-LD and a GB/T 21063-style CSV listing every resource', async () => {
      const jsonld = await (await fetch(`${stack.gatewayUrl}/catalog/export.jsonld`)).json() as Record<string, any>;
      expect(jsonld['@context'].dcat).toBe('http://www.w3.org/ns/dcat#');
      expect(jsonld['@type']).toBe('dcat:Catalog');
      expect(jsonld['dcat:dataset'].map((d: any) => d['dct:identifier']).sort()).toEqual(['CIV-ASSISTANCE', 'CRD-CREDIT', 'ENT-ENTERPRISE', 'HSE-PROPERTY', 'LIC-LICENSE', 'POP-PERSON', 'SOC-INSURANCE']);
      expect(jsonld['dcat:service'][0]['@type']).toBe('dcat:DataService');
      const csv = (await (await fetch(`${stack.gatewayUrl}/catalog/export.csv`)).text()).replace(/^\uFEFF/, '');
      const lines = csv.trim().split('\r\n');
      expect(lines[0]!.split(',')).toEqual(CSV_HEADER);
      for (const code of ['CIV-ASSISTANCE', 'POP-PERSON', 'SOC-INSURANCE']) expect(lines.some((l) => l.includes(`,${code},`))).toBe(true);
      expect(lines.some((l) => l.includes('Person.securityNote') && l.includes('不予共享'))).toBe(true);
    });
  });
});

describe('evaluation for a scripted history', () => {
  const clock = movableClock('2026-11-02T02:00:00Z'); // Monday
  let stack: Stack;
  beforeAll(async () => { stack = await startStack({ now: clock.now, transport: 'inject' }); });
  afterAll(async () => { await stack?.close(); });
  // Every department's officer here may also decide as a provider (the provider role, CONTRACT §2 v1.1).
  const gql = async (department: string, query: string): Promise<any> => (await stack.query(query, {}, await as(department, { purpose: '评价测试', roles: ['consumer', 'provider'] }))).body;

  it('counts applications, answer times, issues and requests as hand-computed', async () => {
    // Three applications to public-security on Monday 2026-11-02 (deadline Monday 2026-11-09).
    const ids: string[] = [];
    for (const [consumer, field] of [['tax', 'Person.mobile'], ['housing', 'Person.mobile'], ['civil-affairs', 'Person.householdAddress']] as const) {
      ids.push((await gql(consumer, `mutation { applyForAccess(input: { resource: "POP-PERSON", fields: ["${field}"], purpose: "评价测试" }) { id } }`)).data.applyForAccess.id);
    }
    clock.set('2026-11-04T02:00:00Z'); // Wednesday: 2 working days later
    await gql('public-security', `mutation { reviewApplication(id: "${ids[0]}", approve: true) { id } }`);
    clock.set('2026-11-11T02:00:00Z'); // next Wednesday: 7 working days, after the deadline
    await gql('public-security', `mutation { reviewApplication(id: "${ids[1]}", approve: false, reason: "用途不明") { id } }`);
    // The third stays pending past its deadline. One data issue, answered late; one open and overdue.
    clock.set('2026-11-02T02:00:00Z');
    const issue = (await gql('tax', `mutation { reportDataIssue(input: { resource: "POP-PERSON", coordinate: "Person.name", recordKey: "x1", description: "姓名有误" }) { id } }`)).data.reportDataIssue.id;
    await gql('tax', `mutation { reportDataIssue(input: { resource: "POP-PERSON", coordinate: "Person.name", recordKey: "x2", description: "姓名有误" }) { id } }`);
    clock.set('2026-11-12T02:00:00Z');
    await gql('public-security', `mutation { resolveDataIssue(id: "${issue}", resolution: CONFIRMED_CORRECT, note: "核实无误") { id } }`);
    // Requests: tax reads population twice (one allowed with its grant, one denied).
    await gql('tax', '{ person(idNumber: "43010219850312123X") { mobile } }');
    await gql('tax', '{ person(idNumber: "43010219850312123X") { householdAddress } }');

    const { data } = await gql('data-bureau', '{ evaluation(department: "public-security") { department name resourcesPublished fieldsUnconditional fieldsConditional fieldsNone shareRate applicationsReceived applicationsAnswered applicationsAnsweredInTime applicationsOverdue applicationsPending meanAnswerWorkingDays applicationsSubmitted dataIssuesReceived dataIssuesResolved dataIssuesOverdue dataIssuesReported requestsServed requestsConsumed } }');
    const e = data.evaluation[0];
    expect(e).toMatchObject({
      department: 'public-security', name: '公安局', resourcesPublished: 1,
      // POP-PERSON: Query.person, Query.persons, idNumber, name, gender, birthDate, ethnicity (7 UNCONDITIONAL),
      // Query.verifyPersons, mobile, householdAddress, maritalStatus (4 CONDITIONAL), securityNote (1 NONE).
      fieldsUnconditional: 7, fieldsConditional: 4, fieldsNone: 1, shareRate: 0.917,
      applicationsReceived: 3, applicationsAnswered: 2, applicationsAnsweredInTime: 1,
      applicationsOverdue: 2, applicationsPending: 1, meanAnswerWorkingDays: 4.5, applicationsSubmitted: 0,
      dataIssuesReceived: 2, dataIssuesResolved: 1, dataIssuesOverdue: 2, dataIssuesReported: 0,
    });
    // Served: the two data reads by tax touched POP-PERSON (plus the workflow records addressed to it).
    expect(e.requestsServed).toBeGreaterThanOrEqual(2);
    const tax = (await gql('data-bureau', '{ evaluation(department: "tax") { requestsConsumed applicationsSubmitted dataIssuesReported resourcesPublished shareRate } }')).data.evaluation[0];
    expect(tax).toMatchObject({ applicationsSubmitted: 1, dataIssuesReported: 2, resourcesPublished: 0, shareRate: null });
    expect(tax.requestsConsumed).toBeGreaterThanOrEqual(5);
    expect((await gql('tax', '{ evaluation { department } }')).data.evaluation).toHaveLength(8);
    expect((await gql('tax', '{ evaluation(department: "nope") { department } }')).errors[0].extensions.code).toBe('BAD_USER_INPUT');
  });
});

describe('a year only the override file knows', () => {
  it('counts its holidays and adjusted working days', async () => {
    const { createWorkingDayCalendar } = await import('../gateway/workdays/index.ts');
    const dir = mkdtempSync(join(tmpdir(), 'govshare-holidays-'));
    const file = join(dir, 'holidays.json');
    writeFileSync(file, JSON.stringify({ holidays: ['2035-01-01', '2035-01-02'], workdays: ['2035-01-06'] }));
    const calendar = createWorkingDayCalendar({ overrideFile: file, strict: true });
    // 2035-01-01 is a Monday: Jan 1–2 are holidays, Saturday Jan 6 is an adjusted working day.
    expect(calendar.addWorkingDays('2035-01-01', 4)).toBe('2035-01-06');
    expect(calendar.addWorkingDays('2035-01-01', 5)).toBe('2035-01-08');
    expect(calendar.isWorkingDay('2035-01-02')).toBe(false);
    expect(() => createWorkingDayCalendar({ strict: true, requireYears: [2034] })).toThrow(/2034/);
  });
});
