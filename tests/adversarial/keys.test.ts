import { createHash, createHmac, generateKeyPairSync, randomUUID } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calculateJwkThumbprint, SignJWT, UnsecuredJWT, type JSONWebKeySet } from 'jose';
import { createRequestSigner, SIGNATURE_HEADER, type SignatureInput } from '../../protocol/gateway-signature.ts';
import { ReplayGuard } from '../../protocol/replay-guard.ts';
import { createGateway, type Gateway } from '../../gateway/app.ts';
import { gatewayConfigFromEnv } from '../../gateway/config.ts';
import { generateSigningKeyPem, publishedKeySet, signingKeyFromPem } from '../../gateway/keys/index.ts';
import { createSubgraphServer } from '../../subgraphs/kit/index.ts';
import population from '../../subgraphs/population/index.ts';
import { openPrivateState, startStack, type Stack } from '../support/stack.ts';
import { as, tokenWith } from '../support/tokens.ts';
import { spawnScript } from '../support/processes.ts';
import { WELL_KNOWN } from '../support/fixtures.ts';

/**
 * Finding 8 (and the signature part of 14): no key has a default in the source; the gateway signs
 * with its own private key, subgraphs verify with the public JWKS only, and a signature is used once.
 * The "published" keys below are the literals earlier versions shipped: they are the attack.
 */
const PUBLISHED_DEV_SUBGRAPH_SECRET = 'govshare-dev-subgraph-secret-not-for-production';
const PUBLISHED_DEV_JWT_SECRET = 'govshare-dev-secret-not-for-production';
const PUBLISHED_DEV_AUDIT_KEY = 'govshare-dev-audit-key-not-for-production';

const ZHANG = '43010219850312123X';
const SECRETS = WELL_KNOWN.persons.flatMap((p) => [p.idNumber, p.name, p.mobile, p.householdAddress]);
const READ = JSON.stringify({ query: `{ _entities(representations: [{ __typename: "Person", idNumber: "${ZHANG}" }]) { ... on Person { name idNumber mobile householdAddress } } }` });
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'];
const now = () => Math.floor(Date.now() / 1000);
const bh = (body: string) => createHash('sha256').update(body).digest('base64url');

function claims(body: string, extra: Record<string, unknown> = {}) {
  const iat = now();
  return {
    iss: 'govshare-gateway', aud: 'population', iat, exp: iat + 30, jti: randomUUID(), rid: 'attack', sub: 'tax',
    fld: ['Person.mobile', 'Person.householdAddress'], bh: bh(body), ...extra,
  };
}

describe('subgraph signatures: asymmetric, audience-bound, short-lived, single use', () => {
  let stack: Stack;
  let population_: string;
  beforeAll(async () => {
    stack = await startStack();
    population_ = stack.subgraphs.find((s) => s.name === 'population')!.url;
  });
  afterAll(async () => { await stack?.close(); });

  async function send(signature: string | undefined, body = READ) {
    const response = await fetch(population_, {
      method: 'POST', body, headers: { 'content-type': 'application/json', ...(signature ? { [SIGNATURE_HEADER]: signature } : {}) },
    });
    const text = await response.text();
    return { status: response.status, text, body: JSON.parse(text) as any };
  }
  function expectRefused(result: { status: number; text: string; body: any }, what: string) {
    expect(result.status, `${what}: ${result.text.slice(0, 200)}`).toBe(401);
    expect(result.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    for (const secret of SECRETS) expect(result.text, what).not.toContain(secret);
  }
  /** A JWS over arbitrary claims with the gateway's real private key: whatever else is wrong is all that is wrong. */
  const signedByGateway = (payload: Record<string, unknown>, header: Record<string, unknown> = {}) =>
    new SignJWT(payload).setProtectedHeader({ alg: stack.keys.signing.alg, kid: stack.keys.signing.kid, typ: 'JWT', ...header }).sign(stack.keys.signing.privateKey);

  it('control: a correct signature with the same claims is served', async () => {
    const result = await send(await signedByGateway(claims(READ)));
    expect(result.status).toBe(200);
    expect(result.body.data._entities[0].mobile).toBe('13800138000');
  });

  it('refuses HS256 with the development key earlier versions published', async () => {
    const token = await new SignJWT(claims(READ)).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(new TextEncoder().encode(PUBLISHED_DEV_SUBGRAPH_SECRET));
    expectRefused(await send(token), 'old dev subgraph secret');
  });

  it('refuses HS256 keyed with the public key itself (algorithm confusion)', async () => {
    const jwk = stack.keys.signing.publicJwk;
    for (const secret of [jwk.x!, Buffer.from(jwk.x!, 'base64url').toString('latin1'), JSON.stringify(stack.keys.jwks), JSON.stringify(jwk)]) {
      const token = await new SignJWT(claims(READ)).setProtectedHeader({ alg: 'HS256', kid: stack.keys.signing.kid }).sign(new TextEncoder().encode(secret));
      expectRefused(await send(token), 'HS256 with public key material');
    }
  });

  it('refuses alg: none', async () => {
    const unsigned = new UnsecuredJWT(claims(READ)).encode();
    expectRefused(await send(unsigned), 'alg none');
    // The same with the gateway's kid in the header and an empty signature part.
    const [, payload] = unsigned.split('.');
    const header = Buffer.from(JSON.stringify({ alg: 'none', kid: stack.keys.signing.kid })).toString('base64url');
    expectRefused(await send(`${header}.${payload}.`), 'alg none with kid');
  });

  it('refuses a key that is not in the JWKS, under its own kid or under the gateway\'s', async () => {
    const forger = await signingKeyFromPem(generateSigningKeyPem(), 'forger');
    expectRefused(await send(await createRequestSigner(forger).sign({ aud: 'population', rid: 'x', sub: 'tax', fld: ['Person.mobile'] }, READ)), 'foreign kid');
    expectRefused(await send(await createRequestSigner({ ...forger, kid: stack.keys.signing.kid }).sign({ aud: 'population', rid: 'x', sub: 'tax', fld: ['Person.mobile'] }, READ)), 'forged under the gateway kid');
    const es256 = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const other = await signingKeyFromPem(es256, 'forger-es256');
    expectRefused(await send(await createRequestSigner({ ...other, kid: stack.keys.signing.kid }).sign({ aud: 'population', rid: 'x' }, READ)), 'ES256 under the gateway kid');
  });

  it('refuses a signature for another subgraph, or for several', async () => {
    expectRefused(await send(await signedByGateway(claims(READ, { aud: 'credit' }))), 'aud credit');
    expectRefused(await send(await signedByGateway(claims(READ, { aud: ['credit', 'population'] }))), 'aud list');
    expectRefused(await send(await signedByGateway(claims(READ, { iss: 'someone-else' }))), 'iss');
  });

  it('refuses a signature living longer than 60 s, or issued in the future', async () => {
    expectRefused(await send(await signedByGateway(claims(READ, { exp: now() + 61 }))), 'exp - iat = 61');
    expectRefused(await send(await signedByGateway(claims(READ, { exp: now() + 86_400 }))), 'exp a day later');
    expectRefused(await send(await signedByGateway(claims(READ, { iat: now() + 3600, exp: now() + 3630 }))), 'iat in an hour');
    expectRefused(await send(await signedByGateway(claims(READ, { exp: now() - 30, iat: now() - 60 }))), 'expired');
  });

  it('refuses claims of the wrong shape: no jti, sub or fld not what they say', async () => {
    const { jti: _, ...withoutJti } = claims(READ);
    expectRefused(await send(await signedByGateway(withoutJti)), 'no jti');
    expectRefused(await send(await signedByGateway(claims(READ, { sub: ['tax'] }))), 'sub list');
    expectRefused(await send(await signedByGateway(claims(READ, { fld: 'Person.mobile' }))), 'fld string');
  });

  it('refuses a tampered body', async () => {
    const signature = await signedByGateway(claims(JSON.stringify({ query: `{ person(idNumber: "${ZHANG}") { birthDate } }` })));
    expectRefused(await send(signature, READ), 'body swapped');
    expectRefused(await send(signature, `${READ} `), 'one byte added');
  });

  it('refuses a replayed signature (jti used once), also when both copies arrive at once', async () => {
    const signature = await signedByGateway(claims(READ));
    expect((await send(signature)).status).toBe(200);
    expectRefused(await send(signature), 'replay');
    const again = await signedByGateway(claims(READ));
    const results = await Promise.all([send(again), send(again), send(again)]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 401, 401]);
    const refusal = results.find((r) => r.status === 401)!;
    expect(refusal.body.errors[0].message).toContain('already used');
  });

  it('the gateway itself signs every call afresh: the same query twice is served twice', async () => {
    for (let i = 0; i < 2; i++) {
      const { status, body } = await stack.query(`{ person(idNumber: "${ZHANG}") { birthDate } }`, {}, await as('tax'));
      expect(status).toBe(200);
      expect(body.data.person.birthDate).toBe('1985-03-12');
    }
  });

  it('publishes public keys only: kid is the RFC 7638 thumbprint, with alg and use', async () => {
    const response = await fetch(`${stack.gatewayUrl}/.well-known/jwks.json`);
    expect(response.status).toBe(200);
    const set = await response.json() as JSONWebKeySet;
    expect(set.keys).toHaveLength(1);
    for (const key of set.keys) {
      for (const member of PRIVATE_MEMBERS) expect(key, member).not.toHaveProperty(member);
      expect(key).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig', kid: stack.keys.signing.kid });
      expect(key.kid).toBe(await calculateJwkThumbprint({ kty: key.kty!, crv: key.crv!, x: key.x! }));
    }
    expect(JSON.stringify(set)).not.toContain(readFileSync(join(stack.keys.dataDir, 'keys', 'gateway-signing-key.pem'), 'utf8').split('\n')[1]);
  });

  it('refuses department tokens signed with the development key earlier versions published', async () => {
    const token = await tokenWith({ sub: 'data-bureau', roles: ['admin'], iat: now(), exp: now() + 600 }, PUBLISHED_DEV_JWT_SECRET);
    const { status, body } = await stack.query(`{ person(idNumber: "${ZHANG}") { birthDate } }`, {}, { authorization: `Bearer ${token}` });
    expect(status).toBe(401);
    expect(body.errors![0]!.extensions!.code).toBe('UNAUTHENTICATED');
    expect(body.data).toBeUndefined();
  });

  it('audit digests are not made with the development key earlier versions published', async () => {
    const query = `{ person(idNumber: "${ZHANG}") { gender } }`;
    expect((await stack.query(query, {}, await as('tax'))).status).toBe(200);
    const { records } = await stack.state.audit.page({ first: 50, visibleTo: 'all' });
    const record = records.find((r) => r.kind !== 'PLATFORM' && (r.fields ?? []).includes('Person.gender'));
    expect(record).toBeDefined();
    expect(record!.operationHash).toMatch(/^[0-9a-f]{64}$/);
    expect(record!.operationHash).not.toBe(createHmac('sha256', PUBLISHED_DEV_AUDIT_KEY).update(query).digest('hex'));
  });
});

describe('embedded mode: keys generated once under GOVSHARE_DATA_DIR, mode 0600, reused', () => {
  const dirs: string[] = [];
  afterAll(() => { for (const dir of dirs) rmSync(dir, { recursive: true, force: true }); });

  async function embeddedGateway(dataDir: string, env: NodeJS.ProcessEnv = {}): Promise<{ gateway: Gateway; log: string[]; close(): Promise<void> }> {
    const state = await openPrivateState();
    const log: string[] = [];
    const gateway = createGateway({ config: { ...gatewayConfigFromEnv({}), port: 0, subgraphs: [], dataDir }, env, state, log: (m) => log.push(m) });
    const close = async () => { await gateway.close(); await state.close(); };
    await gateway.start().catch(async (error) => { await close(); throw error; });
    return { gateway, log, close };
  }
  const tempDir = () => { const dir = mkdtempSync(join(tmpdir(), 'govshare-keys-')); dirs.push(dir); return dir; };
  const mode = (path: string) => statSync(path).mode & 0o777;

  it('generates the signing key, the JWT key and the audit key at first start, says so, and reuses them', async () => {
    const dataDir = tempDir();
    const first = await embeddedGateway(dataDir);
    const files = ['gateway-signing-key.pem', 'jwt-secret', 'audit-key'].map((f) => join(dataDir, 'keys', f));
    const contents = files.map((f) => readFileSync(f, 'utf8'));
    for (const file of files) expect(mode(file), file).toBe(0o600);
    expect(mode(join(dataDir, 'keys'))).toBe(0o700);
    expect(first.log.join('\n')).toMatch(/generated the gateway's signing key/);
    expect(first.log.join('\n')).toMatch(/generated the HS256 key of department tokens/);
    expect(first.log.join('\n')).toMatch(/generated the audit digest key/);
    const kid = ((await (await fetch(`${first.gateway.url}/.well-known/jwks.json`)).json()) as JSONWebKeySet).keys[0]!.kid;
    // The dev sign-in exists only with the generated JWT key; `npm run token` signs with the same key.
    expect((await fetch(`${first.gateway.url}/playground/dev-token`)).status).toBe(200);
    const cli = spawnScript('scripts/token.ts', ['--dept', 'tax'], { GOVSHARE_DATA_DIR: dataDir, GOVSHARE_JWT_SECRET: '' });
    expect(await cli.exited).toBe(0);
    const token = cli.output().trim().split('\n').pop()!;
    const me = await fetch(`${first.gateway.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query: '{ me { code } }' }) });
    expect(await me.json()).toEqual({ data: { me: { code: 'tax' } } });
    await first.close();

    chmodSync(files[0]!, 0o644); // someone loosened it: the next start tightens it again
    const second = await embeddedGateway(dataDir);
    expect(files.map((f) => readFileSync(f, 'utf8'))).toEqual(contents);
    expect(mode(files[0]!)).toBe(0o600);
    expect(second.log.join('\n')).not.toMatch(/generated the /);
    expect(((await (await fetch(`${second.gateway.url}/.well-known/jwks.json`)).json()) as JSONWebKeySet).keys[0]!.kid).toBe(kid);
    await second.close();
  });

  it('has no dev sign-in, and npm run token refuses to guess, once a JWT key is configured', async () => {
    const dataDir = tempDir();
    const configured = await embeddedGateway(dataDir, { GOVSHARE_JWT_SECRET: 'a-configured-secret-of-this-deployment' });
    expect((await fetch(`${configured.gateway.url}/playground/dev-token`)).status).toBe(404);
    await configured.close();
    const cli = spawnScript('scripts/token.ts', ['--dept', 'tax'], { GOVSHARE_DATA_DIR: tempDir(), GOVSHARE_JWT_SECRET: '' });
    expect(await cli.exited).not.toBe(0);
    expect(cli.output()).toMatch(/no JWT key at .*jwt-secret/);
  });

  it('signs with a configured P-256 key as ES256 (GOVSHARE_GATEWAY_KEY), and generates nothing for it', async () => {
    const dataDir = tempDir();
    const keyFile = join(tempDir(), 'gateway.pem');
    writeFileSync(keyFile, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    const gateway = await embeddedGateway(dataDir, { GOVSHARE_GATEWAY_KEY: keyFile });
    const set = await (await fetch(`${gateway.gateway.url}/.well-known/jwks.json`)).json() as JSONWebKeySet;
    expect(set.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
    for (const member of PRIVATE_MEMBERS) expect(set.keys[0]).not.toHaveProperty(member);
    expect(() => statSync(join(dataDir, 'keys', 'gateway-signing-key.pem'))).toThrow();
    await gateway.close();
  });

  it('publishes the previous key beside the current one during a rotation, and never a private one', async () => {
    const previous = await signingKeyFromPem(generateSigningKeyPem(), 'previous');
    const published = join(tempDir(), 'published.json');
    writeFileSync(published, JSON.stringify(publishedKeySet(previous, {})));
    const rotating = await embeddedGateway(tempDir(), { GOVSHARE_GATEWAY_PUBLISHED_KEYS: published });
    const set = await (await fetch(`${rotating.gateway.url}/.well-known/jwks.json`)).json() as JSONWebKeySet;
    expect(set.keys.map((k) => k.kid)).toEqual([expect.any(String), previous.kid]);
    await rotating.close();

    writeFileSync(published, JSON.stringify({ keys: [generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' })] }));
    await expect(embeddedGateway(tempDir(), { GOVSHARE_GATEWAY_PUBLISHED_KEYS: published })).rejects.toThrow(/private or symmetric key material/);
  });
});

describe('a subgraph holds public keys only, and refuses to start without them', () => {
  it('refuses to start with no verification key configured', async () => {
    const subgraph = spawnScript('subgraphs/main.ts', ['population'], { GOVSHARE_GATEWAY_JWKS_URL: '', GOVSHARE_GATEWAY_JWKS: '', SUBGRAPH_PORT: '0' });
    expect(await subgraph.exited).toBe(2);
    expect(subgraph.output()).toMatch(/refusing to start: no gateway verification key: set GOVSHARE_GATEWAY_JWKS_URL/);
  });

  it('refuses a key set that could sign (a private JWK given by mistake)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'govshare-jwks-'));
    const privateJwk = generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' });
    writeFileSync(join(dir, 'jwks.json'), JSON.stringify({ keys: [privateJwk] }));
    const subgraph = spawnScript('subgraphs/main.ts', ['population'], { GOVSHARE_GATEWAY_JWKS_URL: '', GOVSHARE_GATEWAY_JWKS: join(dir, 'jwks.json'), SUBGRAPH_PORT: '0' });
    expect(await subgraph.exited).toBe(2);
    expect(subgraph.output()).toMatch(/private or symmetric key material \(d\)/);
    const sql = { query: async () => [], exec: async () => {} };
    await expect(createSubgraphServer({ definition: population, sql, gatewayKeys: { jwks: { keys: [privateJwk as never] } } })).rejects.toThrow(/public JWKS only/);
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('GOVSHARE_GATEWAY_JWKS_URL: a rotation reaches the subgraph without a restart', () => {
  let jwksServer: Server;
  let published: JSONWebKeySet = { keys: [] };
  let stack: Stack;
  let subgraph: Awaited<ReturnType<typeof createSubgraphServer>>;
  let url: string;
  beforeAll(async () => {
    stack = await startStack({ definitions: [] });
    jwksServer = createServer((_req, res) => { res.setHeader('content-type', 'application/json'); res.end(JSON.stringify(published)); });
    await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
    const jwksUrl = `http://127.0.0.1:${(jwksServer.address() as { port: number }).port}/.well-known/jwks.json`;
    subgraph = await createSubgraphServer({ definition: population, sql: stack.database.db, gatewayKeys: { jwksUrl, cooldownMs: 0 } });
    await subgraph.listen({ host: '127.0.0.1', port: 0 });
    url = `http://127.0.0.1:${(subgraph.server.address() as { port: number }).port}/graphql`;
  });
  afterAll(async () => {
    await subgraph?.close();
    await new Promise((resolve) => jwksServer?.close(resolve));
    await stack?.close();
  });

  const call = async (signer: ReturnType<typeof createRequestSigner>) => {
    const body = JSON.stringify({ query: '{ _service { sdl } }' });
    const input: SignatureInput = { aud: 'population', rid: 'rotation' };
    return (await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: await signer.sign(input, body) } })).status;
  };

  it('verifies the current key, then a new one (Ed25519 → ES256) once it is published, and not the withdrawn one', async () => {
    const first = await signingKeyFromPem(generateSigningKeyPem(), 'first');
    const second = await signingKeyFromPem(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), 'second');
    published = publishedKeySet(first, {});
    expect(await call(createRequestSigner(first))).toBe(200);
    expect(await call(createRequestSigner(second))).toBe(401);
    published = publishedKeySet(second, {});
    expect(await call(createRequestSigner(second))).toBe(200);
  });
});

describe('the replay guard is bounded and refuses rather than forgets', () => {
  it('remembers a jti until its expiry, refuses new ones when full of live entries, and frees expired ones', () => {
    let clock = 1000;
    const guard = new ReplayGuard(2, () => clock);
    expect(guard.use('a', 1030)).toBe('first');
    expect(guard.use('a', 1030)).toBe('replayed');
    expect(guard.use('b', 1030)).toBe('first');
    expect(guard.use('c', 1030)).toBe('full');
    clock = 1031;
    expect(guard.use('c', 1061)).toBe('first');
    expect(guard.size).toBeLessThanOrEqual(2);
  });
});
