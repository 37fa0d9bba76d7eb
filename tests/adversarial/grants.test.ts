import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, STATE_KINDS, type Stack } from '../support/stack.ts';
import { as } from '../support/tokens.ts';
import { grant } from '../support/grants.ts';
import { personById } from '../support/fixtures.ts';
import { leaked } from '../support/attackers/raw-values.ts';

/**
 * Grants bound to their purpose, no self-service grants, and roles that count (CONTRACT §2, §6 v1.1).
 * Each department below plays one part so the grants of one test never help another.
 */
const ZHANG = '43010219850312123X';
const zhang = personById(ZHANG);
const MOBILE = `{ person(idNumber: "${ZHANG}") { mobile } }`;
type Role = 'consumer' | 'provider' | 'admin';

describe.each(STATE_KINDS)('grants and roles (%s state)', (stateKind) => {
  let stack: Stack;
  beforeAll(async () => { stack = await startStack({ state: stateKind, transport: 'inject' }); });
  afterAll(async () => { await stack?.close(); });

  const ask = async (department: string, query: string, purpose?: string, roles: Role[] = ['consumer'], variables: Record<string, unknown> = {}) =>
    stack.query(query, variables, await as(department, { roles, ...(purpose === undefined ? {} : { purpose }) }));
  const codeOf = (r: Awaited<ReturnType<typeof ask>>) => r.body.errors?.[0]?.extensions?.code;

  describe('a grant covers only its own purpose', () => {
    beforeAll(async () => { await grant(stack, 'tax', ['Person.mobile'], { purpose: '核查联系方式' }); });

    it('refuses a request stating another purpose, saying why, and serves nothing', async () => {
      const result = await ask('tax', MOBILE, '税务稽查');
      expect(result.body.data ?? null).toBeNull();
      expect(codeOf(result)).toBe('SHARE_DENIED');
      const [denied] = result.body.errors![0]!.extensions!.denied;
      expect(denied).toMatchObject({ coordinate: 'Person.mobile', resource: 'POP-PERSON', provider: 'public-security' });
      expect(denied.reason).toMatch(/purpose does not match/);
      expect(denied.reason).toContain('核查联系方式');
      expect(result.body.errors![0]!.message).toContain('purpose does not match');
      expect(leaked(JSON.stringify(result.body))).toEqual([]);
      expect(JSON.stringify(result.body)).not.toContain('138****8000');
    });

    it.each([
      ['the same purpose', '核查联系方式'],
      ['the purpose and a case', '核查联系方式：案件 2026-118'],
      ['the purpose with surrounding (ideographic) white space', '\u3000 核查联系方式 '],
    ])('serves %s', async (_, purpose) => {
      const result = await ask('tax', MOBILE, purpose);
      expect(result.body.errors).toBeUndefined();
      expect(result.body.data.person.mobile).toBe('138****8000');
    });

    it.each([
      ['a shorter purpose the grant begins with', '核查'],
      ['the purpose with a character changed', '核查联系方法'],
      ['the purpose inside a longer text', '用于核查联系方式'],
      ['no purpose text but white space', ' '],
    ])('refuses %s', async (_, purpose) => {
      const result = await ask('tax', MOBILE, purpose);
      expect(result.body.data ?? null).toBeNull();
      expect(['SHARE_DENIED', 'PURPOSE_REQUIRED', 'BAD_USER_INPUT']).toContain(codeOf(result));
      expect(JSON.stringify(result.body)).not.toContain('138****8000');
    });

    it('takes a grant purpose in NFC to cover the same text in NFD, and not a look-alike', async () => {
      const composed = 'Café核查'.normalize('NFC');
      await grant(stack, 'housing', ['Person.mobile'], { purpose: composed });
      const decomposed = composed.normalize('NFD');
      expect(decomposed).not.toBe(composed);
      const same = await ask('housing', MOBILE, `${decomposed}：复核`);
      expect(same.body.errors).toBeUndefined();
      expect(same.body.data.person.mobile).toBe('138****8000');
      // Without the accent it is another word.
      expect(codeOf(await ask('housing', MOBILE, 'Cafe核查'))).toBe('SHARE_DENIED');
      // A grant written in NFD matches a request in NFC just the same.
      await grant(stack, 'civil-affairs', ['Person.mobile'], { purpose: 'Ångström核查'.normalize('NFD') });
      expect((await ask('civil-affairs', MOBILE, 'Ångström核查'.normalize('NFC'))).body.data?.person.mobile).toBe('138****8000');
    });

    it('lifts the mask only where a grant matching the purpose is raw', async () => {
      await grant(stack, 'development-reform', ['Person.mobile'], { purpose: '信用核查' });
      await grant(stack, 'development-reform', ['Person.mobile'], { purpose: '信用修复', raw: true });
      expect((await ask('development-reform', MOBILE, '信用核查')).body.data.person.mobile).toBe('138****8000');
      expect((await ask('development-reform', MOBILE, '信用修复：申请 7')).body.data.person.mobile).toBe(zhang.mobile);
      const other = await ask('development-reform', MOBILE, '其他用途');
      expect(codeOf(other)).toBe('SHARE_DENIED');
      expect(leaked(JSON.stringify(other.body))).toEqual([]);
    });
  });

  describe('a provider and its own resources', () => {
    it('reads its own CONDITIONAL fields without a grant, with a purpose, masked, and audited', async () => {
      const read = await ask('public-security', `{ person(idNumber: "${ZHANG}") { mobile householdAddress maritalStatus } }`, '户籍核查');
      expect(read.body.errors).toBeUndefined();
      expect(read.body.data.person).toEqual({ mobile: '138****8000', householdAddress: '湖南省长沙市****', maritalStatus: zhang.maritalStatus });
      expect(codeOf(await ask('public-security', MOBILE))).toBe('PURPOSE_REQUIRED');
      // Another provider's CONDITIONAL field still needs a grant.
      expect(codeOf(await ask('public-security', `{ person(idNumber: "${ZHANG}") { pension { status } } }`, '户籍核查'))).toBe('SHARE_DENIED');
      const log = await ask('public-security', '{ auditLog(first: 20) { records { consumer purpose fields decision } } }');
      expect(log.body.data.auditLog.records).toContainEqual({ consumer: 'public-security', purpose: '户籍核查', fields: expect.arrayContaining(['Person.mobile']), decision: 'ALLOWED' });
    });

    it('cannot apply for its own resource, so it can never approve its own raw grant', async () => {
      const applied = await ask('public-security', 'mutation { applyForAccess(input: { resource: "POP-PERSON", fields: ["Person.mobile"], purpose: "自查", raw: true }) { id } }', undefined, ['consumer', 'provider']);
      expect(codeOf(applied)).toBe('BAD_USER_INPUT');
      expect(applied.body.errors![0]!.message).toContain('its own');
      expect((await stack.state.grants.list({ consumer: 'public-security' }))).toEqual([]);
    });

    it('an admin cannot approve an application of its own department', async () => {
      const applied = await ask('data-bureau', 'mutation { applyForAccess(input: { resource: "POP-PERSON", fields: ["Person.mobile"], purpose: "平台运维", raw: true }) { id } }', undefined, ['admin']);
      const id = applied.body.data.applyForAccess.id;
      const reviewed = await ask('data-bureau', `mutation { reviewApplication(id: "${id}", approve: true) { status } }`, undefined, ['admin']);
      expect(codeOf(reviewed)).toBe('FORBIDDEN');
      expect((await stack.state.grants.list({ consumer: 'data-bureau' }))).toEqual([]);
    });
  });

  describe('only the provider role acts as a provider', () => {
    let applicationId: string;
    let issueId: string;
    beforeAll(async () => {
      applicationId = (await ask('market-regulation', 'mutation { applyForAccess(input: { resource: "SOC-INSURANCE", fields: ["Person.pension"], purpose: "登记核验" }) { id } }')).body.data.applyForAccess.id;
      issueId = (await ask('market-regulation', `mutation { reportDataIssue(input: { resource: "SOC-INSURANCE", coordinate: "Person.pension", recordKey: "${ZHANG}", description: "缴费月数有误" }) { id } }`)).body.data.reportDataIssue.id;
    });

    it('refuses a consumer-role token of the provider department everywhere a provider decides', async () => {
      const consumerOnly: Role[] = ['consumer'];
      const review = await ask('human-resources', `mutation { reviewApplication(id: "${applicationId}", approve: true) { status } }`, undefined, consumerOnly);
      expect(codeOf(review)).toBe('FORBIDDEN');
      expect(review.body.errors![0]!.message).toContain('provider role');
      expect(codeOf(await ask('human-resources', `mutation { resolveDataIssue(id: "${issueId}", resolution: CORRECTED, note: "已改") { status } }`, undefined, consumerOnly))).toBe('FORBIDDEN');
      expect(codeOf(await ask('human-resources', '{ applications(as: PROVIDER) { id } }', undefined, consumerOnly))).toBe('FORBIDDEN');
      expect(codeOf(await ask('human-resources', '{ dataIssues(as: PROVIDER) { id } }', undefined, consumerOnly))).toBe('FORBIDDEN');
      // Left unspecified, the list is the consumer side only.
      const mine = await ask('human-resources', '{ applications { id } dataIssues { id } }', undefined, consumerOnly);
      expect(mine.body.data).toEqual({ applications: [], dataIssues: [] });
      const [g] = await grant(stack, 'market-regulation', ['Person.medicalInsurance'], { purpose: '登记核验' });
      expect(codeOf(await ask('human-resources', `mutation { revokeGrant(id: "${g!.id}", reason: "x") { id } }`, undefined, consumerOnly))).toBe('FORBIDDEN');
      expect((await stack.state.grants.get(g!.id))!.revokedAt).toBeNull();
      expect((await ask('human-resources', '{ applications(as: PROVIDER) { id status } }', undefined, consumerOnly)).body.data ?? null).toBeNull();
      const pending = (await ask('market-regulation', '{ applications { id status } }')).body.data.applications;
      expect(pending).toContainEqual({ id: applicationId, status: 'PENDING' });
    });

    it('lets the same department decide with the provider role', async () => {
      const provider: Role[] = ['provider'];
      expect((await ask('human-resources', '{ applications(as: PROVIDER) { id } }', undefined, provider)).body.data.applications).toContainEqual({ id: applicationId });
      expect((await ask('human-resources', `mutation { reviewApplication(id: "${applicationId}", approve: true) { status } }`, undefined, provider)).body.data.reviewApplication.status).toBe('APPROVED');
      expect((await ask('human-resources', `mutation { resolveDataIssue(id: "${issueId}", resolution: CORRECTED, note: "已改") { status } }`, undefined, provider)).body.data.resolveDataIssue.status).toBe('RESOLVED');
    });
  });
});
