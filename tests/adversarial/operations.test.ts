import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postGraphQL, startStack, STATE_KINDS, type Stack } from '../support/stack.ts';
import { as } from '../support/tokens.ts';
import { WELL_KNOWN } from '../support/fixtures.ts';

// Finding 12 and the pipeline part of 14: whatever the policy stage did not analyse does not
// execute, and no malformed or unsupported request answers HTTP 500 or a code outside CONTRACT §8.
const CONTRACT_CODES = new Set(['UNAUTHENTICATED', 'FORBIDDEN', 'SHARE_DENIED', 'PURPOSE_REQUIRED', 'BAD_USER_INPUT',
  'GRAPHQL_VALIDATION_FAILED', 'GRAPHQL_PARSE_FAILED', 'QUERY_TOO_COMPLEX', 'RATE_LIMITED', 'AUDIT_UNAVAILABLE',
  'POLICY_UNAVAILABLE', 'UNCLASSIFIED_FIELD', 'INVALID_COMPARE_RESULT', 'DUPLICATE_OWNER', 'COMPOSITION_ERROR',
  'SUBGRAPH_UNREACHABLE', 'BREAKING_CHANGE']);
const ZHANG = WELL_KNOWN.persons[0]!;
const RAW = [ZHANG.mobile, ZHANG.name, ZHANG.householdAddress] as string[];
const READ = `{ person(idNumber: "${ZHANG.idNumber}") { name mobile householdAddress } }`;
const APPLY = 'mutation { applyForAccess(input: { resource: "POP-PERSON", fields: ["Person.mobile"], purpose: "税务稽查" }) { id } }';

describe.each(STATE_KINDS)('operations the policy stage must decide (%s state)', (stateKind) => {
  let stack: Stack;
  beforeAll(async () => { stack = await startStack({ state: stateKind }); });
  afterAll(async () => { await stack?.close(); });

  const post = async (body: unknown, department = 'tax') =>
    postGraphQL(`${stack.gatewayUrl}/graphql`, body, await as(department, { purpose: '税务稽查' }));
  const get = async (params: Record<string, string>, extraHeaders: Record<string, string> = { 'apollo-require-preflight': 'true' }) => {
    const response = await fetch(`${stack.gatewayUrl}/graphql?${new URLSearchParams(params)}`, {
      headers: { ...(await as('tax', { purpose: '税务稽查' })), ...extraHeaders },
    });
    return { status: response.status, text: await response.text() };
  };
  const applications = async () => (await stack.query('{ applications(as: CONSUMER) { id } }', {}, await as('tax'))).body.data.applications.length;

  it('refuses a CONDITIONAL read sent with operationName "" (POST) like any other', async () => {
    const { status, body } = await post({ query: READ, operationName: '' });
    expect(status).toBe(403);
    expect(body.errors?.[0]?.extensions?.code).toBe('SHARE_DENIED');
    for (const value of RAW) expect(JSON.stringify(body)).not.toContain(value);
  });

  it('refuses it with &operationName= on GET', async () => {
    const { status, text } = await get({ query: READ, operationName: '' });
    expect(status).toBe(403);
    expect(JSON.parse(text).errors[0].extensions.code).toBe('SHARE_DENIED');
    for (const value of RAW) expect(text).not.toContain(value);
  });

  it('runs a mutation sent with operationName "" only through the policy stage, which records it', async () => {
    const before = await applications();
    const { status, body } = await post({ query: APPLY, operationName: '' });
    expect(status).toBe(200);
    expect(body.data.applyForAccess.id).toBeTruthy();
    expect(await applications()).toBe(before + 1);
    const { records } = await stack.state.audit.page({ first: 20, visibleTo: 'all' });
    expect(records.some((r) => r.kind === 'DATA' && r.decision === 'ALLOWED' && r.fields.includes('Mutation.applyForAccess'))).toBe(true);
  });

  it.each([
    ['an unknown operationName', { query: `query A ${READ}`, operationName: 'B' }],
    ['operationName "" on a document with two operations', { query: `query A ${READ} mutation B ${APPLY.slice('mutation '.length)}`, operationName: '' }],
    ['no operationName on a document with two operations', { query: `query A ${READ} mutation B ${APPLY.slice('mutation '.length)}` }],
  ])('refuses %s with HTTP 400 and executes nothing', async (_, request) => {
    const before = await applications();
    const { status, body } = await post(request);
    expect(status).toBe(400);
    expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(body.data ?? null).toBeNull();
    for (const value of RAW) expect(JSON.stringify(body)).not.toContain(value);
    expect(await applications()).toBe(before);
  });

  describe('every bad input answers a §8 code, never HTTP 500', () => {
    const huge = `{ person(idNumber: "${ZHANG.idNumber}") { ${'birthDate '.repeat(7_000)} } }`;
    const hash = createHash('sha256').update('{ me { code } }').digest('hex');
    const cases: Array<[string, () => Promise<{ status: number; text: string }>]> = [
      ['malformed JSON', () => raw('{"query": ')],
      ['a batch array', () => raw(JSON.stringify([{ query: '{ me { code } }' }, { query: '{ me { code } }' }]))],
      ['an empty body', () => raw('{}')],
      ['a query that is not a string', () => raw(JSON.stringify({ query: 42 }))],
      ['variables that are not an object', () => raw(JSON.stringify({ query: '{ me { code } }', variables: [1] }))],
      ['wrong variable types', () => raw(JSON.stringify({ query: 'query($n: Int!) { person(idNumber: $n) { name } }', variables: { n: 'x' } }))],
      ['a missing required variable', () => raw(JSON.stringify({ query: 'query($id: ID!) { person(idNumber: $id) { name } }' }))],
      ['a syntax error', () => raw(JSON.stringify({ query: '{ person(idNumber: ' }))],
      ['an unknown field', () => raw(JSON.stringify({ query: `{ person(idNumber: "${ZHANG.idNumber}") { nickname } }` }))],
      ['a NONE field', () => raw(JSON.stringify({ query: `{ person(idNumber: "${ZHANG.idNumber}") { securityNote } }` }))],
      ['an unknown operation', () => raw(JSON.stringify({ query: 'query A { me { code } }', operationName: 'Z' }))],
      ['a subscription', () => raw(JSON.stringify({ query: 'subscription { me { code } }' }))],
      ['a subscription named by operationName', () => raw(JSON.stringify({ query: 'query A { me { code } } subscription B { me { code } }', operationName: 'B' }))],
      ['a mutation over GET', () => get({ query: APPLY })],
      // A GET query without the preflight header is served now (it carries Authorization); a GET mutation is still refused.
      ['a GET mutation without the CSRF preflight header', () => get({ query: APPLY }, {})],
      ['a GET without a query', () => get({})],
      ['a huge document', () => raw(JSON.stringify({ query: huge }))],
      ['a persisted-query hash alone', () => raw(JSON.stringify({ extensions: { persistedQuery: { version: 1, sha256Hash: hash } } }))],
      ['a persisted query with its text', () => raw(JSON.stringify({ query: '{ me { code } }', extensions: { persistedQuery: { version: 1, sha256Hash: hash } } }))],
      ['a persisted query of another version', () => raw(JSON.stringify({ extensions: { persistedQuery: { version: 2, sha256Hash: 'x' } } }))],
      ['an unsupported content type', () => raw('query=%7Bme%7Bcode%7D%7D', 'application/x-www-form-urlencoded')],
    ];
    async function raw(body: string, contentType = 'application/json') {
      const response = await fetch(`${stack.gatewayUrl}/graphql`, {
        method: 'POST', body, headers: { 'content-type': contentType, ...(await as('tax', { purpose: '税务稽查' })) },
      });
      return { status: response.status, text: await response.text() };
    }

    // GraphQL over HTTP: a well-formed request whose document fails (parse, validation, variable
    // coercion) is answered 200 under application/json, which these requests accept (`*/*`).
    const documentFailures = new Set(['wrong variable types', 'a missing required variable', 'a syntax error', 'an unknown field', 'a NONE field']);
    it.each(cases)('%s', async (name, send) => {
      const { status, text } = await send();
      if (documentFailures.has(name)) {
        expect(status, text).toBe(200);
      } else {
        expect(status, text).toBeGreaterThanOrEqual(400);
        expect(status, text).toBeLessThan(500);
      }
      const body = JSON.parse(text) as { data?: unknown; errors?: Array<{ extensions?: { code?: string } }> };
      expect(body.data ?? null).toBeNull();
      expect(body.errors?.length, text).toBeGreaterThan(0);
      for (const error of body.errors!) expect(CONTRACT_CODES.has(String(error.extensions?.code)), text).toBe(true);
      for (const value of RAW) expect(text).not.toContain(value);
    });
  });
});
