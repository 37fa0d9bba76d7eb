import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../support/stack.ts';
import { as } from '../support/tokens.ts';

const ZHANG = '43010219850312123X';
/** Text that displays otherwise than it is stored: an override that reverses what follows, and an invisible space. */
const DISGUISED = ['同意：核对无误\u202E误无对核不', '已核\u200B对'];

/**
 * The free texts one party writes for another to decide on — a data issue's description, the provider's
 * note resolving it, the reason of a rejection, a revocation or an escalation — refuse bidirectional
 * overrides and invisible characters (pipeline/declared-text.ts) with BAD_USER_INPUT, and nothing changes.
 * Several lines stay allowed in them.
 */
describe('free texts that would display otherwise than they are stored', () => {
  let stack: Stack;
  const gql = async (department: string, query: string, variables: Record<string, unknown> = {}, roles?: Array<'consumer' | 'provider' | 'admin'>) =>
    (await stack.query(query, variables, await as(department, roles ? { roles } : {}))).body as any;
  const apply = async () => (await gql('tax', 'mutation { applyForAccess(input: { resource: "POP-PERSON", fields: ["Person.mobile"], purpose: "税务稽查" }) { id } }')).data.applyForAccess.id as string;

  beforeAll(async () => { stack = await startStack({ state: 'pglite' }); });
  afterAll(async () => { await stack?.close(); });

  it('a data issue\'s description, and the provider\'s note on it', async () => {
    const report = 'mutation($d: String!) { reportDataIssue(input: { resource: "POP-PERSON", coordinate: "Person.birthDate", recordKey: "' + ZHANG + '", description: $d }) { id } }';
    for (const text of DISGUISED) {
      const body = await gql('tax', report, { d: text });
      expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(body.errors[0].message).toMatch(/must read as it is stored/);
    }
    expect(JSON.stringify((await gql('tax', '{ dataIssues { description } }')).data)).not.toMatch(/[\u202E\u200B]/);
    const id = (await gql('tax', report, { d: '出生日期与户籍登记不符，\n请核对。' })).data.reportDataIssue.id;
    const resolve = 'mutation($id: ID!, $n: String!) { resolveDataIssue(id: $id, resolution: CONFIRMED_CORRECT, note: $n) { status } }';
    for (const text of DISGUISED) expect((await gql('public-security', resolve, { id, n: text }, ['provider'])).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect((await gql('tax', '{ dataIssues { id status } }')).data.dataIssues.find((i: { id: string }) => i.id === id).status).toBe('OPEN');
    expect((await gql('public-security', resolve, { id, n: '已核对户籍档案。\n登记无误。' }, ['provider'])).data.resolveDataIssue.status).toBe('RESOLVED');
  });

  it('the reason of a rejection and of a revocation', async () => {
    const review = 'mutation($id: ID!, $r: String) { reviewApplication(id: $id, approve: false, reason: $r) { status } }';
    const pending = await apply();
    for (const text of DISGUISED) expect((await gql('public-security', review, { id: pending, r: text }, ['provider'])).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const status = async (id: string) => (await gql('tax', '{ applications { id status } }')).data.applications.find((a: { id: string }) => a.id === id).status;
    expect(await status(pending)).toBe('PENDING');

    const approved = await gql('public-security', 'mutation($id: ID!) { reviewApplication(id: $id, approve: true) { grant { id } } }', { id: pending }, ['provider']);
    const grant = approved.data.reviewApplication.grant.id as string;
    const revoke = 'mutation($id: ID!, $r: String!) { revokeGrant(id: $id, reason: $r) { active } }';
    for (const text of DISGUISED) expect((await gql('public-security', revoke, { id: grant, r: text }, ['provider'])).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const mobile = (await stack.query(`{ person(idNumber: "${ZHANG}") { mobile } }`, {}, await as('tax', { purpose: '税务稽查' }))).body as any;
    expect(mobile.errors).toBeUndefined(); // the grant still holds
    expect(mobile.data.person.mobile).not.toBeNull();
    expect((await gql('public-security', revoke, { id: grant, r: '稽查结束。\n不再需要。' }, ['provider'])).data.revokeGrant.active).toBe(false);
  });
});
