import { SignJWT } from 'jose';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { GraphQLError } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CATALOGUE, ERROR_CODES, UNCATALOGUED_FAILURE, cataloguedCode, isErrorCode, statusOf, type ErrorCode } from '../protocol/errors.ts';
import { gatewayErrorFormatter } from '../gateway/pipeline/error-scrubbing.ts';
import { DEFAULT_REQUEST_LIMITS } from '../gateway/pipeline/limits.ts';
import { startStack, type Stack } from './support/stack.ts';
import { as } from './support/tokens.ts';
import { WELL_KNOWN } from './support/fixtures.ts';

// Issue 13 part 3: one error catalogue for CONTRACT §8, every throw site using it, and a test that
// fails when a response carries a code outside it.

const ROOT = join(import.meta.dirname, '..');
// The contract beside the repository when there is one (the workplace's ../shared), else the copy kept in
// tests/fixtures (a checkout elsewhere); a test below keeps the copy equal to the original.
const SHARED_CONTRACT = join(ROOT, '..', 'shared', 'spec', 'CONTRACT.md');
const VENDORED_CONTRACT = join(ROOT, 'tests', 'fixtures', 'contract-v1.1.md');
const CONTRACT = process.env.GOVSHARE_CONTRACT_MD ?? (existsSync(SHARED_CONTRACT) ? SHARED_CONTRACT : VENDORED_CONTRACT);

/** §8 as written: every backticked code in the section, and the HTTP status it names for a code. */
function contractSection8(): { codes: Set<string>; statuses: Map<string, number> } {
  const text = readFileSync(CONTRACT, 'utf8');
  const start = text.search(/^## 8\. /m);
  expect(start, `${CONTRACT} has no "## 8." section`).toBeGreaterThanOrEqual(0);
  const rest = text.slice(start + 1);
  const end = rest.search(/^## /m);
  const section = end < 0 ? rest : rest.slice(0, end);
  const codes = new Set([...section.matchAll(/`([A-Z][A-Z_]+[A-Z])`/g)].map((m) => m[1]!));
  const statuses = new Map([...section.matchAll(/`([A-Z][A-Z_]+[A-Z])`\s*\(HTTP (\d{3})/g)].map((m) => [m[1]!, Number(m[2])] as const));
  return { codes, statuses };
}

describe('the catalogue is CONTRACT §8', () => {
  it('has every §8 code and no other', () => {
    const { codes } = contractSection8();
    // Not vacuous: §8 lists its refusals and the publishing codes.
    expect(codes.size).toBeGreaterThanOrEqual(17);
    expect([...ERROR_CODES].sort()).toEqual([...codes].sort());
  });

  it('answers each code with the HTTP status §8 names for it, and a client-error status for the client errors', () => {
    const { statuses } = contractSection8();
    expect([...statuses.keys()].sort()).toEqual(['AUDIT_UNAVAILABLE', 'QUERY_TOO_COMPLEX', 'RATE_LIMITED']);
    for (const [code, status] of statuses) expect(statusOf(code as ErrorCode), code).toBe(status);
    for (const [code, entry] of Object.entries(ERROR_CATALOGUE)) {
      expect(entry.status >= 400 && entry.status < 600, code).toBe(true);
      expect(entry.description.length, code).toBeGreaterThan(10);
    }
  });

  it('has no code for "internal error": what is nobody\'s request is answered with a §8 code', () => {
    expect(isErrorCode('INTERNAL_SERVER_ERROR')).toBe(false);
    expect(isErrorCode(UNCATALOGUED_FAILURE)).toBe(true);
    for (const stranger of ['INTERNAL_SERVER_ERROR', 'SERVICE_UNAVAILABLE', 'NOT_FOUND', 'bad_user_input', 'BAD_USER_INPUT ', '', null, 42]) {
      expect(cataloguedCode(stranger)).toBe(UNCATALOGUED_FAILURE);
    }
    expect(cataloguedCode('SHARE_DENIED')).toBe('SHARE_DENIED');
  });
});

/** Every .ts file under `dir`, the console's browser bundle (its own build, a reader of codes) aside. */
function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const rel = relative(ROOT, path);
    if (name === 'node_modules' || rel === join('gateway', 'web', 'src') || rel === join('gateway', 'web', 'dist')) continue;
    if (statSync(path).isDirectory()) out.push(...sources(path));
    else if (name.endsWith('.ts')) out.push(path);
  }
  return out;
}

/** The string and template literal texts of a file (comments are not literals), with their lines. */
function literalsOf(path: string): Array<{ text: string; line: number }> {
  const file = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true);
  const found: Array<{ text: string; line: number }> = [];
  const visit = (node: ts.Node) => {
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node) || ts.isTemplateHead(node)
      || ts.isTemplateMiddle(node) || ts.isTemplateTail(node)) {
      found.push({ text: node.text, line: file.getLineAndCharacterOfPosition(node.getStart()).line + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

describe('nothing outside protocol/errors.ts spells a §8 code', () => {
  const files = [...sources(join(ROOT, 'gateway')), ...sources(join(ROOT, 'subgraphs', 'kit'))];

  // A literal that is a code, not prose that names one (a message, a setting's description).
  it('finds no string or template literal that is one in gateway/ or subgraphs/kit/', () => {
    expect(files.length).toBeGreaterThan(100);
    const offences = files.flatMap((path) => literalsOf(path)
      .filter((l) => isErrorCode(l.text.trim()))
      .map((l) => `${relative(ROOT, path)}:${l.line}: ${JSON.stringify(l.text)}`));
    expect(offences).toEqual([]);
  });

  it('would find one (the check reads literals, not comments)', () => {
    const probe = join(ROOT, 'protocol', 'errors.ts');
    expect(literalsOf(probe).some((l) => l.text === 'the audit log cannot be read right now')).toBe(true);
    const withComment = ts.createSourceFile('x.ts', "// 'SHARE_DENIED'\nconst a = 'SHARE_DENIED';", ts.ScriptTarget.Latest, true);
    const texts: string[] = [];
    const visit = (node: ts.Node) => { if (ts.isStringLiteral(node)) texts.push(node.text); ts.forEachChild(node, visit); };
    visit(withComment);
    expect(texts).toEqual(['SHARE_DENIED']);
  });

  it('has no error helper module of its own any more', () => {
    for (const gone of ['gateway/platform/errors.ts', 'gateway/pipeline/errors.ts', 'subgraphs/kit/errors.ts']) {
      expect(() => statSync(join(ROOT, gone)), gone).toThrow();
    }
  });
});

describe('the edge guard', () => {
  const format = gatewayErrorFormatter(DEFAULT_REQUEST_LIMITS);

  it.each(['INTERNAL_SERVER_ERROR', 'DOWNSTREAM_SERVICE_ERROR', 'ECONNREFUSED', undefined])('answers code %s with a catalogued code and no internal text', (code) => {
    const raw = new GraphQLError('connect ECONNREFUSED 10.1.2.3:4001 at Socket.<anonymous>', { ...(code ? { extensions: { code } } : {}) });
    const out = format({ message: raw.message, ...(code ? { extensions: { code } } : {}) }, raw);
    expect(isErrorCode(out.extensions?.code)).toBe(true);
    expect(out.message).not.toMatch(/10\.1\.2\.3|ECONNREFUSED|Socket/);
  });

  it('passes a catalogued code through unchanged', () => {
    const raw = new GraphQLError('access refused', { extensions: { code: 'SHARE_DENIED', denied: [] } });
    expect(format({ message: raw.message, extensions: { code: 'SHARE_DENIED', denied: [] } }, raw)).toEqual({ message: 'access refused', extensions: { code: 'SHARE_DENIED', denied: [] } });
  });
});

const ZHANG = WELL_KNOWN.persons[0]!;
const ENTERPRISE = WELL_KNOWN.enterprises[0]!;
const CONDITIONAL_READ = `{ person(idNumber: "${ZHANG.idNumber}") { name mobile } }`;
const DEEP = `{ person(idNumber: "${ZHANG.idNumber}") ${'{ enterprises { legalRepresentative '.repeat(7)}{ name }${' } }'.repeat(7)} }`;
const GRAPHQL_RESPONSE = 'application/graphql-response+json';

/**
 * How a row's status is judged: `catalogue` — the catalogue's status for the code (a request refused
 * as a whole); a number — an HTTP rule that names its own (405, 406, 413, GraphQL over HTTP's 200).
 */
interface Row { name: string; code: ErrorCode; status: 'catalogue' | number; send(stack: Stack): Promise<{ status: number; codes: unknown[] }> }

async function call(url: string, init: RequestInit): Promise<{ status: number; codes: unknown[] }> {
  const response = await fetch(url, init);
  const text = await response.text();
  let body: { errors?: Array<{ extensions?: { code?: unknown } }>; code?: unknown };
  try { body = JSON.parse(text); } catch { throw new Error(`${init.method ?? 'GET'} ${url} answered ${response.status} with non-JSON: ${text.slice(0, 200)}`); }
  // The GraphQL routes answer `errors[].extensions.code`; the plain JSON routes `{ error, code }`.
  const codes = body.errors ? body.errors.map((e) => e.extensions?.code) : [body.code];
  return { status: response.status, codes };
}

const post = (path = '/graphql') => async (stack: Stack, body: unknown, headers: Record<string, string>) =>
  call(`${stack.gatewayUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
const gql = post();

const ROWS: Row[] = [
  { name: 'no token', code: 'UNAUTHENTICATED', status: 'catalogue', send: (s) => gql(s, { query: '{ __typename }' }, {}) },
  { name: 'a token signed with another key', code: 'UNAUTHENTICATED', status: 'catalogue',
    send: async (s) => gql(s, { query: '{ __typename }' }, { authorization: `Bearer ${await new SignJWT({ sub: 'tax' }).setProtectedHeader({ alg: 'HS256' }).sign(randomBytes(32))}` }) },
  { name: 'CONDITIONAL fields without a grant', code: 'SHARE_DENIED', status: 'catalogue',
    send: async (s) => gql(s, { query: CONDITIONAL_READ }, await as('tax', { purpose: '税务稽查' })) },
  { name: 'CONDITIONAL fields without a purpose (the provider itself)', code: 'PURPOSE_REQUIRED', status: 'catalogue',
    send: async (s) => gql(s, { query: CONDITIONAL_READ }, await as('public-security')) },
  { name: 'a provider-only list asked for by a consumer (a field error: GraphQL over HTTP 200)', code: 'FORBIDDEN', status: 200,
    send: async (s) => gql(s, { query: '{ applications(as: PROVIDER) { id } }' }, await as('human-resources', { roles: ['consumer'] })) },
  { name: 'a purpose with a line break', code: 'BAD_USER_INPUT', status: 'catalogue',
    send: async (s) => gql(s, { query: '{ __typename }' }, { ...(await as('tax')), 'x-share-purpose': encodeURIComponent('稽查\r\nX-Forged: 1') }) },
  { name: 'a batch array', code: 'BAD_USER_INPUT', status: 'catalogue',
    send: async (s) => gql(s, [{ query: '{ __typename }' }, { query: '{ __typename }' }], await as('tax')) },
  { name: 'malformed JSON', code: 'BAD_USER_INPUT', status: 'catalogue', send: async (s) => gql(s, '{"query": ', await as('tax')) },
  { name: 'a subscription', code: 'BAD_USER_INPUT', status: 'catalogue',
    send: async (s) => gql(s, { query: 'subscription { __typename }' }, await as('tax')) },
  { name: 'a variable of the wrong type (graphql-response+json)', code: 'BAD_USER_INPUT', status: 'catalogue',
    send: async (s) => gql(s, { query: 'query Q($id: ID!) { person(idNumber: $id) { name } }', variables: { id: { nested: true } } }, { ...(await as('tax')), accept: GRAPHQL_RESPONSE }) },
  { name: 'PUT (HTTP: 405)', code: 'BAD_USER_INPUT', status: 405,
    send: async (s) => call(`${s.gatewayUrl}/graphql`, { method: 'PUT', headers: { 'content-type': 'application/json', ...(await as('tax')) }, body: '{}' }) },
  { name: 'an Accept the gateway cannot answer (HTTP: 406)', code: 'BAD_USER_INPUT', status: 406,
    send: async (s) => gql(s, { query: '{ __typename }' }, { ...(await as('tax')), accept: 'text/html' }) },
  { name: 'a bad audit checkpoint page size (plain JSON route)', code: 'BAD_USER_INPUT', status: 'catalogue',
    send: (s) => call(`${s.gatewayUrl}/audit/checkpoints?first=0`, { method: 'GET' }) },
  { name: 'an unknown field', code: 'GRAPHQL_VALIDATION_FAILED', status: 'catalogue',
    send: async (s) => gql(s, { query: `{ person(idNumber: "${ZHANG.idNumber}") { nope } }` }, { ...(await as('tax')), accept: GRAPHQL_RESPONSE }) },
  { name: 'an unknown field under application/json (GraphQL over HTTP: 200)', code: 'GRAPHQL_VALIDATION_FAILED', status: 200,
    send: async (s) => gql(s, { query: `{ person(idNumber: "${ZHANG.idNumber}") { nope } }` }, await as('tax')) },
  { name: 'a document that does not parse', code: 'GRAPHQL_PARSE_FAILED', status: 'catalogue',
    send: async (s) => gql(s, { query: '{ person(' }, { ...(await as('tax')), accept: GRAPHQL_RESPONSE }) },
  { name: 'a document deeper than the limit', code: 'QUERY_TOO_COMPLEX', status: 'catalogue', send: async (s) => gql(s, { query: DEEP }, await as('tax')) },
  { name: 'a document over 64 KiB', code: 'QUERY_TOO_COMPLEX', status: 'catalogue',
    send: async (s) => gql(s, { query: `{ __typename ${' '.repeat(70_000)}}` }, await as('tax')) },
  { name: 'more aliases than the limit', code: 'QUERY_TOO_COMPLEX', status: 'catalogue',
    send: async (s) => gql(s, { query: `{ ${Array.from({ length: 60 }, (_, i) => `a${i}: __typename`).join(' ')} }` }, await as('tax')) },
  { name: 'a provider\'s batch over 1,000 ids (the provider\'s refusal, passed on: a field error)', code: 'BAD_USER_INPUT', status: 200,
    send: async (s) => gql(s, { query: 'query Q($ids: [ID!]!) { persons(idNumbers: $ids) { name } }', variables: { ids: Array.from({ length: 1001 }, (_, i) => String(i)) } }, await as('tax')) },
];

describe('every error a consumer can provoke carries a catalogued code and its status', () => {
  let stack: Stack;
  const seen = new Set<string>();
  beforeAll(async () => {
    // A burst large enough for the table; one department of its own is then run past it.
    stack = await startStack({ gatewayConfig: { rateLimit: { perSecond: 1, burst: 40 } } });
  });
  afterAll(async () => { await stack?.close(); });

  const judge = (row: Pick<Row, 'name' | 'code' | 'status'>, answer: { status: number; codes: unknown[] }) => {
    expect(answer.codes.length, row.name).toBeGreaterThan(0);
    for (const code of answer.codes) {
      expect(isErrorCode(code), `${row.name}: ${String(code)}`).toBe(true);
      seen.add(String(code));
    }
    expect(answer.codes, row.name).toContain(row.code);
    expect(answer.status, row.name).toBe(row.status === 'catalogue' ? statusOf(row.code) : row.status);
  };

  it.each(ROWS)('$name → $code', async (row) => { judge(row, await row.send(stack)); });

  it('a department past its rate limit → RATE_LIMITED', async () => {
    const headers = await as('civil-affairs');
    let last = { status: 0, codes: [] as unknown[] };
    for (let i = 0; i < 60 && last.status !== 429; i++) last = await gql(stack, { query: '{ __typename }' }, headers);
    judge({ name: 'rate limited', code: 'RATE_LIMITED', status: 'catalogue' }, last);
  });

  it('a request to a subgraph without the gateway\'s signature → UNAUTHENTICATED', async () => {
    const population = stack.subgraphs.find((s) => s.name === 'population')!;
    const answer = await call(`${population.url}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ _service { sdl } }' }) });
    judge({ name: 'unsigned subgraph call', code: 'UNAUTHENTICATED', status: 'catalogue' }, answer);
  });

  it('a provider that is down → SUBGRAPH_UNREACHABLE (a field error: 200 with the rest of the data)', async () => {
    const credit = stack.subgraphs.find((s) => s.name === 'credit')!;
    await credit.app.close();
    const answer = await gql(stack, { query: `{ enterprise(uscc: "${ENTERPRISE.uscc}") { name creditRating } }` }, await as('tax'));
    judge({ name: 'credit down', code: 'SUBGRAPH_UNREACHABLE', status: 200 }, answer);
  });

  it('covered the consumer-facing error classes', () => {
    expect([...seen].sort()).toEqual(['BAD_USER_INPUT', 'FORBIDDEN', 'GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'PURPOSE_REQUIRED',
      'QUERY_TOO_COMPLEX', 'RATE_LIMITED', 'SHARE_DENIED', 'SUBGRAPH_UNREACHABLE', 'UNAUTHENTICATED']);
  });
});

describe('the contract copy kept in the repository', () => {
  it('is the workplace contract, word for word, where that is at hand', () => {
    const original = existsSync(SHARED_CONTRACT) ? readFileSync(SHARED_CONTRACT, 'utf8') : readFileSync(VENDORED_CONTRACT, 'utf8');
    expect(readFileSync(VENDORED_CONTRACT, 'utf8')).toBe(original);
  });
});
