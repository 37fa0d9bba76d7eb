import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../support/stack.ts';
import { rawRequest, type RawResponse } from '../support/raw-http.ts';
import { WELL_KNOWN } from '../support/fixtures.ts';

/**
 * Finding 1: the subgraph door. Whatever spelling of the request target, method or content type an
 * outsider uses, a subgraph answers only what the gateway signed; everything else is 401.
 */
const ZHANG = '43010219850312123X';
const SECRETS = WELL_KNOWN.persons.flatMap((p) => [p.idNumber, p.name, p.mobile, p.householdAddress]);
const READ = `{ persons(idNumbers: ["${ZHANG}", "43010419900101567X"]) { idNumber name mobile householdAddress } }`;
const ENTITIES = `{ _entities(representations: [{ __typename: "Person", idNumber: "${ZHANG}" }]) { ... on Person { name idNumber mobile } } }`;
const json = (query: string) => JSON.stringify({ query });

function expectRefused(response: RawResponse, what: string): void {
  expect(response.status, `${what}: ${response.text.slice(0, 300)}`).toBe(401);
  expect(JSON.parse(response.body).errors[0].extensions.code, what).toBe('UNAUTHENTICATED');
  // What a refused request must never carry, in any form: the population's raw values.
  for (const secret of SECRETS) expect(response.text, what).not.toContain(secret);
}

// One stack for both suites: starting seven subgraphs and a gateway twice buys no isolation they need.
let stack: Stack;
let port: number;
beforeAll(async () => {
  stack = await startStack();
  port = Number(new URL(stack.subgraphs.find((s) => s.name === 'population')!.url).port);
});
afterAll(async () => { await stack?.close(); });

describe('the subgraph door: refused whatever the request target looks like', () => {

  const POST_TARGETS = [
    '/graphql', '/%67raphql', '/%67%72%61%70%68%71%6c', '/%67%72%61%70%68%71%6C', '//graphql', '/graphql/', '/graphql?x', '/graphql?x=1#f',
    '/GRAPHQL', '/Graphql', '/graphql;x=1', '/graphql;', '/./graphql', '/a/../graphql', '/graphql%2f', '/%2fgraphql',
    '/graphql%00', '/graphql%20', '/graphql/.', '/graphql#frag',
  ];

  it.each(POST_TARGETS)('POST %s with a JSON read, unsigned', async (target) => {
    expectRefused(await rawRequest(port, { method: 'POST', target, headers: { 'content-type': 'application/json' }, body: json(READ) }), target);
  });

  it.each(['/graphql', '/%67raphql', '/graphql/'])('absolute-form POST http://host%s, unsigned', async (path) => {
    for (const authority of [`127.0.0.1:${port}`, `localhost:${port}`, 'example.org']) {
      const target = `http://${authority}${path}`;
      expectRefused(await rawRequest(port, { method: 'POST', target, headers: { 'content-type': 'application/json' }, body: json(READ) }), target);
    }
  });

  it.each([
    ['_service', '{ _service { sdl } }'],
    ['_entities', ENTITIES],
  ])('%s through every spelling, unsigned', async (_, query) => {
    for (const target of ['/graphql', '/%67raphql', `http://127.0.0.1:${port}/graphql`, '/graphql/']) {
      expectRefused(await rawRequest(port, { method: 'POST', target, headers: { 'content-type': 'application/json' }, body: json(query) }), target);
    }
  });

  it('GET with the query in the URL, every spelling', async () => {
    const q = encodeURIComponent(READ);
    for (const target of [`/graphql?query=${q}`, `/%67raphql?query=${q}`, `http://127.0.0.1:${port}/graphql?query=${q}`, `/graphql/?query=${q}`, `/graphql;a?query=${q}`]) {
      expectRefused(await rawRequest(port, { method: 'GET', target }), target);
    }
  });

  it.each(['PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD', 'TRACE', 'PROPFIND'])('%s /graphql', async (method) => {
    const response = await rawRequest(port, { method, target: '/graphql', headers: { 'content-type': 'application/json' }, body: method === 'HEAD' ? undefined : json(READ) });
    expect(response.status, `${method}: ${response.text.slice(0, 200)}`).toBe(401);
    for (const secret of SECRETS) expect(response.text).not.toContain(secret);
    // HEAD answers no body; every other refusal says why, with the contract's code.
    if (method !== 'HEAD') expect(JSON.parse(response.body).errors[0].extensions.code).toBe('UNAUTHENTICATED');
  });

  it.each([
    ['application/graphql', READ],
    ['application/graphql; charset=utf-8', READ],
    ['APPLICATION/JSON', json(READ)],
    ['application/json; charset=utf-8', json(READ)],
    ['application/json;charset=UTF-8;foo=bar', json(READ)],
    ['text/plain', json(READ)],
    ['application/x-www-form-urlencoded', `query=${encodeURIComponent(READ)}`],
    ['multipart/form-data; boundary=x', `--x\r\nContent-Disposition: form-data; name="query"\r\n\r\n${READ}\r\n--x--\r\n`],
    ['application/octet-stream', json(READ)],
    ['', json(READ)],
  ])('a body of content type "%s", unsigned', async (type, body) => {
    for (const target of ['/graphql', '/%67raphql']) {
      expectRefused(await rawRequest(port, { method: 'POST', target, headers: type ? { 'content-type': type } : {}, body }), `${type} ${target}`);
    }
  });

  it('refuses unknown routes with 401 as well (no map of the server for strangers)', async () => {
    for (const target of ['/', '/nope', '/graphiql', '/healthz/', '/metrics/', '/healthz/../graphql', '/documentation']) {
      expectRefused(await rawRequest(port, { method: 'GET', target }), target);
    }
  });

  it('refuses malformed targets the router cannot decode', async () => {
    for (const target of ['/graphql%', '/%zzgraphql', '/graphql%E4', '/%C0%AFgraphql', '*']) {
      const response = await rawRequest(port, { method: 'POST', target, headers: { 'content-type': 'application/json' }, body: json(READ) });
      expect(response.status, `${target}: ${response.text.slice(0, 200)}`).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
      for (const secret of SECRETS) expect(response.text, target).not.toContain(secret);
    }
  });

  it('serves its public routes unsigned: /healthz and /metrics, and nothing from them leaks data', async () => {
    for (const [method, target] of [['GET', '/healthz'], ['GET', '/metrics'], ['HEAD', '/healthz'], ['GET', '/healthz?x=1']] as const) {
      const response = await rawRequest(port, { method, target });
      expect(response.status, target).toBe(200);
      for (const secret of SECRETS) expect(response.text).not.toContain(secret);
    }
  });

  it('still serves the gateway: the same read through the gateway is signed, served and masked', async () => {
    const { as } = await import('../support/tokens.ts');
    const { body } = await stack.query(`{ person(idNumber: "${ZHANG}") { name idNumber } }`, {}, await as('tax'));
    expect(body.data.person.name).toBe('张*');
    expect(JSON.stringify(body)).not.toContain(ZHANG);
  });
});

describe('the body hash covers the bytes as received, whatever parses them', () => {

  /** A genuine gateway signature over `signedBody`, as one captured off the wire would be. */
  const captured = (signedBody: string, fld?: string[]) =>
    stack.keys.signer.sign({ aud: 'population', rid: 'captured', sub: 'tax', ...(fld ? { fld } : {}) }, signedBody);

  it('serves what the gateway signed, through any spelling the router maps to the route', async () => {
    for (const target of ['/graphql', '/%67raphql', `http://127.0.0.1:${port}/graphql`]) {
      const body = json(`{ person(idNumber: "${ZHANG}") { birthDate } }`);
      const response = await rawRequest(port, { method: 'POST', target, headers: { 'content-type': 'application/json', 'x-govshare-signature': await captured(body) }, body });
      expect(response.status, target).toBe(200);
      expect(JSON.parse(response.body).data.person.birthDate).toBe('1985-03-12');
    }
  });

  it.each([
    ['application/graphql', READ],
    ['application/graphql; charset=utf-8', READ],
    ['application/json', json(READ)],
    ['APPLICATION/JSON; charset=utf-8', json(READ)],
  ])('a signature over an empty body does not cover a %s body', async (type, body) => {
    expectRefused(await rawRequest(port, { method: 'POST', target: '/graphql', headers: { 'content-type': type, 'x-govshare-signature': await captured('') }, body }), type);
  });

  // JSON bodies are hashed by the door's JSON parser, others by a tee before their parser: each spelling
  // of the type reaches one of the two, and the signature then covers exactly the bytes parsed.
  it.each([
    ['application/json', (q: string) => json(q)],
    ['Application/JSON; charset=utf-8', (q: string) => json(q)],
    ['application/graphql', (q: string) => q],
  ])('serves a body signed as sent with content type %s, and refuses one byte more', async (type, encode) => {
    const body = encode(`{ person(idNumber: "${ZHANG}") { birthDate } }`);
    const served = await rawRequest(port, { method: 'POST', target: '/graphql', headers: { 'content-type': type, 'x-govshare-signature': await captured(body) }, body });
    expect(served.status, type).toBe(200);
    expect(JSON.parse(served.body).data.person.birthDate).toBe('1985-03-12');
    expectRefused(await rawRequest(port, { method: 'POST', target: '/graphql', headers: { 'content-type': type, 'x-govshare-signature': await captured(body) }, body: `${body} ` }), `${type} + 1 byte`);
  });

  it('a signature over one JSON body does not cover another body sent as application/graphql', async () => {
    const signed = json(`{ person(idNumber: "${ZHANG}") { birthDate } }`);
    const sent = `{ persons(idNumbers: ["${ZHANG}"]) { name idNumber } }`;
    expectRefused(await rawRequest(port, { method: 'POST', target: '/graphql', headers: { 'content-type': 'application/graphql', 'x-govshare-signature': await captured(signed) }, body: sent }), 'graphql body');
  });

  it('other content types answer no data even when signed', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/octet-stream']) {
      const body = json(READ);
      const response = await rawRequest(port, { method: 'POST', target: '/graphql', headers: { 'content-type': type, 'x-govshare-signature': await captured(body) }, body });
      expect(response.status, type).toBeGreaterThanOrEqual(400);
      for (const secret of SECRETS) expect(response.text, type).not.toContain(secret);
    }
  });

  it('a GET is signed over its query string: another query string is refused', async () => {
    const query = `query=${encodeURIComponent(`{ person(idNumber: "${ZHANG}") { birthDate } }`)}`;
    const served = await rawRequest(port, { method: 'GET', target: `/graphql?${query}`, headers: { 'x-govshare-signature': await captured(query) } });
    expect(served.status).toBe(200);
    const other = `query=${encodeURIComponent(READ)}`;
    expectRefused(await rawRequest(port, { method: 'GET', target: `/graphql?${other}`, headers: { 'x-govshare-signature': await captured(query) } }), 'GET with another query');
  });
});
