import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The gateway's signature on every subgraph request: a compact JWS (HS256) in `X-Govshare-Signature`,
 * readable by any JWT library, so providers on other stacks can verify it too.
 *
 * Claims: `iss` "govshare-gateway"; `aud` the subgraph's name; `iat`/`exp` (30 s); `rid` the
 * gateway request id; `sub` the calling department (absent for the gateway's own calls such as
 * fetching SDL); `pur` the stated purpose; `fld` the field coordinates the caller may read;
 * `bh` base64url SHA-256 of the exact request body, so a signature cannot be moved to another query.
 */
export const SIGNATURE_HEADER = 'x-govshare-signature';
export const SIGNATURE_ISSUER = 'govshare-gateway';
export const SIGNATURE_TTL_SECONDS = 30;
export const DEV_SUBGRAPH_SECRET = 'govshare-dev-subgraph-secret-not-for-production';

export interface SignatureClaims {
  iss: string;
  aud: string;
  iat: number;
  exp: number;
  rid: string;
  sub?: string;
  pur?: string;
  fld?: string[];
  bh: string;
}

export type SignatureInput = Omit<SignatureClaims, 'iss' | 'iat' | 'exp' | 'bh'>;

const HEADER = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));

export function bodyHash(body: string | Buffer): string {
  return createHash('sha256').update(body).digest('base64url');
}

export function signRequest(secret: string, input: SignatureInput, body: string, nowSeconds = Math.floor(Date.now() / 1000)): string {
  const claims: SignatureClaims = {
    iss: SIGNATURE_ISSUER, ...input, iat: nowSeconds, exp: nowSeconds + SIGNATURE_TTL_SECONDS, bh: bodyHash(body),
  };
  const signingInput = `${HEADER}.${base64url(JSON.stringify(claims))}`;
  return `${signingInput}.${createHmac('sha256', secret).update(signingInput).digest('base64url')}`;
}

export type SignatureCheck = { ok: true; claims: SignatureClaims } | { ok: false; reason: string };

/** Verifies signature, issuer, audience, expiry and the body hash. */
export function verifyRequestSignature(
  secret: string, token: string | undefined, audience: string, body: string | Buffer,
  nowSeconds = Math.floor(Date.now() / 1000),
): SignatureCheck {
  if (!token) return { ok: false, reason: 'missing gateway signature' };
  const parts = token.split('.');
  if (parts.length !== 3) return { ok: false, reason: 'malformed gateway signature' };
  const [header, payload, signature] = parts as [string, string, string];
  if (header !== HEADER) return { ok: false, reason: 'unsupported signature header (HS256 JWT expected)' };
  const expected = createHmac('sha256', secret).update(`${header}.${payload}`).digest();
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'bad gateway signature' };
  let claims: SignatureClaims;
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as SignatureClaims;
  } catch {
    return { ok: false, reason: 'malformed signature claims' };
  }
  if (claims.iss !== SIGNATURE_ISSUER) return { ok: false, reason: 'signature not issued by the gateway' };
  if (claims.aud !== audience) return { ok: false, reason: `signature is for subgraph "${claims.aud}", not "${audience}"` };
  if (typeof claims.exp !== 'number' || claims.exp < nowSeconds) return { ok: false, reason: 'gateway signature expired' };
  if (typeof claims.iat !== 'number' || claims.iat > nowSeconds + 5) return { ok: false, reason: 'gateway signature issued in the future' };
  if (claims.bh !== bodyHash(body)) return { ok: false, reason: 'gateway signature does not match the request body' };
  return { ok: true, claims };
}

export function subgraphSecretFromEnv(env: NodeJS.ProcessEnv): { secret: string; dev: boolean } {
  return env.GOVSHARE_SUBGRAPH_SECRET ? { secret: env.GOVSHARE_SUBGRAPH_SECRET, dev: false } : { secret: DEV_SUBGRAPH_SECRET, dev: true };
}

function base64url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}
