import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, STATE_KINDS, type Stack } from '../support/stack.ts';
import { as } from '../support/tokens.ts';
import { freePort } from '../support/ports.ts';
import { TAX_RESOLVERS, TAX_SDL_V1 } from '../support/tax-subgraph.ts';
import { startRecordingServer, startRecordingSubgraph, type RecordingServer } from '../support/attackers/recording-subgraph.ts';

/**
 * publishSubgraph as an SSRF (CONTRACT §3, §6 v1.1): the gateway fetches a URL the caller chose and
 * signs that call with the subgraph name as audience. It must authorise before any outbound call,
 * never sign for a name the caller may not publish, and answer a failed fetch with the code and the
 * HTTP status only. Internal addresses are for admin only.
 */
const SECRET = 'SECRET-7f3a internal stack at 10.20.30.40:8443 token=hunter2';
type Role = 'consumer' | 'provider' | 'admin';
const RESULT = 'ok errors { code message coordinate } warnings { code message } checks { name ok detail }';

describe.each(STATE_KINDS)('publishing as an attack (%s state)', (stateKind) => {
  let stack: Stack;
  const servers: RecordingServer[] = [];
  beforeAll(async () => { stack = await startStack({ state: stateKind, transport: 'inject' }); });
  afterAll(async () => { for (const s of servers) await s.close(); await stack?.close(); });

  const listener = async (status: number, body: string, headers?: Record<string, string>) => {
    const server = await startRecordingServer(() => ({ status, body }));
    if (headers) server.server.prependListener('request', (_req, res) => { for (const [k, v] of Object.entries(headers)) res.setHeader(k, v); });
    servers.push(server);
    return server;
  };
  const publish = async (department: string, name: string, url: string, roles: Role[] = ['provider']): Promise<any> =>
    (await stack.query(`mutation($n: String!, $u: String!) { publishSubgraph(name: $n, url: $u) { ${RESULT} } }`,
      { n: name, u: url }, await as(department, { roles }))).body;
  const portOf = (url: string) => new URL(url).port;

  it('refuses a caller without the provider or admin role before any outbound call', async () => {
    const target = await listener(200, '{}');
    const answer = await publish('tax', 'tax-records', target.url, ['consumer']);
    expect(answer.errors[0].extensions.code).toBe('FORBIDDEN');
    expect(target.received).toEqual([]);
    const unpublish = await stack.query('mutation { unpublishSubgraph(name: "population") { ok } }', {}, await as('public-security', { roles: ['consumer'] }));
    expect(unpublish.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('refuses a name another department published before any call: the gateway signs for no audience the caller chose', async () => {
    const target = await listener(200, '{}');
    for (const name of ['population', 'housing', 'legal-entity']) {
      const answer = await publish('tax', name, target.url);
      expect(answer.errors[0].extensions.code).toBe('FORBIDDEN');
    }
    expect(target.received).toEqual([]);
    // The platform's own name is not a subgraph name at all.
    expect((await publish('tax', 'platform', target.url)).errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(target.received).toEqual([]);
  });

  it('signs a permitted fetch for the name being published, and for nothing else', async () => {
    const target = await listener(500, '{}');
    await publish('tax', 'tax-ssrf-probe', target.url);
    expect(target.received).toHaveLength(1);
    expect(target.received[0]!.claims).toMatchObject({ aud: 'tax-ssrf-probe' });
    expect(target.received[0]!.claims?.sub).toBeUndefined();
  });

  it.each([
    ['an HTTP error with a secret body', 500, SECRET],
    ['a 401 with a JSON error', 401, JSON.stringify({ errors: [{ message: SECRET }] })],
    ['a 200 that is not JSON', 200, `<html>${SECRET}</html>`],
    ['a 200 JSON answer without an SDL', 200, JSON.stringify({ errors: [{ message: SECRET }], data: null })],
  ])('answers %s with SUBGRAPH_UNREACHABLE and the status only', async (_, status, body) => {
    const target = await listener(status, body);
    const answer = await publish('tax', 'tax-ssrf', target.url);
    expect(answer.errors).toBeUndefined();
    const result = answer.data.publishSubgraph;
    expect(result.ok).toBe(false);
    expect(result.errors).toEqual([expect.objectContaining({ code: 'SUBGRAPH_UNREACHABLE' })]);
    expect(result.errors[0].message).toContain(`HTTP ${status}`);
    const text = JSON.stringify(answer);
    for (const secret of ['SECRET-7f3a', 'hunter2', '10.20.30.40', '127.0.0.1', portOf(target.url), '<html>']) expect(text).not.toContain(secret);
  });

  it('says nothing of the network for an address that does not answer', async () => {
    const port = String(await freePort());
    const answer = await publish('tax', 'tax-ssrf', `http://127.0.0.1:${port}/graphql`);
    const text = JSON.stringify(answer);
    expect(answer.data.publishSubgraph.errors).toEqual([expect.objectContaining({ code: 'SUBGRAPH_UNREACHABLE' })]);
    for (const detail of ['ECONNREFUSED', '127.0.0.1', port]) expect(text).not.toContain(detail);
  });

  it('does not follow a redirect (it would carry the signature elsewhere)', async () => {
    const inner = await listener(200, '{}');
    const outer = await listener(307, '', { location: inner.url });
    const answer = await publish('tax', 'tax-ssrf', outer.url);
    expect(answer.data.publishSubgraph.errors).toEqual([expect.objectContaining({ code: 'SUBGRAPH_UNREACHABLE' })]);
    expect(outer.received).toHaveLength(1);
    expect(inner.received).toEqual([]);
    expect(JSON.stringify(answer)).not.toContain(portOf(inner.url));
  });

  it.each(['file:///etc/passwd', 'gopher://127.0.0.1:6379/_INFO', 'ftp://127.0.0.1/x', 'http://user:secret@127.0.0.1:1/graphql', 'http:/127.0.0.1/graphql', 'javascript:alert(1)'])(
    'refuses %s as BAD_USER_INPUT without echoing it', async (url) => {
      const answer = await publish('tax', 'tax-ssrf', url);
      expect(answer.errors[0].extensions.code).toBe('BAD_USER_INPUT');
      expect(answer.errors[0].message).not.toContain(url);
    });

  describe('internal addresses', () => {
    let tax: RecordingServer;
    beforeAll(async () => {
      tax = await startRecordingSubgraph(TAX_SDL_V1, TAX_RESOLVERS);
      servers.push(tax);
    });

    it('are shown to admin only: the registry, and the checks of a successful publish', async () => {
      const published = (await publish('tax', 'tax-records', tax.url)).data.publishSubgraph;
      expect(published.ok).toBe(true);
      expect(JSON.stringify(published)).not.toContain(portOf(tax.url));
      for (const [department, roles] of [['tax', ['provider']], ['housing', ['consumer']], ['public-security', ['provider']]] as const) {
        const { body } = await stack.query('{ subgraphs { name url publishedBy } }', {}, await as(department, { roles: [...roles] }));
        expect(body.errors).toBeUndefined();
        expect(body.data.subgraphs.length).toBeGreaterThanOrEqual(8);
        expect(body.data.subgraphs.every((s: { url: string | null }) => s.url === null)).toBe(true);
        expect(JSON.stringify(body)).not.toMatch(/127\.0\.0\.1|localhost|:\d{4,5}\//);
      }
      const admin = await stack.query('{ subgraphs { name url } }', {}, await as('data-bureau', { roles: ['admin'] }));
      expect(admin.body.data.subgraphs).toContainEqual({ name: 'tax-records', url: tax.url });
      const catalog = await stack.query('{ catalog { code subgraph } }', {}, await as('housing'));
      expect(JSON.stringify(catalog.body)).not.toMatch(/127\.0\.0\.1|http:/);
      await stack.query('mutation { unpublishSubgraph(name: "tax-records") { ok } }', {}, await as('tax', { roles: ['provider'] }));
    });

    it('are not in /readyz, which needs no token', async () => {
      const response = await fetch(`${stack.gatewayUrl}/readyz`);
      const body = await response.json() as { subgraphs: Array<Record<string, unknown>> };
      expect(body.subgraphs.map((s) => s.name)).toContain('population');
      const text = JSON.stringify(body);
      expect(text).not.toMatch(/127\.0\.0\.1|localhost|http:/);
      for (const subgraph of stack.subgraphs) expect(text).not.toContain(`:${new URL(subgraph.url).port}`);
    });
  });
});
