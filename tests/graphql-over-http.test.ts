import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverAudits, type AuditResult } from 'graphql-http';
import { responseMediaType } from '../gateway/http/graphql-over-http.ts';
import { startStack, STATE_KINDS, type Stack } from './support/stack.ts';
import { as } from './support/tokens.ts';
import { grant } from './support/grants.ts';
import { rawRequest } from './support/raw-http.ts';
import { WELL_KNOWN } from './support/fixtures.ts';

/**
 * Issue 15 part 2: the gateway speaks the GraphQL-over-HTTP spec — graphql-http's own audit suite
 * finds no error and no warning — while every CONTRACT §8 refusal keeps its status, GET serves
 * queries as POST does (masked, audited), and no mutation runs over GET.
 */
const JSON_TYPE = 'application/json';
const GRAPHQL_RESPONSE = 'application/graphql-response+json';
const ZHANG = WELL_KNOWN.persons[0]!;
const PURPOSE = '税务稽查';

/** The notices graphql-http may still report, each explained in the README ("GraphQL over HTTP"). */
const EXPLAINED_NOTICES: ReadonlySet<string> = new Set();

describe('responseMediaType: the Accept header, negotiated as Apollo does for the two GraphQL types', () => {
  it.each([
    [undefined, JSON_TYPE], ['', JSON_TYPE], ['*/*', JSON_TYPE], ['application/*', JSON_TYPE], [JSON_TYPE, JSON_TYPE],
    ['application/json; charset=utf-8', JSON_TYPE], [GRAPHQL_RESPONSE, GRAPHQL_RESPONSE],
    [`${GRAPHQL_RESPONSE}, ${JSON_TYPE}`, GRAPHQL_RESPONSE], [`${JSON_TYPE}, ${GRAPHQL_RESPONSE}`, JSON_TYPE],
    [`${JSON_TYPE};q=0.9, ${GRAPHQL_RESPONSE}`, GRAPHQL_RESPONSE], [`${GRAPHQL_RESPONSE};q=0.5, */*`, JSON_TYPE],
    [`${JSON_TYPE};q=0, */*`, GRAPHQL_RESPONSE], ['text/html', null], [`text/html, ${JSON_TYPE};q=0`, null], ['*/*;q=0', null],
  ])('Accept %j → %s', (accept, expected) => {
    expect(responseMediaType(accept)).toBe(expected);
  });
});

describe.each(STATE_KINDS)('GraphQL over HTTP (%s state)', (stateKind) => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ state: stateKind });
    await grant(stack, 'housing', ['Person.mobile'], { purpose: PURPOSE });
  });
  afterAll(async () => { await stack?.close(); });

  const auditRecords = async () => (await stack.state.audit.page({ first: 500, visibleTo: 'all' })).records;

  /** A GraphQL answer as the tests read it: status, content type, the parsed body. */
  interface Answer { status: number; contentType: string; body: any; headers: Headers }

  async function post(body: unknown, accept: string | null, department = 'tax', purpose: string | null = PURPOSE): Promise<Answer> {
    const headers = { 'content-type': 'application/json', ...(await as(department, purpose === null ? {} : { purpose })) };
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    if (accept === null) {
      // fetch always sends an Accept (`*/*`); only a raw request can leave it out.
      const response = await rawRequest(Number(new URL(stack.gatewayUrl).port), { method: 'POST', target: '/graphql', headers, body: text });
      return { status: response.status, contentType: response.headers['content-type'] ?? '', body: JSON.parse(response.body), headers: new Headers(response.headers) };
    }
    const response = await fetch(`${stack.gatewayUrl}/graphql`, { method: 'POST', headers: { ...headers, accept }, body: text });
    return { status: response.status, contentType: response.headers.get('content-type') ?? '', body: await response.json(), headers: response.headers };
  }

  async function get(params: Record<string, string>, accept = JSON_TYPE, headers?: Record<string, string>): Promise<Answer> {
    const response = await fetch(`${stack.gatewayUrl}/graphql?${new URLSearchParams(params)}`, {
      headers: { accept, ...(headers ?? await as('tax', { purpose: PURPOSE })) },
    });
    return { status: response.status, contentType: response.headers.get('content-type') ?? '', body: await response.json(), headers: response.headers };
  }

  it('graphql-http serverAudits: 0 errors, 0 warnings; every notice listed and explained', async () => {
    const credentials = await as('tax', { purpose: PURPOSE });
    const fetchFn = (input: string | URL | Request, init: RequestInit = {}) => {
      const headers = new Headers(init.headers);
      for (const [name, value] of Object.entries(credentials)) headers.set(name, value);
      return fetch(input, { ...init, headers });
    };
    const results: AuditResult[] = [];
    for (const audit of serverAudits({ url: `${stack.gatewayUrl}/graphql`, fetchFn })) results.push(await audit.fn());
    const by = (status: AuditResult['status']) => results.filter((r) => r.status === status);
    const describe = async (r: AuditResult) => r.status === 'ok' ? `${r.id} ${r.name}`
      : `${r.id} ${r.name}: ${r.reason} (HTTP ${r.response.status}: ${(await r.response.clone().text().catch(() => '')).slice(0, 200)})`;
    const notices = await Promise.all(by('notice').map(describe));
    console.log(`graphql-http serverAudits: ${by('ok').length} ok, ${by('notice').length} notices, ${by('warn').length} warnings, ${by('error').length} errors of ${results.length}${notices.map((n) => `\n  notice ${n}`).join('')}`);
    expect(results.length).toBeGreaterThanOrEqual(61);
    expect(await Promise.all(by('error').map(describe))).toEqual([]);
    expect(await Promise.all(by('warn').map(describe))).toEqual([]);
    expect(by('notice').map((r) => r.id).filter((id) => !EXPLAINED_NOTICES.has(id))).toEqual([]);
  });

  describe('a well-formed request whose document fails: 200 under application/json, 400 under application/graphql-response+json', () => {
    const failures: Array<[string, Record<string, unknown>, string]> = [
      ['a syntax error', { query: '{ person(idNumber: ' }, 'GRAPHQL_PARSE_FAILED'],
      ['an unknown field', { query: `{ person(idNumber: "${ZHANG.idNumber}") { nickname } }` }, 'GRAPHQL_VALIDATION_FAILED'],
      ['a NONE field', { query: `{ person(idNumber: "${ZHANG.idNumber}") { securityNote } }` }, 'GRAPHQL_VALIDATION_FAILED'],
      ['an alias naming another field', { query: `{ person(idNumber: "${ZHANG.idNumber}") { birthDate: name } }` }, 'GRAPHQL_VALIDATION_FAILED'],
      ['a variable of the wrong type', { query: 'query($id: ID!) { person(idNumber: $id) { birthDate } }', variables: { id: { a: 1 } } }, 'BAD_USER_INPUT'],
      ['a missing required variable', { query: 'query($id: ID!) { person(idNumber: $id) { birthDate } }' }, 'BAD_USER_INPUT'],
    ];

    it.each(failures)('%s', async (_, body, code) => {
      for (const accept of [null, '*/*', JSON_TYPE, `${JSON_TYPE}, ${GRAPHQL_RESPONSE};q=0.5`]) {
        const response = await post(body, accept);
        expect(response.status, `Accept ${accept}: ${JSON.stringify(response.body)}`).toBe(200);
        expect(response.contentType).toContain(JSON_TYPE);
        expect(response.body.errors[0].extensions.code).toBe(code);
        expect('data' in response.body).toBe(false);
      }
      for (const accept of [GRAPHQL_RESPONSE, `${GRAPHQL_RESPONSE}, ${JSON_TYPE}`]) {
        const response = await post(body, accept);
        expect(response.status, `Accept ${accept}: ${JSON.stringify(response.body)}`).toBe(400);
        expect(response.contentType).toContain(GRAPHQL_RESPONSE);
        expect(response.body.errors[0].extensions.code).toBe(code);
        expect('data' in response.body).toBe(false);
      }
    });

    it('the same over GET', async () => {
      expect((await get({ query: '{ person(' })).status).toBe(200);
      expect((await get({ query: '{ person(' }, GRAPHQL_RESPONSE)).status).toBe(400);
      const unknown = { query: `{ person(idNumber: "${ZHANG.idNumber}") { nickname } }` };
      expect((await get(unknown)).body.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
      expect((await get(unknown)).status).toBe(200);
      expect((await get(unknown, GRAPHQL_RESPONSE)).status).toBe(400);
    });
  });

  describe('CONTRACT §8 refusals keep their statuses whatever the Accept', () => {
    const read = `{ person(idNumber: "${ZHANG.idNumber}") { name mobile } }`;
    const refusals: Array<[string, () => Promise<Record<string, unknown>>, string, number]> = [
      ['SHARE_DENIED (no grant)', async () => ({ query: read }), 'SHARE_DENIED', 403],
      ['QUERY_TOO_COMPLEX: 51 aliases', async () => ({ query: `{ ${Array.from({ length: 51 }, (_, i) => `a${i}: __typename`).join(' ')} }` }), 'QUERY_TOO_COMPLEX', 400],
      ['QUERY_TOO_COMPLEX: 5,001 tokens (a parse failure underneath)', async () => ({ query: `{ ${'__typename '.repeat(5_001)}}` }), 'QUERY_TOO_COMPLEX', 400],
      ['QUERY_TOO_COMPLEX: a document over 64 KiB', async () => ({ query: `{ __typename ${' '.repeat(70_000)}}` }), 'QUERY_TOO_COMPLEX', 400],
      ['an unknown operationName', async () => ({ query: 'query A { me { code } }', operationName: 'B' }), 'BAD_USER_INPUT', 400],
      ['two operations and no operationName', async () => ({ query: 'query A { me { code } } query B { me { code } }' }), 'BAD_USER_INPUT', 400],
      ['a subscription', async () => ({ query: 'subscription { me { code } }' }), 'BAD_USER_INPUT', 400],
      ['a persisted query', async () => ({ query: '{ me { code } }', extensions: { persistedQuery: { version: 1, sha256Hash: 'a'.repeat(64) } } }), 'BAD_USER_INPUT', 400],
    ];

    it.each(refusals)('%s', async (_, body, code, status) => {
      for (const accept of [null, JSON_TYPE, GRAPHQL_RESPONSE]) {
        const response = await post(await body(), accept);
        expect(response.status, `Accept ${accept}: ${JSON.stringify(response.body).slice(0, 300)}`).toBe(status);
        expect(response.body.errors[0].extensions.code).toBe(code);
        expect(response.body.data ?? null).toBeNull();
        expect(JSON.stringify(response.body)).not.toContain(ZHANG.mobile);
      }
    });

    it('PURPOSE_REQUIRED (a grant but no purpose) → 400 under both', async () => {
      for (const accept of [JSON_TYPE, GRAPHQL_RESPONSE]) {
        const response = await post({ query: read }, accept, 'housing', null);
        expect(response.status).toBe(400);
        expect(response.body.errors[0].extensions.code).toBe('PURPOSE_REQUIRED');
      }
    });

    it('UNAUTHENTICATED → 401, in the media type the client accepts', async () => {
      for (const accept of [JSON_TYPE, GRAPHQL_RESPONSE]) {
        const response = await fetch(`${stack.gatewayUrl}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', accept }, body: '{"query":"{ me { code } }"}' });
        expect(response.status).toBe(401);
        expect(response.headers.get('content-type')).toContain(accept);
        expect(((await response.json()) as Answer['body']).errors[0].extensions.code).toBe('UNAUTHENTICATED');
      }
    });

    it('an Accept allowing neither JSON type → 406 BAD_USER_INPUT', async () => {
      const response = await post({ query: '{ me { code } }' }, 'text/html');
      expect(response.status).toBe(406);
      expect(response.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    });
  });

  describe('when execution happened, 200 under both media types', () => {
    it('a served query', async () => {
      for (const accept of [JSON_TYPE, GRAPHQL_RESPONSE]) {
        const response = await post({ query: `{ person(idNumber: "${ZHANG.idNumber}") { name birthDate } }` }, accept);
        expect(response.status).toBe(200);
        expect(response.contentType).toContain(accept);
        expect(response.body.data.person).toEqual({ name: '张*', birthDate: ZHANG.birthDate });
      }
    });

    it('a field error with data: null (a provider refusing 1,001 ids)', async () => {
      const ids = Array.from({ length: 1_001 }, (_, i) => `4301021985031${String(i).padStart(4, '0')}X`);
      for (const accept of [JSON_TYPE, GRAPHQL_RESPONSE]) {
        const response = await post({ query: 'query($ids: [ID!]!) { persons(idNumbers: $ids) { birthDate } }', variables: { ids } }, accept);
        expect(response.status, JSON.stringify(response.body).slice(0, 300)).toBe(200);
        expect(response.body.data).toBeNull();
        expect(response.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
      }
    });
  });

  describe('GET: queries served when Authorization is present, mutations never', () => {
    const read = `{ person(idNumber: "${ZHANG.idNumber}") { idNumber name mobile } }`;

    it('serves a query without any CSRF preflight header, masked and audited exactly like the same POST', async () => {
      const headers = await as('housing', { purpose: PURPOSE });
      const viaGet = await get({ query: read }, JSON_TYPE, headers);
      const viaPost = await fetch(`${stack.gatewayUrl}/graphql`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ query: read }) });
      expect(viaGet.status).toBe(200);
      expect(viaGet.body).toEqual(await viaPost.json());
      expect(viaGet.body.data.person).toEqual({ idNumber: '4****************X', name: '张*', mobile: '138****8000' });
      const [postRecord, getRecord] = (await auditRecords()).filter((r) => r.consumer === 'housing' && r.fields.includes('Person.mobile')).slice(0, 2);
      expect(getRecord).toBeDefined();
      for (const record of [getRecord!, postRecord!]) {
        expect(record).toMatchObject({ decision: 'ALLOWED', purpose: PURPOSE, operationHash: postRecord!.operationHash });
        expect([...record.maskedFields].sort()).toEqual(['Person.idNumber', 'Person.mobile', 'Person.name']);
      }
    });

    it('takes the purpose from the URL\'s extensions as from a POST body, and refuses what POST refuses', async () => {
      const token = { authorization: (await as('housing')).authorization! };
      const served = await get({ query: read, extensions: JSON.stringify({ purpose: PURPOSE }) }, JSON_TYPE, token);
      expect(served.status).toBe(200);
      expect(served.body.data.person.mobile).toBe('138****8000');
      const noPurpose = await get({ query: read }, JSON_TYPE, token);
      expect(noPurpose.status).toBe(400);
      expect(noPurpose.body.errors[0].extensions.code).toBe('PURPOSE_REQUIRED');
      const otherPurpose = await get({ query: read }, JSON_TYPE, await as('housing', { purpose: '用于税务稽查' }));
      expect(otherPurpose.status).toBe(403);
      expect(otherPurpose.body.errors[0].extensions.code).toBe('SHARE_DENIED');
      // Another department has no grant: the same GET is refused, and nothing raw leaves.
      const tax = await get({ query: read });
      expect(tax.status).toBe(403);
      expect(tax.body.errors[0].extensions.code).toBe('SHARE_DENIED');
      expect(JSON.stringify(tax.body)).not.toContain(ZHANG.mobile);
    });

    it('refuses a mutation over GET with 405 (Allow: POST), under both media types, and changes nothing', async () => {
      const applications = async () => (await stack.query('{ applications(as: CONSUMER) { id } }', {}, await as('tax'))).body.data.applications.length;
      const before = await applications();
      const records = (await auditRecords()).length;
      const apply = 'mutation { applyForAccess(input: { resource: "POP-PERSON", fields: ["Person.mobile"], purpose: "税务稽查" }) { id } }';
      for (const params of [{ query: apply } as Record<string, string>, { query: `query A { me { code } } ${apply.replace('mutation', 'mutation B')}`, operationName: 'B' }]) {
        for (const accept of [JSON_TYPE, GRAPHQL_RESPONSE]) {
          const response = await get(params, accept, { ...(await as('tax', { purpose: PURPOSE })), 'apollo-require-preflight': 'true' });
          expect(response.status, JSON.stringify(response.body)).toBe(405);
          expect(response.headers.get('allow')).toBe('POST');
          expect(response.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
          expect(response.body.data ?? null).toBeNull();
        }
      }
      expect(await applications()).toBe(before);
      // The second `applications` read is the only record added.
      expect((await auditRecords()).length).toBe(records + 1);
    });
  });
});
