import { createHash, KeyObject, randomUUID, sign, verify as cryptoVerify, type webcrypto } from 'node:crypto';
import {
  createLocalJWKSet, createRemoteJWKSet, errors as joseErrors, jwtVerify,
  type JSONWebKeySet, type JWTVerifyGetKey,
} from 'jose';
import { ReplayGuard } from './replay-guard.ts';

/**
 * The wire protocol between the gateway and its subgraphs (CONTRACT §3 v1.1), shared by the gateway
 * (signing) and the provider kit (verifying); providers on other stacks implement the same with any
 * JWT library.
 *
 * Every request the gateway sends a subgraph carries `X-Govshare-Signature`: a compact JWS made
 * with the gateway's private key (EdDSA/Ed25519, or ES256), `kid` in its header. Claims: `iss`
 * "govshare-gateway"; `aud` the subgraph's name; `iat`/`exp` (at most 60 s apart); `jti` unique per
 * call, accepted once; `rid` the gateway's request id; `sub` the calling department (absent for the
 * gateway's own calls such as fetching SDL); `pur` the stated purpose; `fld` the field coordinates
 * the caller may read; `bh` the base64url SHA-256 of the exact body bytes (of the raw query string
 * for a request without a body), so a signature cannot be moved to another query.
 */
export const SIGNATURE_HEADER = 'x-govshare-signature';
export const SIGNATURE_ISSUER = 'govshare-gateway';
/** How long the gateway's signatures live: long enough for clock skew, short enough to be useless later. */
export const SIGNATURE_TTL_SECONDS = 30;
/** What a subgraph accepts at most (`exp - iat`). */
export const MAX_SIGNATURE_LIFETIME_SECONDS = 60;
/** Asymmetric only: a subgraph holds nothing that can sign, so HMAC (HS*) and `none` are never accepted. */
export const SIGNATURE_ALGORITHMS = ['EdDSA', 'Ed25519', 'ES256'] as const;
export type SignatureAlgorithm = (typeof SIGNATURE_ALGORITHMS)[number];
export const CLOCK_TOLERANCE_SECONDS = 5;

export interface SignatureClaims {
  iss: string;
  aud: string;
  iat: number;
  exp: number;
  jti: string;
  rid: string;
  sub?: string;
  pur?: string;
  fld?: string[];
  bh: string;
}

/** What the gateway decides per call; the rest (`iss`, `iat`, `exp`, `jti`, `bh`) the signer adds. */
export interface SignatureInput {
  aud: string;
  rid: string;
  sub?: string;
  pur?: string;
  fld?: string[];
}

export function bodyHash(body: string | Uint8Array): string {
  return createHash('sha256').update(body).digest('base64url');
}

// ---------------------------------------------------------------------------------------- signing

/** The gateway's private signing key, imported once as a KeyObject (signing runs on every subgraph call). */
export interface SigningKey {
  kid: string;
  alg: 'EdDSA' | 'ES256';
  privateKey: KeyObject;
}

export interface RequestSigner {
  readonly kid: string;
  /** The value of `X-Govshare-Signature` for this body. */
  sign(input: SignatureInput, body: string | Uint8Array, nowSeconds?: number): Promise<string>;
}

/**
 * Signs with node:crypto on the KeyObject, synchronously. Measured here (Node 20, Ed25519): 37 µs of
 * CPU per call, against 152 µs for jose's SignJWT, whose WebCrypto path costs more than the signature
 * itself; at five or six subgraph calls per request that is most of the gateway's own CPU budget. The
 * output is a plain compact JWS (RFC 7515) that jose — and any JWT library — verifies (the tests do);
 * the header segment is encoded once. Verification, key import and the JWKS stay with jose.
 * `ttlSeconds`: the signature's lifetime, SIGNATURE_TTL_SECONDS unless configured shorter
 * (`GOVSHARE_SIGNATURE_TTL_SECONDS`; verifiers accept up to MAX_SIGNATURE_LIFETIME_SECONDS).
 */
export function createRequestSigner(key: SigningKey, ttlSeconds = SIGNATURE_TTL_SECONDS): RequestSigner {
  const header = Buffer.from(JSON.stringify({ alg: key.alg, kid: key.kid, typ: 'JWT' })).toString('base64url');
  // ES256 wants the raw R||S form of the signature (JWA §3.4), not DER.
  const signWith = key.alg === 'EdDSA'
    ? (data: Buffer) => sign(null, data, key.privateKey)
    : (data: Buffer) => sign('sha256', data, { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
  return {
    kid: key.kid,
    async sign(input, body, nowSeconds = Math.floor(Date.now() / 1000)) {
      const claims: SignatureClaims = {
        iss: SIGNATURE_ISSUER, ...input,
        iat: nowSeconds, exp: nowSeconds + ttlSeconds, jti: randomUUID(), bh: bodyHash(body),
      };
      const signingInput = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
      return `${signingInput}.${signWith(Buffer.from(signingInput)).toString('base64url')}`;
    },
  };
}

// ----------------------------------------------------------------------------------- verification

/** Where a subgraph finds the gateway's public keys: a key set handed over, or the gateway's JWKS URL. */
export type VerificationKeys =
  | { jwks: JSONWebKeySet }
  | {
    jwksUrl: string | URL;
    /** At most one refetch on an unknown kid per this long (default 10 s). */
    cooldownMs?: number;
    /** How long a fetched set is used before it is fetched again (default JWKS_CACHE_MS). */
    cacheMaxAgeMs?: number;
  };

/**
 * A fetched key set is used this long (10 min) before it is fetched again: a key withdrawn from the
 * gateway's set is refused at most this long (plus the fast path's minute, `KnownHeaders`) later.
 */
export const JWKS_CACHE_MS = 10 * 60_000;
/** How long the fast path re-checks a protected header jose accepted, at most. */
export const KNOWN_HEADER_MS = 60_000;

/** Members of a JWK that only a private (or symmetric) key has. */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth'];

/** Refuses a key set that could sign: a subgraph must hold public keys only. */
export function assertPublicKeySet(jwks: unknown, where: string): JSONWebKeySet {
  const keys = (jwks as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys) || keys.length === 0) throw new Error(`${where} is not a JWKS: expected { "keys": [ … ] } with at least one key`);
  for (const key of keys as Record<string, unknown>[]) {
    const secret = PRIVATE_MEMBERS.filter((m) => key && m in key);
    if (secret.length) throw new Error(`${where} holds private or symmetric key material (${secret.join(', ')}): give subgraphs the public JWKS only`);
  }
  return jwks as JSONWebKeySet;
}

function keyResolver(keys: VerificationKeys): JWTVerifyGetKey {
  if ('jwks' in keys) return createLocalJWKSet(assertPublicKeySet(keys.jwks, 'the gateway key set'));
  // An unknown kid makes jose fetch the set again (once per cooldown), so a rotation needs no restart.
  return createRemoteJWKSet(new URL(keys.jwksUrl), { cooldownDuration: keys.cooldownMs ?? 10_000, cacheMaxAge: keys.cacheMaxAgeMs ?? JWKS_CACHE_MS });
}

/** The fast path trusts a key no longer than the key set it came from is trusted. */
function knownHeaderMs(keys: VerificationKeys): number {
  return 'jwks' in keys ? KNOWN_HEADER_MS : Math.min(KNOWN_HEADER_MS, keys.cacheMaxAgeMs ?? JWKS_CACHE_MS);
}

export type SignatureCheck = { ok: true; claims: SignatureClaims } | { ok: false; reason: string };

export interface SignatureVerifierOptions {
  /** This subgraph's name: the only `aud` it accepts. */
  audience: string;
  keys: VerificationKeys;
  /** Remembers accepted `jti`s until their `exp`; one per process (the default) is what single use needs. */
  replay?: ReplayGuard;
}

export interface SignatureVerifier {
  /** Signature, issuer, audience, lifetime and claim types; does not yet use up the `jti`. */
  verifyToken(token: string | undefined): Promise<SignatureCheck>;
  /** The body hash, then the single use of `jti`: call last, once everything else has passed. */
  accept(claims: SignatureClaims, body: string | Uint8Array | { digest: string }): SignatureCheck;
}

export function createSignatureVerifier({ audience, keys, replay = new ReplayGuard() }: SignatureVerifierOptions): SignatureVerifier {
  const getKey = keyResolver(keys);
  const known = new KnownHeaders(knownHeaderMs(keys));
  const checkClaims = (payload: Record<string, unknown>): SignatureCheck => {
    const claims = readClaims(payload);
    if (typeof claims === 'string') return { ok: false, reason: claims };
    const now = Math.floor(Date.now() / 1000);
    if (claims.exp - claims.iat > MAX_SIGNATURE_LIFETIME_SECONDS) return { ok: false, reason: `gateway signature lives longer than ${MAX_SIGNATURE_LIFETIME_SECONDS} s` };
    if (claims.iat > now + CLOCK_TOLERANCE_SECONDS) return { ok: false, reason: 'gateway signature issued in the future' };
    return { ok: true, claims };
  };
  return {
    async verifyToken(token) {
      if (!token) return { ok: false, reason: 'missing gateway signature' };
      const fast = known.verify(token);
      if (fast === 'bad') return { ok: false, reason: 'bad gateway signature' };
      if (fast) {
        const reason = standardClaimsProblem(fast, audience);
        return reason ? { ok: false, reason } : checkClaims(fast);
      }
      let payload: Record<string, unknown>;
      let used: unknown;
      try {
        ({ payload } = await jwtVerify(token, async (header, jws) => (used = await getKey(header, jws)), {
          algorithms: [...SIGNATURE_ALGORITHMS], issuer: SIGNATURE_ISSUER, audience,
          requiredClaims: ['iat', 'exp', 'jti', 'bh', 'rid'], clockTolerance: CLOCK_TOLERANCE_SECONDS,
        }));
      } catch (error) {
        return { ok: false, reason: describeError(error, audience) };
      }
      known.remember(token, used);
      return checkClaims(payload);
    },
    accept(claims, body) {
      const digest = typeof body === 'object' && 'digest' in body ? body.digest : bodyHash(body);
      if (claims.bh !== digest) return { ok: false, reason: 'gateway signature does not match the request body' };
      const use = replay.use(claims.jti, claims.exp + CLOCK_TOLERANCE_SECONDS);
      if (use !== 'first') return { ok: false, reason: use === 'replayed' ? 'gateway signature already used (jti seen before)' : 'too many signatures in flight: try again' };
      return { ok: true, claims };
    },
  };
}

/**
 * The verifier's hot path. jose verifies a signature whose protected header this process has not
 * seen (with every check of RFC 7515/7519: algorithm allow-list, key selection by `kid` from the
 * JWKS); once it has accepted one, later signatures under the byte-identical header segment are
 * checked with node:crypto on the same key: 107 µs instead of 192 µs of CPU per subgraph call,
 * measured here, which is half of what the door costs a subgraph. No alg or key confusion is
 * possible on that path (the header is the one jose accepted, byte for byte), and an entry lives one
 * minute (less when the key set itself is cached for less), so a key withdrawn from the JWKS stops
 * verifying within a minute of jose's own cache letting it go.
 */
class KnownHeaders {
  private readonly byHeader = new Map<string, { verify: (data: Buffer, signature: Buffer) => boolean; until: number }>();

  constructor(private readonly ttlMs: number) {}

  /** The payload when the header is known and the signature holds; 'bad' when it does not; null to ask jose. */
  verify(token: string): Record<string, unknown> | 'bad' | null {
    const dot = token.indexOf('.');
    const entry = dot > 0 ? this.byHeader.get(token.slice(0, dot)) : undefined;
    if (!entry || entry.until < Date.now()) return null;
    const last = token.lastIndexOf('.');
    if (last <= dot) return 'bad';
    if (!entry.verify(Buffer.from(token.slice(0, last)), Buffer.from(token.slice(last + 1), 'base64url'))) return 'bad';
    try {
      const payload = JSON.parse(Buffer.from(token.slice(dot + 1, last), 'base64url').toString('utf8')) as unknown;
      return payload && typeof payload === 'object' && !Array.isArray(payload) ? payload as Record<string, unknown> : 'bad';
    } catch {
      return 'bad';
    }
  }

  remember(token: string, key: unknown): void {
    const header = token.slice(0, token.indexOf('.'));
    let keyObject: KeyObject;
    try {
      keyObject = key instanceof KeyObject ? key : KeyObject.from(key as webcrypto.CryptoKey);
    } catch {
      return; // not a key node:crypto can use: jose keeps verifying these
    }
    const kind = keyObject.asymmetricKeyType;
    const verify = kind === 'ed25519'
      ? (data: Buffer, signature: Buffer) => cryptoVerify(null, data, keyObject, signature)
      : kind === 'ec'
        ? (data: Buffer, signature: Buffer) => cryptoVerify('sha256', data, { key: keyObject, dsaEncoding: 'ieee-p1363' }, signature)
        : null;
    if (!verify) return;
    if (this.byHeader.size >= 64) this.byHeader.clear();
    this.byHeader.set(header, { verify, until: Date.now() + this.ttlMs });
  }
}

/** What jwtVerify checks of the registered claims, for the hot path (the rest is `readClaims`). */
function standardClaimsProblem(payload: Record<string, unknown>, audience: string): string | null {
  for (const claim of ['iat', 'exp', 'jti', 'bh', 'rid']) if (!(claim in payload)) return `signature claim "${claim}" invalid: missing`;
  if (payload.iss !== SIGNATURE_ISSUER) return 'signature not issued by the gateway';
  if (payload.aud !== audience) return `signature is not for subgraph "${audience}"`;
  if (typeof payload.exp !== 'number' || payload.exp <= Math.floor(Date.now() / 1000) - CLOCK_TOLERANCE_SECONDS) return 'gateway signature expired';
  return null;
}

/** The claims' types, checked: a `sub` or `fld` of another type must not reach the share enforcement. */
function readClaims(payload: Record<string, unknown>): SignatureClaims | string {
  const { iss, aud, iat, exp, jti, rid, sub, pur, fld, bh } = payload;
  if (typeof aud !== 'string') return 'signature audience must be one subgraph name';
  if (typeof iat !== 'number' || typeof exp !== 'number') return 'signature iat/exp must be numbers';
  if (typeof jti !== 'string' || jti.length === 0 || jti.length > 128) return 'signature jti must be a string of 1–128 characters';
  if (typeof rid !== 'string' || typeof bh !== 'string') return 'signature rid and bh must be strings';
  if (sub !== undefined && typeof sub !== 'string') return 'signature sub must be a string';
  if (pur !== undefined && typeof pur !== 'string') return 'signature pur must be a string';
  if (fld !== undefined && !(Array.isArray(fld) && fld.every((f) => typeof f === 'string'))) return 'signature fld must be a list of coordinates';
  return {
    iss: iss as string, aud, iat, exp, jti, rid, bh,
    ...(sub !== undefined ? { sub } : {}), ...(pur !== undefined ? { pur } : {}), ...(fld !== undefined ? { fld: fld as string[] } : {}),
  };
}

function describeError(error: unknown, audience: string): string {
  if (error instanceof joseErrors.JWTExpired) return 'gateway signature expired';
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    if (error.claim === 'aud') return `signature is not for subgraph "${audience}"`;
    if (error.claim === 'iss') return 'signature not issued by the gateway';
    return `signature claim "${error.claim}" invalid: ${error.reason}`;
  }
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return `signature algorithm not allowed (${SIGNATURE_ALGORITHMS.join(', ')} only)`;
  if (error instanceof joseErrors.JWKSNoMatchingKey) return 'signature key is not one of the gateway\'s published keys';
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return 'bad gateway signature';
  if (error instanceof joseErrors.JWKSTimeout || error instanceof joseErrors.JOSEError && error.code === 'ERR_JWKS_INVALID') return 'the gateway key set could not be loaded';
  if (error instanceof joseErrors.JWSInvalid || error instanceof joseErrors.JWTInvalid) return 'malformed gateway signature';
  return 'gateway signature refused';
}
