import { jwtVerify, type JWTVerifyGetKey } from 'jose';
import { claimKeyId, type PublicClaimKey } from './claim-key.ts';
import { SEALED_CLAIMS_SUITE } from './wire.ts';

/**
 * The gateway vouches for a provider's claim key: a compact JWS with the gateway's key (the one that
 * signs subgraph calls and checkpoints, `/.well-known/jwks.json`), explicitly typed so that neither
 * kind of signature passes for another (RFC 8725 §3.11).
 */
export const CLAIM_KEY_TYPE = 'claim-key+jwt';
export const CLAIM_KEY_ISSUER = 'govshare-gateway';
export const CLAIM_KEY_ALGORITHMS = ['EdDSA', 'ES256'];
/** How long a signed claim key is good for: the gateway signs afresh when it serves it, a consumer keeps it no longer. */
export const CLAIM_KEY_TOKEN_SECONDS = 600;

/** What the gateway signs: which resource, whose key, which suite. */
export interface ClaimKeyClaims {
  iss: string;
  /** The resource code the key seals claims for. */
  sub: string;
  /** The provider department. */
  provider: string;
  kid: string;
  key: string;
  suite: string;
  iat: number;
  exp: number;
}

/** `Resource.claimKey` as the catalog serves it. */
export interface SignedClaimKey extends PublicClaimKey {
  suite: string;
  signature: string;
}

export class ClaimKeyVerificationError extends Error {
  override name = 'ClaimKeyVerificationError';
}

/**
 * Checks that a catalog's claim key is the one the gateway registered for `resource`: the signature
 * under the gateway's published keys, its type, issuer, subject and lifetime, and that it signs exactly
 * this kid, key and suite, the kid being the key's thumbprint. Returns the provider it names.
 */
export async function verifyClaimKey(claimKey: SignedClaimKey, resource: string, keys: JWTVerifyGetKey): Promise<{ provider: string; expiresAt: Date }> {
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(claimKey.signature, keys, {
      algorithms: CLAIM_KEY_ALGORITHMS, typ: CLAIM_KEY_TYPE, issuer: CLAIM_KEY_ISSUER, subject: resource, requiredClaims: ['iat', 'exp'],
    }));
  } catch (error) {
    throw new ClaimKeyVerificationError(`the claim key of ${resource} is not signed by the gateway's published keys (${(error as Error).message})`);
  }
  if (payload.kid !== claimKey.kid || payload.key !== claimKey.key || payload.suite !== claimKey.suite) {
    throw new ClaimKeyVerificationError(`the gateway's signature over the claim key of ${resource} names another key`);
  }
  if (claimKey.suite !== SEALED_CLAIMS_SUITE) throw new ClaimKeyVerificationError(`the claim key of ${resource} is for suite ${claimKey.suite}; this client seals with ${SEALED_CLAIMS_SUITE}`);
  if (await claimKeyId(claimKey.key) !== claimKey.kid) throw new ClaimKeyVerificationError(`the claim key id of ${resource} is not the thumbprint of its key`);
  if (typeof payload.provider !== 'string') throw new ClaimKeyVerificationError(`the signed claim key of ${resource} names no provider`);
  return { provider: payload.provider, expiresAt: new Date(Number(payload.exp) * 1000) };
}
