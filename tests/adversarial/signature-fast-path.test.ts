/**
 * The subgraph's signature hot path: once jose has accepted a signature, later ones under the same
 * header segment are checked with node:crypto. An attacker who knows that header (it is public: alg
 * and kid) must get nothing more out of the fast path than out of jose.
 */
import { describe, expect, it } from 'vitest';
import { SignJWT } from 'jose';
import { createRequestSigner, createSignatureVerifier, type SignatureCheck } from '../../protocol/gateway-signature.ts';
import { generateSigningKeyPem, publishedKeySet, signingKeyFromPem } from '../../gateway/keys/index.ts';

const BODY = JSON.stringify({ query: '{ person(idNumber: "43010219850312123X") { mobile } }' });

async function setup() {
  const gateway = await signingKeyFromPem(generateSigningKeyPem(), 'test key');
  const forger = await signingKeyFromPem(generateSigningKeyPem(), 'forger key');
  const verifier = createSignatureVerifier({ audience: 'population', keys: { jwks: publishedKeySet(gateway, {}) } });
  const signer = createRequestSigner(gateway);
  const check = async (token: string): Promise<SignatureCheck> => {
    const verified = await verifier.verifyToken(token);
    return verified.ok ? verifier.accept(verified.claims, BODY) : verified;
  };
  return { gateway, forger, signer, check };
}

describe('signature fast path', () => {
  it('accepts genuine signatures on both paths and refuses a replay on the fast one', async () => {
    const { signer, check } = await setup();
    const first = await signer.sign({ aud: 'population', rid: 'a', sub: 'tax' }, BODY);
    expect((await check(first)).ok).toBe(true); // jose path: the header becomes known
    const second = await signer.sign({ aud: 'population', rid: 'b', sub: 'tax' }, BODY);
    expect((await check(second)).ok).toBe(true); // fast path
    expect(await check(second)).toMatchObject({ ok: false, reason: expect.stringContaining('already used') });
  });

  it('refuses, under the known header, a forged key, a tampered payload, another audience, an expired or over-long signature', async () => {
    const { gateway, forger, signer, check } = await setup();
    expect((await check(await signer.sign({ aud: 'population', rid: 'warm' }, BODY))).ok).toBe(true);

    // Another key, same kid: the header segment is byte-identical to the known one.
    const forged = await createRequestSigner({ ...forger, kid: gateway.kid }).sign({ aud: 'population', rid: 'x', fld: ['Person.mobile'] }, BODY);
    expect(forged.split('.')[0]).toBe((await signer.sign({ aud: 'population', rid: 'y' }, BODY)).split('.')[0]);
    expect(await check(forged)).toMatchObject({ ok: false, reason: 'bad gateway signature' });

    // A genuine signature with its payload swapped for one granting more.
    const genuine = await signer.sign({ aud: 'population', rid: 'z', fld: [] }, BODY);
    const [h, p, sig] = genuine.split('.');
    const claims = JSON.parse(Buffer.from(p!, 'base64url').toString());
    const widened = Buffer.from(JSON.stringify({ ...claims, fld: ['Person.mobile'] })).toString('base64url');
    expect(await check(`${h}.${widened}.${sig}`)).toMatchObject({ ok: false, reason: 'bad gateway signature' });
    expect(await check(`${h}.${p}`)).toMatchObject({ ok: false });
    expect(await check(`${h}..${sig}`)).toMatchObject({ ok: false });

    const now = Math.floor(Date.now() / 1000);
    expect(await check(await signer.sign({ aud: 'legal-entity', rid: 'o' }, BODY))).toMatchObject({ ok: false, reason: expect.stringContaining('not for subgraph') });
    expect(await check(await signer.sign({ aud: 'population', rid: 'e' }, BODY, now - 120))).toMatchObject({ ok: false, reason: 'gateway signature expired' });

    // Over-long and issuer-less tokens signed with the gateway's own key under the same header.
    const header = { alg: gateway.alg, kid: gateway.kid, typ: 'JWT' };
    const base = { aud: 'population', rid: 'l', jti: crypto.randomUUID(), bh: claims.bh };
    const long = await new SignJWT({ ...base, iss: 'govshare-gateway', iat: now, exp: now + 3600 }).setProtectedHeader(header).sign(gateway.privateKey);
    expect(await check(long)).toMatchObject({ ok: false, reason: expect.stringContaining('longer than') });
    const noIssuer = await new SignJWT({ ...base, jti: crypto.randomUUID(), iat: now, exp: now + 30 }).setProtectedHeader(header).sign(gateway.privateKey);
    expect(await check(noIssuer)).toMatchObject({ ok: false, reason: 'signature not issued by the gateway' });
  });
});
