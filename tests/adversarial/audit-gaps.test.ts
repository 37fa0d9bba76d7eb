import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postGraphQL, startStack, STATE_KINDS, type Stack } from '../support/stack.ts';
import { as } from '../support/tokens.ts';
import { WELL_KNOWN } from '../support/fixtures.ts';

// Finding 6: a denial must always leave its audit record. An unused variable nested 6,000 deep made
// the digest throw; the denial then went unrecorded and allowed operations answered 503.
const ZHANG = WELL_KNOWN.persons[0]!;
const deepJson = (levels: number) => `${'{"a":'.repeat(levels)}"x"${'}'.repeat(levels)}`;

describe.each(STATE_KINDS)('no refusal without its audit record (%s state)', (stateKind) => {
  let stack: Stack;
  let n = 0;
  beforeAll(async () => { stack = await startStack({ state: stateKind, transport: 'inject' }); });
  afterAll(async () => { await stack?.close(); });

  /** Sends `query` named uniquely with the raw `variables` JSON text; returns the answer and its audit record. */
  async function send(selection: string, variablesJson: string, declare = '') {
    const name = `Probe${++n}`;
    const query = `query ${name}${declare} ${selection}`;
    const body = `{"query":${JSON.stringify(query)},"operationName":"${name}","variables":${variablesJson}}`;
    const response = await postGraphQL(`${stack.gatewayUrl}/graphql`, body, await as('tax', { purpose: '税务稽查' }));
    const { records } = await stack.state.audit.page({ first: 50, visibleTo: 'all' });
    return { response, record: records.find((r) => r.operationName === name), name };
  }

  it('records the refusal of a document with an unused variable nested 6,000 deep', async () => {
    const { response, record, name } = await send(`{ person(idNumber: "${ZHANG.idNumber}") { mobile } }`, `{"unused":${deepJson(6_000)}}`);
    expect(response.status).toBe(400);
    expect(response.body.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COMPLEX');
    expect(record).toMatchObject({ decision: 'DENIED', errorCode: 'QUERY_TOO_COMPLEX', consumer: 'tax', inputDigest: null });
    // and through the platform API, as an administrator reads it
    const log = await stack.query('{ auditLog(first: 50) { records { operationName decision } } }', {}, await as('data-bureau', { roles: ['admin'] }));
    expect(log.body.data.auditLog.records).toContainEqual({ operationName: name, decision: 'DENIED' });
  });

  it('records a SHARE_DENIED beside unused variables, digesting only the declared ones', async () => {
    const selection = '{ person(idNumber: $id) { mobile } }';
    const first = await send(selection, `{"id":"${ZHANG.idNumber}","junk":${deepJson(20)}}`, '($id: ID!)');
    const second = await send(selection, `{"id":"${ZHANG.idNumber}","other":[1,2,3]}`, '($id: ID!)');
    for (const { response, record } of [first, second]) {
      expect(response.status).toBe(403);
      expect(response.body.errors?.[0]?.extensions?.code).toBe('SHARE_DENIED');
      expect(record).toMatchObject({ decision: 'DENIED', errorCode: 'SHARE_DENIED', fields: ['Person.mobile', 'Query.person'] });
      expect(record!.inputDigest).toMatch(/^[0-9a-f]{64}$/);
    }
    expect(first.record!.inputDigest).toBe(second.record!.inputDigest);
    for (const value of [ZHANG.idNumber, ZHANG.mobile]) expect(JSON.stringify([first.record, second.record])).not.toContain(value);
  });

  it('serves and records an allowed operation sent with unused variables', async () => {
    const { response, record } = await send(`{ person(idNumber: "${ZHANG.idNumber}") { birthDate } }`, `{"unused":${deepJson(30)}}`);
    expect(response.status).toBe(200);
    expect(response.body.data.person.birthDate).toBe(ZHANG.birthDate);
    expect(record).toMatchObject({ decision: 'ALLOWED', inputDigest: null, fields: ['Person.birthDate', 'Query.person'] });
  });

  it.each([
    ['depth', `{ enterprise(uscc: "${WELL_KNOWN.enterprises[0]!.uscc}") { ${'legalRepresentative { enterprises { '.repeat(7)}name${' } }'.repeat(7)} } }`],
    ['cost', `{ persons(idNumbers: ${JSON.stringify(Array.from({ length: 200 }, () => ZHANG.idNumber))}) { name enterprises { name licenses { id number status } } } }`],
  ])('records a refusal over the %s limit', async (limit, selection) => {
    const { response, record } = await send(selection, '{}');
    expect(response.status).toBe(400);
    expect(response.body.errors?.[0]?.extensions?.limit).toBe(limit);
    expect(record).toMatchObject({ decision: 'DENIED', errorCode: 'QUERY_TOO_COMPLEX' });
  });
});
