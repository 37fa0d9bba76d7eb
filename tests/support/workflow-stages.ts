import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Role } from '../../gateway/identity/caller.ts';
import { startStack, type Stack, type StateKind } from './stack.ts';
import { as } from './tokens.ts';

/** Everything the workflow-stage tests read of an application. */
export const APPLICATION = `id status stage consumer provider resource deadline overdue decidedAt decidedBy reason escalationReason
  stages { name holder holderName startedAt deadline decidedAt decidedBy decision reason overdue extendedBy extensionReason extendedAt }
  grant { id active fields consumer }`;

/**
 * The settings the stage tests run under: the data authority pre-reviews in 2 working days, the
 * provider has 10 (51号), escalations 5, an extension at most 10.
 */
export const STAGED_WORKFLOW = {
  preReview: { reviewer: 'data-bureau', workingDays: 2 },
  providerReview: { workingDays: 10 },
  escalation: { authority: 'data-bureau', workingDays: 5 },
  extension: { maxWorkingDays: 10 },
};

/**
 * A holiday file for 2027, which the built-in calendar (chinese-days, 2004–2026) does not know. The
 * dates are this test's own, not the State Council's: New Year's Day and 2027-01-11 off, Saturday
 * 2027-01-02 worked.
 */
export const HOLIDAYS_2027 = { holidays: ['2027-01-01', '2027-01-11'], workdays: ['2027-01-02'] };

export function writeJson(name: string, content: unknown): string {
  const file = join(mkdtempSync(join(tmpdir(), 'govshare-workflow-')), name);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

/** A clock the tests move: deadlines and overdue flags follow it, no test sleeps for days. */
export function movableClock(start: string) {
  let now = new Date(start).getTime();
  return { now: () => new Date(now), set: (iso: string) => { now = new Date(iso).getTime(); } };
}

/** The seven samples and a gateway under STAGED_WORKFLOW (or `workflow`) and HOLIDAYS_2027. */
export function startStagedStack(kind: StateKind, now: () => Date, workflow: unknown = STAGED_WORKFLOW): Promise<Stack> {
  return startStack({
    state: kind, now,
    gatewayEnv: { GOVSHARE_WORKFLOW: writeJson('workflow.json', workflow), GOVSHARE_HOLIDAYS: writeJson('holidays.json', HOLIDAYS_2027) },
  });
}

type Body = { data?: any; errors?: Array<{ message: string; extensions?: Record<string, any> }> };

/** The platform API as the stage tests call it: one function per mutation, each with the caller's roles. */
export function workflowClient(stack: Stack) {
  const gql = async (department: string, roles: Role[], query: string, variables: Record<string, unknown> = {}, purpose?: string): Promise<Body> =>
    (await stack.query(query, variables, await as(department, { roles, ...(purpose ? { purpose } : {}) }))).body;
  // The roles each party's officer holds: the data authority's are admin, a provider's provider.
  const AUTHORITY: Role[] = ['admin'];
  const PROVIDER: Role[] = ['provider'];
  const CONSUMER: Role[] = ['consumer'];
  return {
    gql,
    AUTHORITY, PROVIDER, CONSUMER,
    apply: (consumer: string, resource: string, fields: string[], purpose = '税务稽查') =>
      gql(consumer, CONSUMER, `mutation($i: AccessApplicationInput!) { applyForAccess(input: $i) { ${APPLICATION} } }`, { i: { resource, fields, purpose } }),
    review: (department: string, roles: Role[], id: string, approve: boolean, reason?: string) =>
      gql(department, roles, `mutation($id: ID!, $a: Boolean!, $r: String) { reviewApplication(id: $id, approve: $a, reason: $r) { ${APPLICATION} } }`, { id, a: approve, r: reason ?? null }),
    extend: (department: string, roles: Role[], id: string, workingDays: number, reason: string) =>
      gql(department, roles, `mutation($id: ID!, $d: Int!, $r: String!) { extendDeadline(id: $id, workingDays: $d, reason: $r) { ${APPLICATION} } }`, { id, d: workingDays, r: reason }),
    escalate: (department: string, roles: Role[], id: string, reason: string) =>
      gql(department, roles, `mutation($id: ID!, $r: String!) { escalateApplication(id: $id, reason: $r) { ${APPLICATION} } }`, { id, r: reason }),
    decide: (department: string, roles: Role[], id: string, approve: boolean, reason: string) =>
      gql(department, roles, `mutation($id: ID!, $a: Boolean!, $r: String!) { decideEscalation(id: $id, approve: $a, reason: $r) { ${APPLICATION} } }`, { id, a: approve, r: reason }),
    /** The application as its consumer reads it. */
    read: async (consumer: string, id: string) =>
      ((await gql(consumer, CONSUMER, `{ applications(as: CONSUMER) { ${APPLICATION} } }`)).data!.applications as Array<{ id: string }>).find((a) => a.id === id) as any,
  };
}

/** The `extensions.code` of a refused call, or "ok". */
export const outcome = (body: Body): string => body.errors?.[0]?.extensions?.code ?? 'ok';

/**
 * Distinct (consumer, resource, field) combinations, so that no test's application is refused as a
 * duplicate of another test's still pending one. CIV-ASSISTANCE is left to tests that count it.
 */
export function applicationCases() {
  const fields: Array<[resource: string, field: string, provider: string]> = [
    ['POP-PERSON', 'Person.householdAddress', 'public-security'], ['POP-PERSON', 'Person.maritalStatus', 'public-security'],
    ['POP-PERSON', 'Query.verifyPersons', 'public-security'], ['ENT-ENTERPRISE', 'Enterprise.contactPhone', 'market-regulation'],
    ['ENT-ENTERPRISE', 'Query.verifyEnterprises', 'market-regulation'], ['SOC-INSURANCE', 'Person.pension', 'human-resources'],
    ['SOC-INSURANCE', 'Person.medicalInsurance', 'human-resources'], ['HSE-PROPERTY', 'Person.properties', 'housing'],
    ['HSE-PROPERTY', 'Query.verifyPropertyOwnership', 'housing'],
  ];
  const consumers = ['tax', 'development-reform', 'civil-affairs', 'housing', 'market-regulation', 'human-resources', 'public-security'];
  const all = consumers.flatMap((consumer) => fields.filter(([, , provider]) => provider !== consumer)
    .map(([resource, field, provider]) => ({ consumer, resource, field, provider })));
  let next = 0;
  return () => {
    const found = all[next++];
    if (!found) throw new Error('applicationCases: every combination is used; add more');
    return found;
  };
}
