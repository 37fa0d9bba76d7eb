import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POSTGRES_URL } from './support/databases.ts';
import { startStack, type Stack } from './support/stack.ts';
import { WELL_KNOWN, enterpriseByUscc, personById } from './support/fixtures.ts';
import { allConditional, grant } from './support/grants.ts';
import { as } from './support/tokens.ts';
import { maskValue } from '../schema/masking.ts';

/** The query: one request that crosses population, legal-entity, credit, e-license, housing, social-security and civil-affairs. */
export const CROSS_SUBGRAPH_QUERY = `query Cross($id: ID!) { person(idNumber: $id) {
  name birthDate maritalStatus dishonestDebtor
  enterprises { name creditRating insuredEmployeeCount licenses { type status } legalRepresentative { name } }
  properties { area owners { name } }
  pension { status paidMonths employer { name } }
  marriageRegistrations { kind spouse { name } } } }`;

/** What the fixture file says the answer must be, derived from the file rather than written out. */
export function expectedCrossSubgraphAnswer(idNumber: string) {
  const p = personById(idNumber);
  // Person.name is UNCONDITIONAL but masked (CONTRACT §5): no grant lifts that mask.
  const name = (id: string) => maskValue('NAME', personById(id).name);
  return {
    name: name(idNumber),
    birthDate: p.birthDate,
    maritalStatus: p.maritalStatus,
    dishonestDebtor: p.dishonestDebtor,
    enterprises: WELL_KNOWN.enterprises.filter((e) => e.legalRepresentative === idNumber)
      .sort((a, b) => a.uscc.localeCompare(b.uscc))
      .map((e) => ({
        name: e.name,
        creditRating: e.creditRating,
        insuredEmployeeCount: e.insuredEmployeeCount,
        licenses: WELL_KNOWN.licenses.filter((l) => l.holder.enterprise === e.uscc)
          .sort((a, b) => a.id.localeCompare(b.id)).map((l) => ({ type: l.type, status: l.status })),
        legalRepresentative: { name: name(e.legalRepresentative) },
      })),
    properties: WELL_KNOWN.properties.filter((pr) => pr.owners.includes(idNumber))
      .sort((a, b) => a.certificateNumber.localeCompare(b.certificateNumber))
      .map((pr) => ({ area: pr.area, owners: pr.owners.map((o: string) => ({ name: name(o) })) })),
    pension: {
      status: p.pension.status,
      paidMonths: p.pension.paidMonths,
      employer: p.pension.employer ? { name: enterpriseByUscc(p.pension.employer).name } : null,
    },
    marriageRegistrations: p.marriageRegistrations.map((m: any) => ({ kind: m.kind, spouse: { name: name(m.spouse) } })),
  };
}

const databases = ['pglite', ...(POSTGRES_URL ? ['postgres'] as const : [])] as const;

describe.each(databases)('a query across five subgraphs on %s', (database) => {
  let stack: Stack;
  let headers: Record<string, string>;
  beforeAll(async () => {
    stack = await startStack({ database, transport: 'inject' });
    // The query reads CONDITIONAL fields of four providers: the consumer holds raw grants for them.
    await grant(stack, 'tax', allConditional(stack), { raw: true, purpose: '联合审核' });
    headers = await as('tax', { purpose: '联合审核' });
  });
  afterAll(async () => { await stack?.close(); });

  it.each(WELL_KNOWN.persons.map((p) => p.idNumber))('returns the fixture values for %s', async (id) => {
    const { status, body } = await stack.query(CROSS_SUBGRAPH_QUERY, { id }, headers);
    expect(body.errors).toBeUndefined();
    expect(status).toBe(200);
    expect(body.data.person).toEqual(expectedCrossSubgraphAnswer(id));
  });

  it('returns null for a person who is not in the register', async () => {
    const { body } = await stack.query(CROSS_SUBGRAPH_QUERY, { id: WELL_KNOWN.absentPersons[0] }, headers);
    expect(body.errors).toBeUndefined();
    expect(body.data.person).toBeNull();
  });

  it('serves batch lookups in input order with null for unknown ids', async () => {
    const ids = [WELL_KNOWN.persons[2]!.idNumber, WELL_KNOWN.absentPersons[0], WELL_KNOWN.persons[0]!.idNumber];
    const { body } = await stack.query('query($ids: [ID!]!) { persons(idNumbers: $ids) { birthDate } }', { ids }, headers);
    expect(body.data.persons).toEqual([
      { birthDate: WELL_KNOWN.persons[2]!.birthDate }, null, { birthDate: WELL_KNOWN.persons[0]!.birthDate },
    ]);
  });

  it('refuses more than 1,000 ids in one batch with BAD_USER_INPUT', async () => {
    const ids = Array.from({ length: 1001 }, () => WELL_KNOWN.persons[0]!.idNumber);
    const { body } = await stack.query('query($ids: [ID!]!) { persons(idNumbers: $ids) { birthDate } }', { ids }, headers);
    expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    // A provider's own error text does not reach the consumer (CONTRACT §3 rule 6): the code and the path do.
    expect(body.errors?.[0]?.extensions?.provider).toBe('public-security');
    expect(body.errors?.[0]?.message).toContain('persons');
  });

  it('serves the enterprise side: dishonest records, revoked status and licenses', async () => {
    const revoked = WELL_KNOWN.enterprises.find((e) => e.status === 'REVOKED')!;
    const { body } = await stack.query(`query($u: ID!) { enterprise(uscc: $u) {
      uscc name status registeredCapital creditRating dishonestRecords { caseNumber court publishedOn obligation }
      licenses { id number status } } }`, { u: revoked.uscc }, headers);
    expect(body.errors).toBeUndefined();
    expect(body.data.enterprise).toEqual({
      uscc: revoked.uscc, name: revoked.name, status: revoked.status, registeredCapital: revoked.registeredCapital,
      creditRating: revoked.creditRating, dishonestRecords: revoked.dishonestRecords,
      licenses: WELL_KNOWN.licenses.filter((l) => l.holder.enterprise === revoked.uscc).map((l) => ({ id: l.id, number: l.number, status: l.status })),
    });
  });
});
