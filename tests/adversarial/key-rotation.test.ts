import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createPublicKey } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JSONWebKeySet } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRequestSigner, createSignatureVerifier, SIGNATURE_HEADER } from '../../protocol/gateway-signature.ts';
import { generateSigningKeyPem, readPublishedKeys, RETIRED_KEY_SECONDS, retiredKeySeconds, signingKeyFromPem, type GatewaySigningKey } from '../../gateway/keys/index.ts';
import { createSigningKeys } from '../../gateway/keys/key-rotation.ts';
import { freePort } from '../support/ports.ts';
import { spawnScript, waitFor, type Spawned } from '../support/processes.ts';
import { pgliteTemplateDir, TEST_SAMPLE } from '../support/sample.ts';
import { copyPgliteDataDir } from '../support/databases.ts';
import { postGraphQL } from '../support/stack.ts';
import { as } from '../support/tokens.ts';

/**
 * Issue 12: the gateway's signing key moves from A to B while it serves — `SIGHUP` re-reads the key
 * files — and no request fails; once the overlap is over, A's signatures are refused, fresh ones with a
 * new jti included, also under the protected header the subgraphs' fast path had accepted. A real
 * gateway and real subgraph processes that fetch the gateway's `/.well-known/jwks.json`
 * (`GOVSHARE_GATEWAY_JWKS_URL`), their key-set cache shortened to 2 s so that the test need not wait ten
 * minutes (the default; the fast path follows it).
 */
const ZHANG = '43010219850312123X';
const QUERY = `{ person(idNumber: "${ZHANG}") { birthDate enterprises { name } } }`;
const SUBGRAPHS = ['population', 'legal-entity'] as const;
const JWKS_CACHE_SECONDS = 2;
/**
 * The gateway's signatures live 8 s here (GOVSHARE_SIGNATURE_TTL_SECONDS), so A stays published 13 s after
 * the switch rather than the default 35 s: what is tested (published until the last signature expired,
 * then refused) is the same, the wait is shorter.
 */
const SIGNATURE_TTL = 8;
const RETIRED_SECONDS = retiredKeySeconds(SIGNATURE_TTL);
const CLIENTS = 8;

describe('rotating the gateway\'s signing key under load (SIGHUP)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'govshare-rotation-'));
  const keyFile = join(dir, 'gateway.pem');
  const publishedFile = join(dir, 'published-keys.pem');
  let a: GatewaySigningKey;
  let b: GatewaySigningKey;
  let gateway: Spawned;
  let gatewayUrl: string;
  const subgraphs: Array<{ name: string; url: string; process: Spawned }> = [];

  /** Replaces a file the way an operator should (write beside it, then rename): never half a key. */
  const replace = (path: string, text: string) => {
    writeFileSync(`${path}.new`, text, { mode: 0o600 });
    renameSync(`${path}.new`, path);
  };
  const jwksKids = async () => ((await (await fetch(`${gatewayUrl}/.well-known/jwks.json`)).json()) as JSONWebKeySet).keys.map((k) => k.kid);
  /** Sends SIGHUP and waits for the gateway to say what became of it. */
  const hangUp = async (): Promise<string> => {
    const before = gateway.output().length;
    gateway.child.kill('SIGHUP');
    await waitFor(async () => /keys (not )?reloaded/.test(gateway.output().slice(before)), 10_000, 'the gateway to reload its keys');
    return gateway.output().slice(before);
  };
  /** A call straight to a subgraph, signed by the test with `key` exactly as the gateway signs (same header, fresh jti). */
  const direct = async (key: GatewaySigningKey, subgraph: string) => {
    const url = subgraphs.find((s) => s.name === subgraph)!.url;
    const body = JSON.stringify({ query: '{ _service { sdl } }' });
    const signature = await createRequestSigner(key).sign({ aud: subgraph, rid: 'rotation-test' }, body);
    const response = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signature } });
    return { status: response.status, text: await response.text() };
  };

  beforeAll(async () => {
    a = await signingKeyFromPem(generateSigningKeyPem(), 'A');
    b = await signingKeyFromPem(generateSigningKeyPem(), 'B');
    replace(keyFile, a.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
    writeFileSync(publishedFile, '{ "keys": [] }\n');
    const ports = Object.fromEntries(await Promise.all(SUBGRAPHS.map(async (name) => [name, await freePort()] as const)));
    const gatewayPort = await freePort();
    gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
    gateway = spawnScript('gateway/main.ts', [], {
      GATEWAY_PORT: String(gatewayPort), GOVSHARE_GATEWAY_KEY: keyFile, GOVSHARE_GATEWAY_PUBLISHED_KEYS: publishedFile,
      GOVSHARE_SUBGRAPHS: SUBGRAPHS.map((name) => `${name}=http://127.0.0.1:${ports[name]}/graphql`).join(','),
      REDIS_URL: '', GOVSHARE_STATE_DATABASE_URL: '', GOVSHARE_RATE_LIMIT: '0', GOVSHARE_SIGNATURE_TTL_SECONDS: String(SIGNATURE_TTL),
    });
    for (const name of SUBGRAPHS) {
      // The seeded test template, copied: a fresh PGlite would cost seconds and hundreds of MB per process.
      const dataDir = join(dir, `subgraph-${name}`);
      mkdirSync(join(dataDir, 'pglite'), { recursive: true });
      copyPgliteDataDir(pgliteTemplateDir(), join(dataDir, 'pglite', name));
      subgraphs.push({
        name, url: `http://127.0.0.1:${ports[name]}/graphql`,
        process: spawnScript('subgraphs/main.ts', [name], {
          SUBGRAPH_PORT: String(ports[name]), GOVSHARE_DATA_DIR: dataDir, DATABASE_URL: '', REDIS_URL: '',
          GOVSHARE_GATEWAY_JWKS: '', GOVSHARE_GATEWAY_JWKS_URL: `${gatewayUrl}/.well-known/jwks.json`,
          GOVSHARE_GATEWAY_JWKS_CACHE_SECONDS: String(JWKS_CACHE_SECONDS),
          GOVSHARE_SEED: String(TEST_SAMPLE.seed), GOVSHARE_SAMPLE_PERSONS: String(TEST_SAMPLE.persons),
        }),
      });
    }
    try {
      await waitFor(async () => (await fetch(`${gatewayUrl}/readyz`)).status === 200, 120_000, 'the gateway to compose the subgraph processes');
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${gateway.output().slice(-2000)}\n${subgraphs.map((s) => s.process.output().slice(-1000)).join('\n')}`);
    }
  });

  afterAll(async () => {
    await gateway?.kill();
    await Promise.all(subgraphs.map((s) => s.process.kill()));
    rmSync(dir, { recursive: true, force: true });
  });

  let switchedAt = 0;
  const load = { running: false, served: 0, failed: [] as string[], done: Promise.resolve() as Promise<unknown> };
  let expected: unknown;

  it('switches from A to B while 8 clients keep asking, and not one request fails', { timeout: 60_000 }, async () => {
    expect(await jwksKids()).toEqual([a.kid]);
    const headers = await as('tax');
    const first = await postGraphQL(`${gatewayUrl}/graphql`, { query: QUERY }, headers);
    expect(first.status).toBe(200);
    expected = first.body.data;
    expect(first.body.data.person.birthDate).toBe('1985-03-12');
    expect(first.body.data.person.enterprises.length).toBeGreaterThan(0);

    load.running = true;
    load.done = Promise.all(Array.from({ length: CLIENTS }, async () => {
      while (load.running) {
        const r = await postGraphQL(`${gatewayUrl}/graphql`, { query: QUERY }, headers).catch((error: Error) => ({ status: 0, body: { error: error.message } }));
        if (r.status === 200 && JSON.stringify((r.body as { data?: unknown }).data) === JSON.stringify(expected)) load.served++;
        else load.failed.push(`${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    }));
    await new Promise((resolve) => setTimeout(resolve, 1000));

    // Before the switch, A is what the subgraphs accept; B not yet.
    expect((await direct(a, 'population')).status).toBe(200);
    const early = await direct(b, 'population');
    expect(early.status).toBe(401);
    expect(early.text).toContain('not one of the gateway\'s published keys');

    // Step 1: B's public key published ahead (the PEM `openssl pkey -pubout` writes), SIGHUP.
    writeFileSync(publishedFile, createPublicKey(b.privateKey).export({ type: 'spki', format: 'pem' }).toString());
    expect(await hangUp()).toMatch(new RegExp(`keys reloaded: signing subgraph calls with EdDSA key ${a.kid}`));
    expect(await jwksKids()).toEqual([a.kid, b.kid]);

    // Mistakes on the way change nothing: a private key in the published file, half a key file.
    writeFileSync(`${publishedFile}.bad`, b.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
    const published = publishedFile;
    renameSync(published, `${published}.good`);
    renameSync(`${published}.bad`, published);
    expect(await hangUp()).toMatch(/keys not reloaded.*holds a private key/);
    renameSync(`${published}.good`, published);
    replace(keyFile, '-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEI\n-----END PRIVATE KEY-----\n');
    expect(await hangUp()).toMatch(/keys not reloaded.*not a readable PKCS#8 PEM private key/);
    expect(await jwksKids()).toEqual([a.kid, b.kid]);
    replace(keyFile, a.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());

    // The subgraphs learn B within their cache time (step 1 is done before the switch for this): every one of them.
    await waitFor(async () => (await Promise.all(SUBGRAPHS.map((subgraph) => direct(b, subgraph)))).every((r) => r.status === 200),
      (JWKS_CACHE_SECONDS + 1) * 1000, 'every subgraph to accept B');

    // Step 2: the key file replaced by B, SIGHUP: every call from now on is signed with B.
    replace(keyFile, b.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
    const switched = await hangUp();
    switchedAt = Date.now();
    expect(switched).toMatch(new RegExp(`signing subgraph calls with EdDSA key ${b.kid}.*the previous key ${a.kid} stays published until`));
    expect(await jwksKids()).toEqual([b.kid, a.kid]);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(load.failed).toEqual([]);
    expect(load.served).toBeGreaterThan(50);
  });

  it('withdraws A once its last signature has expired; then A is refused at every subgraph, fast path included, and B serves', { timeout: 90_000 }, async () => {
    expect(switchedAt).toBeGreaterThan(0);
    // During the overlap A still verifies: a signature made just before the switch must not fail.
    expect((await direct(a, 'legal-entity')).status).toBe(200);
    // Keep signing with A, as someone who kept a copy of it would, from before the withdrawal to well after it.
    const attempts: Array<{ at: number; status: number; subgraph: string; text: string }> = [];
    let probing = true;
    const probe = (async () => {
      while (probing) {
        for (const subgraph of SUBGRAPHS) attempts.push({ at: Date.now(), subgraph, ...(await direct(a, subgraph)) });
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    await waitFor(async () => !(await jwksKids()).includes(a.kid), (RETIRED_SECONDS + 10) * 1000, 'A to leave the published key set');
    const withdrawnAt = Date.now();
    // Not before its last signature expired (30 s lifetime + 5 s clock tolerance).
    expect(withdrawnAt - switchedAt).toBeGreaterThanOrEqual((RETIRED_SECONDS - 1) * 1000);
    expect(await jwksKids()).toEqual([b.kid]);
    // Refused within the subgraphs' key-set cache plus the fast path's own lifetime (bounded by the cache).
    const settled = withdrawnAt + 2 * JWKS_CACHE_SECONDS * 1000 + 1500;
    await new Promise((resolve) => setTimeout(resolve, settled + 2000 - Date.now()));
    probing = false;
    await probe;
    const late = attempts.filter((attempt) => attempt.at >= settled);
    expect(late.length).toBeGreaterThan(10);
    expect(late.filter((attempt) => attempt.status !== 401)).toEqual([]);
    for (const subgraph of SUBGRAPHS) expect(late.some((attempt) => attempt.subgraph === subgraph)).toBe(true);
    expect(attempts.some((attempt) => attempt.at < withdrawnAt && attempt.status === 200)).toBe(true);
    for (const subgraph of SUBGRAPHS) {
      const refused = await direct(a, subgraph);
      expect(refused.status).toBe(401);
      expect(JSON.parse(refused.text).errors[0].extensions.code).toBe('UNAUTHENTICATED');
      expect(refused.text).toContain('not one of the gateway\'s published keys');
      expect((await direct(b, subgraph)).status).toBe(200);
    }

    // The load went on through the withdrawal, served with B alone.
    load.running = false;
    await load.done;
    expect(load.failed).toEqual([]);
    const after = await postGraphQL(`${gatewayUrl}/graphql`, { query: QUERY }, await as('tax'));
    expect(after.status).toBe(200);
    expect(after.body.data).toEqual(expected);
  });
});

describe('the signing keys a reload switches between (clock injected)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'govshare-rotation-unit-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps the previous key published exactly until its last signature has expired, and signs with the new one at once', async () => {
    const a = await signingKeyFromPem(generateSigningKeyPem(), 'A');
    const b = await signingKeyFromPem(generateSigningKeyPem(), 'B');
    let clock = 1_000_000;
    let next = a;
    const keys = createSigningKeys({ initial: a, load: async () => next, env: {}, now: () => clock });
    const kids = () => keys.keySet().keys.map((k) => k.kid);
    expect(await keys.reload()).toMatchObject({ switched: false, published: [a.kid] });
    const body = JSON.stringify({ query: '{ _service { sdl } }' });
    const before = await keys.signer.sign({ aud: 'population', rid: 'r' }, body);

    next = b;
    const switched = await keys.reload();
    expect(switched).toMatchObject({ switched: true, published: [b.kid, a.kid], retired: { kid: a.kid } });
    expect(switched.retired!.until.getTime()).toBe(clock + RETIRED_KEY_SECONDS * 1000);
    expect(keys.current.kid).toBe(b.kid);
    expect(keys.signer.kid).toBe(b.kid);
    const after = await keys.signer.sign({ aud: 'population', rid: 'r' }, body);
    // Both verify against what is published during the overlap; the header says which key made each.
    const verifier = createSignatureVerifier({ audience: 'population', keys: { jwks: keys.keySet() } });
    for (const token of [before, after]) expect((await verifier.verifyToken(token)).ok).toBe(true);
    expect(JSON.parse(Buffer.from(before.split('.')[0]!, 'base64url').toString()).kid).toBe(a.kid);
    expect(JSON.parse(Buffer.from(after.split('.')[0]!, 'base64url').toString()).kid).toBe(b.kid);

    clock += RETIRED_KEY_SECONDS * 1000 - 1;
    expect(kids()).toEqual([b.kid, a.kid]);
    clock += 2;
    expect(kids()).toEqual([b.kid]);
    const late = createSignatureVerifier({ audience: 'population', keys: { jwks: keys.keySet() } });
    expect(await late.verifyToken(await createRequestSigner(a).sign({ aud: 'population', rid: 'r' }, body))).toMatchObject({ ok: false, reason: expect.stringContaining('not one of the gateway\'s published keys') });
  });

  it('a shorter signature lifetime (GOVSHARE_SIGNATURE_TTL_SECONDS) shortens both the signatures and the overlap', async () => {
    const a = await signingKeyFromPem(generateSigningKeyPem(), 'A');
    const b = await signingKeyFromPem(generateSigningKeyPem(), 'B');
    let clock = 5_000_000;
    const keys = createSigningKeys({ initial: a, load: async () => b, env: {}, signatureTtlSeconds: 8, now: () => clock });
    const claims = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { iat: number; exp: number };
    const signed = claims(await keys.signer.sign({ aud: 'population', rid: 'r' }, '{}'));
    expect(signed.exp - signed.iat).toBe(8);
    const switched = await keys.reload();
    expect(switched.retired!.until.getTime()).toBe(clock + 13_000);
    const after = claims(await keys.signer.sign({ aud: 'population', rid: 'r' }, '{}'));
    expect(after.exp - after.iat).toBe(8);
    clock += 13_001;
    expect(keys.keySet().keys.map((k) => k.kid)).toEqual([b.kid]);
    // Unset, the protocol's 30 s, and the overlap 35 s.
    const plain = createSigningKeys({ initial: a, load: async () => b, env: {}, now: () => clock });
    const plainClaims = claims(await plain.signer.sign({ aud: 'population', rid: 'r' }, '{}'));
    expect(plainClaims.exp - plainClaims.iat).toBe(30);
    expect((await plain.reload()).retired!.until.getTime()).toBe(clock + RETIRED_KEY_SECONDS * 1000);
  });

  it('switching back within the overlap publishes both, the one now retired with its own deadline', async () => {
    const a = await signingKeyFromPem(generateSigningKeyPem(), 'A');
    const b = await signingKeyFromPem(generateSigningKeyPem(), 'B');
    let clock = 0;
    let next = b;
    const keys = createSigningKeys({ initial: a, load: async () => next, env: {}, now: () => clock });
    await keys.reload();
    clock += 10_000;
    next = a;
    expect(await keys.reload()).toMatchObject({ switched: true, published: [a.kid, b.kid], retired: { kid: b.kid } });
    clock += RETIRED_KEY_SECONDS * 1000 + 1;
    expect(keys.keySet().keys.map((k) => k.kid)).toEqual([a.kid]);
  });

  it('changes nothing when a file cannot be used: a key that does not load, a private key among the published ones', async () => {
    const a = await signingKeyFromPem(generateSigningKeyPem(), 'A');
    const b = await signingKeyFromPem(generateSigningKeyPem(), 'B');
    const publishedFile = join(dir, 'published.pem');
    writeFileSync(publishedFile, createPublicKey(b.privateKey).export({ type: 'spki', format: 'pem' }).toString());
    let load: () => Promise<GatewaySigningKey> = async () => a;
    const keys = createSigningKeys({ initial: a, load: () => load(), env: { GOVSHARE_GATEWAY_PUBLISHED_KEYS: publishedFile } });
    expect(keys.keySet().keys.map((k) => k.kid)).toEqual([a.kid, b.kid]);

    load = async () => { throw new Error('GOVSHARE_GATEWAY_KEY (x) is not a readable PKCS#8 PEM private key'); };
    await expect(keys.reload()).rejects.toThrow(/not a readable/);
    load = async () => b;
    writeFileSync(publishedFile, JSON.stringify({ keys: [b.privateKey.export({ format: 'jwk' })] }));
    await expect(keys.reload()).rejects.toThrow(/private or symmetric key material/);
    writeFileSync(publishedFile, b.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
    await expect(keys.reload()).rejects.toThrow(/holds a private key/);
    // Still A, still the set it had.
    expect(keys.current.kid).toBe(a.kid);
    expect(keys.signer.kid).toBe(a.kid);
    expect(keys.keySet().keys.map((k) => k.kid)).toEqual([a.kid, b.kid]);
  });

  it('lets a retired key go from the set as read at the last reload, whatever the file holds meanwhile', async () => {
    const a = await signingKeyFromPem(generateSigningKeyPem(), 'A');
    const b = await signingKeyFromPem(generateSigningKeyPem(), 'B');
    const c = await signingKeyFromPem(generateSigningKeyPem(), 'C');
    const publishedFile = join(dir, 'meanwhile.pem');
    writeFileSync(publishedFile, createPublicKey(c.privateKey).export({ type: 'spki', format: 'pem' }).toString());
    let clock = 0;
    const keys = createSigningKeys({ initial: a, load: async () => b, env: { GOVSHARE_GATEWAY_PUBLISHED_KEYS: publishedFile }, now: () => clock });
    await keys.reload();
    expect(keys.keySet().keys.map((k) => k.kid)).toEqual([b.kid, c.kid, a.kid]);
    writeFileSync(publishedFile, 'half a fi');
    clock += RETIRED_KEY_SECONDS * 1000 + 1;
    expect(keys.keySet().keys.map((k) => k.kid)).toEqual([b.kid, c.kid]);
  });

  it('reads PEM public keys (kid = RFC 7638 thumbprint, as the gateway\'s own) and an empty JWKS', async () => {
    const ed = await signingKeyFromPem(generateSigningKeyPem(), 'ed');
    const { generateKeyPairSync } = await import('node:crypto');
    const p256 = await signingKeyFromPem(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), 'p256');
    const file = join(dir, 'two.pem');
    writeFileSync(file, [ed, p256].map((k) => createPublicKey(k.privateKey).export({ type: 'spki', format: 'pem' }).toString()).join('\n'));
    expect(readPublishedKeys({ GOVSHARE_GATEWAY_PUBLISHED_KEYS: file })).toEqual([ed.publicJwk, p256.publicJwk]);
    writeFileSync(file, '{ "keys": [] }');
    expect(readPublishedKeys({ GOVSHARE_GATEWAY_PUBLISHED_KEYS: file })).toEqual([]);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    writeFileSync(file, rsa);
    expect(() => readPublishedKeys({ GOVSHARE_GATEWAY_PUBLISHED_KEYS: file })).toThrow(/Ed25519 or P-256/);
    expect(() => readPublishedKeys({ GOVSHARE_GATEWAY_PUBLISHED_KEYS: join(dir, 'missing.json') })).toThrow(/cannot read it/);
  });
});
