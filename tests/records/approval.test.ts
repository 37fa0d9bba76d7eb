import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, STATE_KINDS, type Stack } from '../support/stack.ts';
import { as } from '../support/tokens.ts';

const APPLY = 'mutation { applyForAccess(input: { resource: "POP-PERSON", fields: ["Person.mobile"], purpose: "税务稽查" }) { id } }';
const REVIEW = 'mutation($id: ID!) { reviewApplication(id: $id, approve: true) { status grant { id active } } }';

/** An approval writes the application's decision and its grant in one transaction (issue 11). */
describe.each(STATE_KINDS)('an approval and its grant (%s state)', (stateKind) => {
  let stack: Stack;
  beforeAll(async () => { stack = await startStack({ state: stateKind, transport: 'inject' }); });
  afterAll(async () => { await stack?.close(); });

  const gql = async (department: string, query: string, variables: Record<string, unknown> = {}, roles: Array<'consumer' | 'provider'> = ['consumer']) =>
    (await stack.query(query, variables, await as(department, { roles }))).body;

  it('is not approved when its grant cannot be written, and can be approved once it can', async () => {
    const id = (await gql('tax', APPLY)).data.applyForAccess.id as string;
    // The grants table refuses every new row: the approval's second write fails inside its transaction.
    await stack.database.db.exec('ALTER TABLE govshare.grants ADD CONSTRAINT refuse_all CHECK (false) NOT VALID');
    try {
      const refused = await gql('public-security', REVIEW, { id }, ['provider']);
      expect(refused.data ?? null).toBeNull();
      expect(refused.errors?.length).toBeGreaterThan(0);
    } finally {
      await stack.database.db.exec('ALTER TABLE govshare.grants DROP CONSTRAINT refuse_all');
    }
    // The decision was rolled back with it: still pending, no grant, and it can be decided now.
    expect((await stack.state.grants.list({ consumer: 'tax' })).filter((g) => g.applicationId === id)).toEqual([]);
    const mine = await gql('tax', '{ applications { id status grant { id } } }');
    expect(mine.data.applications).toContainEqual({ id, status: 'PENDING', grant: null });
    const approved = await gql('public-security', REVIEW, { id }, ['provider']);
    expect(approved.data.reviewApplication).toMatchObject({ status: 'APPROVED', grant: { active: true } });
    const grants = (await stack.state.grants.list({ consumer: 'tax' })).filter((g) => g.applicationId === id);
    expect(grants.map((g) => g.id)).toEqual([approved.data.reviewApplication.grant.id]);
  });
});
