import { createHash, generateKeyPairSync, randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRequestSigner, SIGNATURE_HEADER } from '../../protocol/gateway-signature.ts';
import { generateSigningKeyPem, signingKeyFromPem } from '../../gateway/keys/index.ts';
import { SAMPLE_SUBGRAPHS } from '../../subgraphs/samples.ts';
import { startStack, type Stack } from '../support/stack.ts';

/**
 * Issue 12: "a call signed with the old shared HS256 key, or with any key not in the JWKS, is refused
 * (401) at every sample subgraph; a captured signature is refused at another subgraph and on second use
 * at its own". `keys.test.ts` attacks `population` in depth; this file runs the same door checks at all
 * seven, each with a body it would otherwise serve (`_service`), so only the signature decides.
 */
const PUBLISHED_DEV_SUBGRAPH_SECRET = 'govshare-dev-subgraph-secret-not-for-production';
const BODY = JSON.stringify({ query: '{ _service { sdl } }' });
const NAMES = SAMPLE_SUBGRAPHS.map((d) => d.name);

describe('the door of every sample subgraph', () => {
  let stack: Stack;
  const url = (name: string) => stack.subgraphs.find((s) => s.name === name)!.url;
  beforeAll(async () => { stack = await startStack(); });
  afterAll(async () => { await stack?.close(); });

  async function send(name: string, signature: string) {
    const response = await fetch(url(name), { method: 'POST', body: BODY, headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signature } });
    const text = await response.text();
    return { status: response.status, text };
  }
  function expectRefused(result: { status: number; text: string }, what: string) {
    expect(result.status, `${what}: ${result.text.slice(0, 200)}`).toBe(401);
    expect(JSON.parse(result.text).errors[0].extensions.code, what).toBe('UNAUTHENTICATED');
    expect(result.text, what).not.toContain('_service');
    expect(result.text, what).not.toContain('@resource');
  }
  const claims = (aud: string) => {
    const iat = Math.floor(Date.now() / 1000);
    return { iss: 'govshare-gateway', aud, iat, exp: iat + 30, jti: randomUUID(), rid: 'every-subgraph', bh: createHash('sha256').update(BODY).digest('base64url') };
  };

  it('has all seven samples to attack', () => {
    expect(NAMES).toEqual(['population', 'legal-entity', 'e-license', 'credit', 'housing', 'social-security', 'civil-affairs']);
    expect(stack.subgraphs.map((s) => s.name).sort()).toEqual([...NAMES].sort());
  });

  it.each(NAMES)('%s: serves the gateway\'s own signature (the control)', async (name) => {
    const result = await send(name, await stack.keys.signer.sign({ aud: name, rid: 'control' }, BODY));
    expect(result.status, result.text.slice(0, 200)).toBe(200);
    expect(JSON.parse(result.text).data._service.sdl).toContain('@resource');
  });

  it.each(NAMES)('%s: refuses HS256 with the shared key earlier versions published, and HS256 keyed with the public key', async (name) => {
    const hs256 = (secret: string, kid?: string) =>
      new SignJWT(claims(name)).setProtectedHeader({ alg: 'HS256', typ: 'JWT', ...(kid ? { kid } : {}) }).sign(new TextEncoder().encode(secret));
    expectRefused(await send(name, await hs256(PUBLISHED_DEV_SUBGRAPH_SECRET)), `${name}: old shared HS256 key`);
    expectRefused(await send(name, await hs256(PUBLISHED_DEV_SUBGRAPH_SECRET, stack.keys.signing.kid)), `${name}: old shared HS256 key under the gateway kid`);
    expectRefused(await send(name, await hs256(stack.keys.signing.publicJwk.x!, stack.keys.signing.kid)), `${name}: HS256 keyed with the public key`);
  });

  it.each(NAMES)('%s: refuses keys that are not in the JWKS, under their own kid or the gateway\'s', async (name) => {
    const forger = await signingKeyFromPem(generateSigningKeyPem(), 'forger');
    const p256 = await signingKeyFromPem(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), 'forger-p256');
    const input = { aud: name, rid: 'forged', sub: 'tax', fld: [] };
    expectRefused(await send(name, await createRequestSigner(forger).sign(input, BODY)), `${name}: unknown Ed25519 key`);
    expectRefused(await send(name, await createRequestSigner({ ...forger, kid: stack.keys.signing.kid }).sign(input, BODY)), `${name}: Ed25519 under the gateway kid`);
    expectRefused(await send(name, await createRequestSigner(p256).sign(input, BODY)), `${name}: unknown P-256 key`);
    expectRefused(await send(name, await createRequestSigner({ ...p256, kid: stack.keys.signing.kid }).sign(input, BODY)), `${name}: P-256 under the gateway kid`);
  });

  it.each(NAMES)('%s: a captured signature is refused at every other subgraph, served once at its own, refused the second time', async (name) => {
    const captured = await stack.keys.signer.sign({ aud: name, rid: 'captured', sub: 'tax', fld: [] }, BODY);
    for (const other of NAMES.filter((n) => n !== name)) {
      const result = await send(other, captured);
      expectRefused(result, `${name}'s signature at ${other}`);
      expect(result.text).toContain(`not for subgraph \\"${other}\\"`);
    }
    expect((await send(name, captured)).status).toBe(200);
    const replayed = await send(name, captured);
    expectRefused(replayed, `${name}: second use`);
    expect(replayed.text).toContain('already used');
  });
});
