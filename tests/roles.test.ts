import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, subgraphDbQueries, type Stack } from './support/stack.ts';
import { as, testToken, tokenWith } from './support/tokens.ts';
import type { Role } from '../gateway/identity/caller.ts';

const ZHANG = '43010219850312123X';
const XINGCHENG = '91430100MA4L00011K';

/**
 * GB/T 39477 §6.2 (管理/审计/操作) under both settings: CONTRACT §6's default, where admin reads every
 * audit record, and GOVSHARE_SEPARATE_ROLES=true, where only the auditor does. The rules do not depend on
 * where the records live, so one state kind is enough here (the recall and subject log suites run both).
 */
describe.each([false, true])('separated roles (GOVSHARE_SEPARATE_ROLES=%s)', (separate) => {
  let stack: Stack;
  let taxRecord: string;
  let ownRecord: string;
  const gql = async (department: string, query: string, variables: Record<string, unknown> = {}, roles?: Role[]): Promise<any> =>
    (await stack.query(query, variables, await as(department, { ...(roles ? { roles } : {}), purpose: '核查' }))).body;
  const auditIds = async (department: string, roles: Role[]) =>
    ((await gql(department, '{ auditLog(first: 500) { records { id } } }', {}, roles)).data.auditLog.records as Array<{ id: string }>).map((r) => r.id);
  const lastRecord = async (operationName: string) => {
    const [row] = await stack.database.db.query<{ seq: string }>(
      `SELECT seq::text AS seq FROM govshare.audit_records WHERE record->>'operationName' = $1 ORDER BY seq DESC LIMIT 1`, [operationName]);
    return row!.seq;
  };

  beforeAll(async () => {
    stack = await startStack({ gatewayConfig: { separateRoles: separate } });
    expect((await gql('tax', `query TaxRead { person(idNumber: "${ZHANG}") { name } }`)).errors).toBeUndefined();
    taxRecord = await lastRecord('TaxRead');
    expect((await gql('data-bureau', `query BureauRead { enterprise(uscc: "${XINGCHENG}") { name licenses { title } } }`)).errors).toBeUndefined();
    ownRecord = await lastRecord('BureauRead');
  });
  afterAll(async () => { await stack?.close(); });

  it('the auditor reads every audit record and checkpoint', async () => {
    const ids = await auditIds('housing', ['auditor']);
    expect(ids).toEqual(expect.arrayContaining([taxRecord, ownRecord]));
    const full = await gql('housing', '{ verifyAuditChain(full: true) { ok from } auditCheckpoints(first: 5) { sequence } }', {}, ['auditor']);
    expect(full.errors).toBeUndefined();
    expect(full.data.verifyAuditChain).toEqual({ ok: true, from: 1 });
    const evidence = await gql('housing', 'query($id: ID!) { exportAuditEvidence(id: $id) { record { id consumer } } }', { id: taxRecord }, ['auditor']);
    expect(evidence.data.exportAuditEvidence.record).toEqual({ id: taxRecord, consumer: 'tax' });
  });

  it('the auditor and the security admin are refused everything else, before anything runs, and each refusal is audited', async () => {
    const refusedToBoth = [
      `{ person(idNumber: "${ZHANG}") { name } }`,
      `{ enterprise(uscc: "${XINGCHENG}") { name } }`,
      '{ applications { id } }', '{ dataIssues { id } }', '{ notices { id } }', '{ evaluation { department } }',
      '{ subgraphs { name } }', '{ supergraphHistory { at } }',
      `{ subjectAccessLog(subjectKey: "${ZHANG}") { entries { consumer } } }`,
      'mutation { applyForAccess(input: { resource: "POP-PERSON", fields: ["Person.mobile"], purpose: "核查" }) { id } }',
      'mutation { reviewApplication(id: "x", approve: true) { id } }',
      'mutation { revokeGrant(id: "x", reason: "r") { id } }',
      'mutation { reportDataIssue(input: { resource: "POP-PERSON", coordinate: "Person.name", recordKey: "k", description: "d" }) { id } }',
      'mutation { resolveDataIssue(id: "x", resolution: CORRECTED, note: "n") { id } }',
      'mutation { publishSubgraph(name: "x", url: "http://127.0.0.1:1/graphql") { ok } }',
      'mutation { unpublishSubgraph(name: "x") { ok } }',
      'mutation { rollbackSupergraph(version: "x") { ok } }',
      'mutation { markNoticeRead(id: "x") { id } }',
      // One refused field refuses the whole operation, the allowed ones with it.
      `{ auditLog(first: 1) { records { id } } person(idNumber: "${ZHANG}") { name } }`,
    ];
    const refusedToSecurity = ['{ auditLog(first: 1) { records { id } } }', '{ verifyAuditChain { ok } }', '{ auditCheckpoints { sequence } }',
      `{ exportAuditEvidence(id: "${taxRecord}") { record { id } } }`];
    for (const [role, queries] of [['auditor', refusedToBoth], ['security-admin', [...refusedToBoth, ...refusedToSecurity]]] as const) {
      for (const query of queries) {
        const dbBefore = await subgraphDbQueries(stack.subgraphs);
        const response = await stack.query(query, {}, await as('data-bureau', { roles: [role], purpose: '核查' }));
        expect(response.body.data ?? null, `${role}: ${query}`).toBeNull();
        expect(response.body.errors![0]!.extensions!.code, `${role}: ${query}`).toBe('FORBIDDEN');
        expect(response.status).toBe(403);
        expect(response.body.errors![0]!.message).toContain(`the ${role} role may not ask for`);
        expect(await subgraphDbQueries(stack.subgraphs), `${role}: ${query} reached a subgraph`).toBe(dbBefore);
      }
    }
    const [denied] = await stack.database.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM govshare.audit_records WHERE record->>'consumer' = 'data-bureau' AND record->>'decision' = 'DENIED' AND record->>'errorCode' = 'FORBIDDEN'`);
    expect(Number(denied!.n)).toBeGreaterThanOrEqual(refusedToBoth.length * 2 + refusedToSecurity.length);
    // What they may do.
    const me = await gql('data-bureau', '{ me { code roles } catalog { code } }', {}, ['security-admin']);
    expect(me.data.me).toEqual({ code: 'data-bureau', roles: ['security-admin'] });
    expect(me.data.catalog.length).toBeGreaterThan(0);
  });

  it('a token holding auditor or security-admin holds no other role', async () => {
    for (const roles of [['auditor', 'consumer'], ['auditor', 'admin'], ['security-admin', 'provider'], ['auditor', 'security-admin']]) {
      const token = await tokenWith({ sub: 'data-bureau', roles, exp: Math.floor(Date.now() / 1000) + 600 });
      const response = await stack.query('{ me { code } }', {}, { authorization: `Bearer ${token}` });
      expect(response.status, roles.join()).toBe(401);
      expect(response.body.errors![0]!.message).toContain('role is held alone');
      await expect(testToken('data-bureau', { roles: roles as Role[] })).rejects.toThrow(/held alone/);
    }
    // Repeated, it is still the one role.
    const token = await tokenWith({ sub: 'data-bureau', roles: ['auditor', 'auditor'], exp: Math.floor(Date.now() / 1000) + 600 });
    expect((await stack.query('{ me { roles } }', {}, { authorization: `Bearer ${token}` })).body.data.me.roles).toEqual(['auditor']);
  });

  it(`admin ${separate ? 'reads only its own department\'s audit records' : 'reads every audit record (CONTRACT §6)'}`, async () => {
    const ids = await auditIds('data-bureau', ['admin']);
    expect(ids).toContain(ownRecord);
    const full = await gql('data-bureau', '{ verifyAuditChain(full: true) { ok } }', {}, ['admin']);
    const evidence = await gql('data-bureau', 'query($id: ID!) { exportAuditEvidence(id: $id) { record { id } } }', { id: taxRecord }, ['admin']);
    if (separate) {
      expect(ids).not.toContain(taxRecord);
      expect(full.errors[0].extensions.code).toBe('FORBIDDEN');
      expect(full.errors[0].message).toContain('the auditor role');
      expect(evidence.errors[0].extensions.code).toBe('FORBIDDEN');
    } else {
      expect(ids).toContain(taxRecord);
      expect(full.data.verifyAuditChain.ok).toBe(true);
      expect(evidence.data.exportAuditEvidence.record.id).toBe(taxRecord);
    }
    // A plain consumer of data-bureau sees the same own records under both settings.
    expect(await auditIds('data-bureau', ['consumer'])).not.toContain(taxRecord);
  });

  it('admin still manages the workflow and publishing under both settings', async () => {
    const applied = await gql('tax', 'mutation { applyForAccess(input: { resource: "POP-PERSON", fields: ["Person.householdAddress"], purpose: "核查" }) { id } }');
    const reviewed = await gql('data-bureau', 'mutation($id: ID!) { reviewApplication(id: $id, approve: false, reason: "用途不明") { status decidedBy } }',
      { id: applied.data.applyForAccess.id }, ['admin']);
    expect(reviewed.data.reviewApplication).toEqual({ status: 'REJECTED', decidedBy: 'data-bureau' });
    const unpublished = await gql('data-bureau', 'mutation { unpublishSubgraph(name: "no-such-subgraph") { ok } }', {}, ['admin']);
    // Past the role check: the publisher itself answers that there is no such subgraph.
    expect(unpublished.errors[0]).toMatchObject({ message: 'no published subgraph "no-such-subgraph"', extensions: { code: 'BAD_USER_INPUT' } });
    const inbox = await gql('data-bureau', '{ applications(as: PROVIDER) { id } subgraphs { name url } }', {}, ['admin']);
    expect(inbox.errors).toBeUndefined();
    expect(inbox.data.subgraphs.every((s: { url: string | null }) => s.url !== null)).toBe(true);
  });

  it(`${separate ? 'hides' : 'shows'} who was recalled from an admin of another department`, async () => {
    expect((await gql('housing', `{ person(idNumber: "${ZHANG}") { ethnicity } }`)).errors).toBeUndefined();
    const reported = await gql('tax', 'mutation { reportDataIssue(input: { resource: "POP-PERSON", coordinate: "Person.ethnicity", recordKey: "43010219850312123X", description: "民族有误" }) { id } }');
    const id = reported.data.reportDataIssue.id;
    const resolved = await gql('public-security', 'mutation($id: ID!) { resolveDataIssue(id: $id, resolution: CORRECTED, note: "已更正") { recalled { consumer } } }', { id }, ['provider']);
    expect(resolved.data.resolveDataIssue.recalled).toEqual([{ consumer: 'housing' }]);
    const byAdmin = await gql('data-bureau', '{ dataIssues(as: PROVIDER) { id recalled { consumer } } }', {}, ['admin']);
    const seen = byAdmin.data.dataIssues.find((d: { id: string }) => d.id === id);
    expect(seen.recalled).toEqual(separate ? null : [{ consumer: 'housing' }]);
  });

  it('a service desk reads subject access logs and nothing more than its department may', async () => {
    const log = await gql('data-bureau', `{ subjectAccessLog(subjectKey: "${ZHANG}") { entries { consumer } } }`, {}, ['service-desk']);
    expect(log.data.subjectAccessLog.entries.map((e: { consumer: string }) => e.consumer)).toContain('tax');
    const applied = await gql('tax', 'mutation { applyForAccess(input: { resource: "POP-PERSON", fields: ["Person.maritalStatus"], purpose: "核查" }) { id } }');
    const review = await gql('public-security', 'mutation($id: ID!) { reviewApplication(id: $id, approve: true) { status } }', { id: applied.data.applyForAccess.id }, ['service-desk']);
    expect(review.errors[0].extensions.code).toBe('FORBIDDEN');
    expect(await auditIds('data-bureau', ['service-desk'])).not.toContain(taxRecord);
    const full = await gql('data-bureau', '{ verifyAuditChain(full: true) { ok } }', {}, ['service-desk']);
    expect(full.errors[0].extensions.code).toBe('FORBIDDEN');
  });

  it('a provider officer acts for its own department only, and a consumer officer not even there', async () => {
    const applied = await gql('tax', 'mutation { applyForAccess(input: { resource: "CRD-CREDIT", fields: [], purpose: "核查" }) { id } }');
    expect(applied.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    const own = await gql('tax', 'mutation { applyForAccess(input: { resource: "POP-PERSON", fields: ["Person.mobile"], purpose: "核查：角色" }) { id } }');
    const id = own.data.applyForAccess.id;
    for (const [department, roles] of [['housing', ['provider']], ['public-security', ['consumer']], ['public-security', ['service-desk']]] as const) {
      const body = await gql(department, 'mutation($id: ID!) { reviewApplication(id: $id, approve: true) { status } }', { id }, [...roles]);
      expect(body.errors[0].extensions.code, `${department} ${roles}`).toBe('FORBIDDEN');
    }
    const log = await gql('public-security', `{ subjectAccessLog(subjectKey: "${ZHANG}") { entries { consumer } } }`, {}, ['consumer']);
    expect(log.errors[0].extensions.code).toBe('FORBIDDEN');
    const approved = await gql('public-security', 'mutation($id: ID!) { reviewApplication(id: $id, approve: true) { status } }', { id }, ['provider']);
    expect(approved.data.reviewApplication.status).toBe('APPROVED');
  });
});
