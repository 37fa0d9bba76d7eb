import { sign } from 'node:crypto';
import type { SigningKey } from '../../protocol/gateway-signature.ts';
import { CLAIM_KEY_ISSUER, CLAIM_KEY_TOKEN_SECONDS, CLAIM_KEY_TYPE, type ClaimKeyClaims } from '../../protocol/sealed-claims/index.ts';

/**
 * The gateway's word that a claim key is the one registered for a resource (`Resource.claimKey.signature`):
 * a compact JWS with the gateway's key, `typ: claim-key+jwt` so that it never passes for a call signature or
 * a checkpoint (nor they for it). node:crypto on the KeyObject, as the other signatures of the gateway;
 * verified with jose (protocol/sealed-claims/claim-key-token.ts).
 */
export function signClaimKey(key: SigningKey, claims: Omit<ClaimKeyClaims, 'iss' | 'iat' | 'exp'>, now: Date): string {
  const iat = Math.floor(now.getTime() / 1000);
  const payload: ClaimKeyClaims = { iss: CLAIM_KEY_ISSUER, ...claims, iat, exp: iat + CLAIM_KEY_TOKEN_SECONDS };
  const header = Buffer.from(JSON.stringify({ alg: key.alg, kid: key.kid, typ: CLAIM_KEY_TYPE })).toString('base64url');
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  const input = Buffer.from(`${header}.${body}`);
  // ES256 wants the raw R||S form of the signature (JWA §3.4), not DER.
  const signature = key.alg === 'EdDSA' ? sign(null, input, key.privateKey) : sign('sha256', input, { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
  return `${header}.${body}.${signature.toString('base64url')}`;
}
