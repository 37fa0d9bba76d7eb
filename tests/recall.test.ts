import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, STATE_KINDS, type Stack } from './support/stack.ts';
import { as } from './support/tokens.ts';
import type { Role } from '../gateway/identity/caller.ts';

const ZHANG = '43010219850312123X';
const LINA = '43010419900101567X';
const XINGCHENG = '91430100MA4L00011K'; // its legal representative is 张伟
const DAY = 86_400_000;
const NOTICE_FIELDS = 'id kind recipient issue resource provider coordinate recordKey note correctedAt reads lastReadAt status readAt';

/** A clock the tests move: reads are dated by it, and the 90 days are counted back from the correction. */
function movableClock(start: string) {
  let now = new Date(start).getTime();
  return { now: () => new Date(now), set: (at: number) => { now = at; } };
}

describe.each(STATE_KINDS)('recall notices (数据更新和召回, %s state)', (stateKind) => {
  const CORRECTED_AT = Date.parse('2026-06-15T02:00:00Z');
  const clock = movableClock('2026-06-15T02:00:00Z');
  let stack: Stack;
  beforeAll(async () => { stack = await startStack({ state: stateKind, now: clock.now }); });
  afterAll(async () => { await stack?.close(); });

  const gql = async (department: string, query: string, variables: Record<string, unknown> = {}, roles?: Role[]): Promise<any> =>
    (await stack.query(query, variables, await as(department, { ...(roles ? { roles } : {}), purpose: '核查' }))).body;
  const read = async (department: string, query: string, variables: Record<string, unknown> = {}) => {
    const body = await gql(department, query, variables);
    expect(body.errors, `${department}: ${query}`).toBeUndefined();
    return body;
  };
  const notices = async (department: string) => (await gql(department, `{ notices { ${NOTICE_FIELDS} } }`)).data.notices;
  const report = async (reporter: string, coordinate: string, recordKey: string, resource = 'POP-PERSON') => {
    const body = await gql(reporter, `mutation($i: DataIssueInput!) { reportDataIssue(input: $i) { id } }`,
      { i: { resource, coordinate, recordKey, description: '数据有误' } });
    expect(body.errors).toBeUndefined();
    return body.data.reportDataIssue.id as string;
  };
  const resolve = (id: string, resolution: string, department = 'public-security', roles: Role[] = ['provider']) =>
    gql(department, `mutation($id: ID!, $r: DataIssueResolution!) { resolveDataIssue(id: $id, resolution: $r, note: "已按户籍档案更正") {
      id resolution recalled { consumer consumerName reads lastReadAt noticeId readAt } } }`, { id, r: resolution }, roles);

  it('reaches exactly the consumers that read that field of that record in the last 90 days', async () => {
    // 91 days before the correction: housing read 张伟's name. Outside the window.
    clock.set(CORRECTED_AT - 91 * DAY);
    await read('housing', `{ person(idNumber: "${ZHANG}") { name } }`);
    // Within the window, each in its own way:
    clock.set(CORRECTED_AT - 10 * DAY);
    await read('tax', `{ person(idNumber: "${ZHANG}") { name } }`);
    await read('tax', `query($id: ID!) { p: person(idNumber: $id) { ...N } } fragment N on Person { n: name }`, { id: ZHANG });
    // A batch lookup: the second result is 张伟's.
    await read('development-reform', `{ persons(idNumbers: ["${LINA}", "${ZHANG}"]) { name } }`);
    // Through an enterprise, the person's key in the answer.
    await read('data-bureau', `{ enterprise(uscc: "${XINGCHENG}") { legalRepresentative { idNumber name } } }`);
    // Another record's name, and another field of this record: not the corrected datum.
    await read('civil-affairs', `{ person(idNumber: "${LINA}") { name } }`);
    await read('human-resources', `{ person(idNumber: "${ZHANG}") { birthDate gender } }`);
    // The provider reading its own register is no consumer to recall from.
    await read('public-security', `{ person(idNumber: "${ZHANG}") { name } }`);
    clock.set(CORRECTED_AT - 1 * DAY);
    const issue = await report('tax', 'Person.name', ZHANG);

    clock.set(CORRECTED_AT);
    const resolved = await resolve(issue, 'CORRECTED');
    expect(resolved.errors).toBeUndefined();
    const recalled = resolved.data.resolveDataIssue.recalled;
    expect(recalled.map((r: { consumer: string }) => r.consumer)).toEqual(['data-bureau', 'development-reform', 'tax']);
    expect(recalled.find((r: { consumer: string }) => r.consumer === 'tax')).toMatchObject({
      consumerName: '税务局', reads: 2, lastReadAt: new Date(CORRECTED_AT - 10 * DAY).toISOString(), readAt: null,
    });

    for (const department of ['tax', 'development-reform', 'data-bureau']) {
      const inbox = await notices(department);
      expect(inbox, department).toHaveLength(1);
      expect(inbox[0]).toMatchObject({
        kind: 'RECALL', recipient: department, issue, resource: 'POP-PERSON', provider: 'public-security', coordinate: 'Person.name',
        recordKey: ZHANG, note: '已按户籍档案更正', correctedAt: new Date(CORRECTED_AT).toISOString(), status: 'UNREAD', readAt: null,
      });
    }
    for (const department of ['housing', 'civil-affairs', 'human-resources', 'public-security', 'market-regulation']) {
      expect(await notices(department), department).toEqual([]);
    }

    // The recipient marks it read; the provider sees that it was.
    const [taxNotice] = await notices('tax');
    const marked = await gql('tax', 'mutation($id: ID!) { markNoticeRead(id: $id) { id status readAt } }', { id: taxNotice.id });
    expect(marked.data.markNoticeRead).toMatchObject({ id: taxNotice.id, status: 'READ', readAt: new Date(CORRECTED_AT).toISOString() });
    expect((await gql('tax', '{ notices(unread: true) { id } }')).data.notices).toEqual([]);
    const seen = await gql('public-security', `{ dataIssues(as: PROVIDER) { id recalled { consumer readAt } } }`, {}, ['provider']);
    const mine = seen.data.dataIssues.find((d: { id: string }) => d.id === issue);
    expect(mine.recalled).toContainEqual({ consumer: 'tax', readAt: new Date(CORRECTED_AT).toISOString() });

    // The reporter sees its issue resolved, but not who else read the record.
    const reporterView = await gql('tax', `{ dataIssues(as: CONSUMER) { id resolution recalled { consumer } } }`);
    expect(reporterView.data.dataIssues.find((d: { id: string }) => d.id === issue)).toEqual({ id: issue, resolution: 'CORRECTED', recalled: null });

    // The resolution is audited, the recipients are not spelled out there.
    const audit = await gql('public-security', '{ auditLog(first: 5) { records { operationName detail } } }', {}, ['provider']);
    const record = audit.data.auditLog.records.find((r: { operationName: string }) => r.operationName === 'resolveDataIssue');
    expect(record.detail).toContain('recalled');
    expect(record.detail).not.toContain('development-reform');
  });

  it('sends nothing when the datum was confirmed correct, and nothing for a field nobody read', async () => {
    clock.set(CORRECTED_AT - 2 * DAY);
    await read('tax', `{ person(idNumber: "${LINA}") { name ethnicity } }`);
    const confirmed = await report('tax', 'Person.name', LINA);
    const unread = await report('tax', 'Person.maritalStatus', LINA);
    clock.set(CORRECTED_AT);
    const before = (await notices('tax')).length;
    expect((await resolve(confirmed, 'CONFIRMED_CORRECT')).data.resolveDataIssue.recalled).toEqual([]);
    expect((await resolve(unread, 'CORRECTED')).data.resolveDataIssue.recalled).toEqual([]);
    expect(await notices('tax')).toHaveLength(before);
  });

  it('finds the reads of a value type under the person, and a key spelt another way', async () => {
    clock.set(CORRECTED_AT - 5 * DAY);
    const applied = await gql('civil-affairs', `mutation { applyForAccess(input: { resource: "SOC-INSURANCE", fields: ["Person.pension"], purpose: "核查" }) { id } }`);
    const approved = await gql('human-resources', 'mutation($id: ID!) { reviewApplication(id: $id, approve: true) { status } }', { id: applied.data.applyForAccess.id }, ['provider']);
    expect(approved.data.reviewApplication.status).toBe('APPROVED');
    await read('civil-affairs', `query($id: ID!) { person(idNumber: $id) { pension { status paidMonths } } }`, { id: ZHANG });
    // Reported with a lower-case check character and full-width digits: the same person.
    const fullWidth = ZHANG.toLowerCase().replace(/[0-9]/g, (d) => String.fromCharCode(0xff10 + Number(d)));
    const issue = await report('tax', 'PensionInsurance.status', fullWidth, 'SOC-INSURANCE');
    clock.set(CORRECTED_AT);
    const resolved = await resolve(issue, 'CORRECTED', 'human-resources');
    expect(resolved.errors).toBeUndefined();
    expect(resolved.data.resolveDataIssue.recalled.map((r: { consumer: string }) => r.consumer)).toEqual(['civil-affairs']);
    const inbox = await notices('civil-affairs');
    expect(inbox.find((n: { issue: string }) => n.issue === issue)).toMatchObject({ coordinate: 'PensionInsurance.status', resource: 'SOC-INSURANCE', provider: 'human-resources' });
  });
});
