import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from './support/stack.ts';
import { WELL_KNOWN } from './support/fixtures.ts';
import { as } from './support/tokens.ts';

describe('NONE fields', () => {
  let stack: Stack;
  let headers: Record<string, string>;
  beforeAll(async () => { stack = await startStack({ transport: 'inject' }); headers = await as('tax'); });
  afterAll(async () => { await stack?.close(); });

  it('are not in the gateway schema', async () => {
    const { body } = await stack.query(`{ personType: __type(name: "Person") { fields { name } } enterpriseType: __type(name: "Enterprise") { fields { name } } }`, {}, headers);
    const personFields = body.data.personType.fields.map((f: { name: string }) => f.name);
    const enterpriseFields = body.data.enterpriseType.fields.map((f: { name: string }) => f.name);
    expect(personFields).toContain('mobile');
    expect(personFields).not.toContain('securityNote');
    expect(enterpriseFields).toContain('creditRating');
    expect(enterpriseFields).not.toContain('internalRiskScore');
  });

  it('cannot be queried, and the error names no NONE field', async () => {
    const { body } = await stack.query('query($id: ID!) { person(idNumber: $id) { securityNote } }', { id: WELL_KNOWN.persons[0]!.idNumber }, headers);
    expect(body.data).toBeUndefined();
    expect(body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    // A near miss must not be answered with "Did you mean securityNote?".
    const near = await stack.query('{ person(idNumber: "x") { securityNot } }', {}, headers);
    expect(JSON.stringify(near.body)).not.toContain('securityNote');
  });
});
