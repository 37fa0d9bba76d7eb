import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, STATE_KINDS, type Stack } from '../support/stack.ts';
import { as, tokenWith } from '../support/tokens.ts';

/**
 * Issue 15 part 2: a request without a valid token is answered 401 before its body is looked at.
 * Before, a stranger's malformed JSON got 400, a missing content type 415, an oversized body 413:
 * the gateway parsed (and told a stranger about) a body it had no reason to read.
 */
const now = () => Math.floor(Date.now() / 1000);
const FOUR_MB = 4 * 1024 * 1024;

describe.each(STATE_KINDS)('401 before the body (%s state)', (stateKind) => {
  let stack: Stack;
  let port: number;
  const strangers: Array<[string, () => Promise<Record<string, string>>]> = [
    ['no Authorization header', async () => ({})],
    ['a token signed with another key', async () => ({ authorization: `Bearer ${await tokenWith({ sub: 'tax', roles: ['consumer'], exp: now() + 600 }, 'not-the-gateway-key-0123456789abcdef')}` })],
    ['an expired token', async () => ({ authorization: `Bearer ${await tokenWith({ sub: 'tax', roles: ['consumer'], iat: now() - 7200, exp: now() - 3600 })}` })],
    ['a token of no department', async () => ({ authorization: `Bearer ${await tokenWith({ sub: 'nobody', roles: ['consumer'], exp: now() + 600 })}` })],
    ['a Basic credential', async () => ({ authorization: 'Basic dGF4OnRheA==' })],
  ];

  beforeAll(async () => {
    stack = await startStack({ state: stateKind });
    port = Number(new URL(stack.gatewayUrl).port);
  });
  afterAll(async () => { await stack?.close(); });

  const auditCount = async () => (await stack.state.audit.page({ first: 500, visibleTo: 'all' })).records.length;

  async function send(init: RequestInit & { headers?: Record<string, string> }, path = '/graphql') {
    const started = performance.now();
    const response = await fetch(`${stack.gatewayUrl}${path}`, init);
    const text = await response.text();
    return { status: response.status, text, ms: performance.now() - started, headers: response.headers };
  }

  function expectUnauthenticated(response: { status: number; text: string }, what: string) {
    expect(response.status, `${what}: ${response.text.slice(0, 200)}`).toBe(401);
    const body = JSON.parse(response.text) as { data?: unknown; errors: Array<{ extensions: { code: string } }> };
    expect(body.errors[0]!.extensions.code, what).toBe('UNAUTHENTICATED');
    expect(body.data, what).toBeUndefined();
  }

  describe.each(strangers)('a stranger with %s', (_, credentials) => {
    it('malformed JSON → 401, not 400', async () => {
      expectUnauthenticated(await send({ method: 'POST', headers: { 'content-type': 'application/json', ...(await credentials()) }, body: '{"query": ' }), 'malformed JSON');
    });

    it('no content type, text/plain, a form, an unknown type → 401, not 415', async () => {
      const headers = await credentials();
      const query = JSON.stringify({ query: '{ me { code } }' });
      // fetch adds text/plain to a string body; a Blob with no type sends no Content-Type at all.
      expectUnauthenticated(await send({ method: 'POST', headers, body: new Blob([query]) }), 'no content type');
      for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml']) {
        expectUnauthenticated(await send({ method: 'POST', headers: { ...headers, 'content-type': type }, body: query }), type);
      }
    });

    it('a body over the 4 MiB limit → 401 at once, not 413: the parser never ran', async () => {
      const body = `{"query":"{ me { code } }","padding":"${'x'.repeat(FOUR_MB + 1024)}"}`;
      const response = await send({ method: 'POST', headers: { 'content-type': 'application/json', ...(await credentials()) }, body });
      expectUnauthenticated(response, '4 MiB body');
      expect(response.ms).toBeLessThan(2_000);
    });

    it('GET, with or without a query, the CSRF preflight header or extensions → 401', async () => {
      const headers = await credentials();
      for (const search of ['', '?query=%7B%20me%20%7B%20code%20%7D%20%7D', '?query=mutation%7B__typename%7D', '?query=%7B&extensions=%7B']) {
        expectUnauthenticated(await send({ method: 'GET', headers }, `/graphql${search}`), `GET ${search}`);
        expectUnauthenticated(await send({ method: 'GET', headers: { ...headers, 'apollo-require-preflight': 'true' } }, `/graphql${search}`), `GET ${search} with preflight header`);
      }
    });

    it('PUT, PATCH, DELETE, OPTIONS → 401 as well (no method is a way past the token)', async () => {
      const headers = await credentials();
      for (const method of ['PUT', 'PATCH', 'DELETE', 'OPTIONS']) {
        expectUnauthenticated(await send({ method, headers: { ...headers, 'content-type': 'application/json' }, ...(method === 'OPTIONS' ? {} : { body: '{"query":"{ me { code } }"}' }) }), method);
      }
    });
  });

  it('the 401 comes while a stranger is still sending: the body is neither read to its end nor buffered', async () => {
    // Announce 4 MiB, send 1 KiB, and wait: a gateway that read the body first would never answer.
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      let received = '';
      const timer = setTimeout(() => { socket.destroy(); reject(new Error(`no answer while the body was incomplete: ${received}`)); }, 5_000);
      socket.on('data', (chunk) => {
        received += chunk.toString('utf8');
        if (received.includes('\r\n\r\n') && received.includes('UNAUTHENTICATED')) { clearTimeout(timer); socket.destroy(); resolve(received); }
      });
      socket.on('error', (error) => { clearTimeout(timer); reject(error); });
      socket.write(`POST /graphql HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\ncontent-type: application/json\r\ncontent-length: ${FOUR_MB}\r\n\r\n`);
      socket.write(`{"query":"${'x'.repeat(1024)}`);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 401 /);
  });

  it('nothing a stranger sends is recorded or executed', async () => {
    const applications = async () => (await stack.query('{ applications(as: CONSUMER) { id } }', {}, await as('tax'))).body.data.applications.length;
    const apps = await applications();
    const before = await auditCount();
    const forged = { authorization: `Bearer ${await tokenWith({ sub: 'tax', roles: ['consumer'], exp: now() + 600 }, 'not-the-gateway-key-0123456789abcdef')}` };
    await send({ method: 'POST', headers: { 'content-type': 'application/json', ...forged }, body: JSON.stringify({ query: 'mutation { applyForAccess(input: { resource: "POP-PERSON", fields: ["Person.mobile"], purpose: "x" }) { id } }' }) });
    await send({ method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query": ' });
    expect(await auditCount()).toBe(before);
    await send({ method: 'GET', headers: forged }, '/graphql?query=%7B%20me%20%7B%20code%20%7D%20%7D');
    expect(await auditCount()).toBe(before);
    expect(await applications()).toBe(apps);
    expect(apps).toBe(0);
  });

  describe('an authenticated caller still gets the body checked, with §8 codes', () => {
    it('malformed JSON → 400 BAD_USER_INPUT', async () => {
      const response = await send({ method: 'POST', headers: { 'content-type': 'application/json', ...(await as('tax')) }, body: '{"query": ' });
      expect(response.status).toBe(400);
      expect(JSON.parse(response.text).errors[0].extensions.code).toBe('BAD_USER_INPUT');
    });

    // Fastify refuses a body without a type (415); text/plain it reads as text, which Apollo refuses (400).
    it('no content type (415) and text/plain (400) → BAD_USER_INPUT', async () => {
      const query = JSON.stringify({ query: '{ me { code } }' });
      for (const [status, init] of [[415, { body: new Blob([query]) }], [400, { body: query, headers: { 'content-type': 'text/plain' } }]] as const) {
        const response = await send({ method: 'POST', ...init, headers: { ...('headers' in init ? init.headers : {}), ...(await as('tax')) } });
        expect(response.status, response.text).toBe(status);
        expect(JSON.parse(response.text).errors[0].extensions.code).toBe('BAD_USER_INPUT');
      }
    });

    it('a body over the limit → 413 QUERY_TOO_COMPLEX', async () => {
      const body = `{"query":"{ me { code } }","padding":"${'x'.repeat(FOUR_MB + 1024)}"}`;
      const response = await send({ method: 'POST', headers: { 'content-type': 'application/json', ...(await as('tax')) }, body });
      expect(response.status).toBe(413);
      expect(JSON.parse(response.text).errors[0].extensions.code).toBe('QUERY_TOO_COMPLEX');
    });

    it('PUT → 405 with Allow: GET, POST', async () => {
      const response = await send({ method: 'PUT', headers: { 'content-type': 'application/json', ...(await as('tax')) }, body: '{"query":"{ me { code } }"}' });
      expect(response.status).toBe(405);
      expect(response.headers.get('allow')).toBe('GET, POST');
      expect(JSON.parse(response.text).errors[0].extensions.code).toBe('BAD_USER_INPUT');
    });

    it('control: the same request with a token is served', async () => {
      const response = await send({ method: 'POST', headers: { 'content-type': 'application/json', ...(await as('tax')) }, body: '{"query":"{ me { code } }"}' });
      expect(response.status).toBe(200);
      expect(JSON.parse(response.text).data.me.code).toBe('tax');
    });
  });
});
