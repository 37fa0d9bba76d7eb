import { sign } from 'node:crypto';
import { compactVerify, createLocalJWKSet, type JSONWebKeySet } from 'jose';
import type { SigningKey } from '../../protocol/gateway-signature.ts';
import { canonicalJson } from '../state/audit-chain.ts';

/**
 * What an archived month's `YYYY-MM.json` says about its `YYYY-MM.jsonl.gz`: the records `firstSeq`…`lastSeq`
 * (`count` of them, in seq order), the first chained on `firstPrevHash`, the last's hash `lastHash`, the
 * SHA-256 (hex) of the .gz bytes, and when it was written.
 */
export interface ArchiveManifest {
  month: string;
  firstSeq: number;
  lastSeq: number;
  count: number;
  firstPrevHash: string;
  lastHash: string;
  sha256: string;
  at: string;
}

/** The manifest file: the manifest and its detached signature. */
export interface SignedArchiveManifest extends ArchiveManifest {
  signature: string;
}

export const ARCHIVE_SIGNATURE_TYPE = 'govshare-audit-archive+jws';
const ALGORITHMS = ['EdDSA', 'ES256'];

/** The bytes signed: the manifest's canonical JSON (RFC 8785 for these values), without `signature`. */
function signedPayload(manifest: ArchiveManifest): Buffer {
  const { month, firstSeq, lastSeq, count, firstPrevHash, lastHash, sha256, at } = manifest;
  return Buffer.from(canonicalJson({ month, firstSeq, lastSeq, count, firstPrevHash, lastHash, sha256, at }));
}

/**
 * A detached compact JWS (RFC 7515 appendix F: `header..signature`) over the manifest, made with the
 * gateway's key, `kid` in the header: anyone holding the gateway's JWKS checks an archive offline.
 */
export function signManifest(manifest: ArchiveManifest, key: SigningKey): string {
  const header = Buffer.from(JSON.stringify({ alg: key.alg, kid: key.kid, typ: ARCHIVE_SIGNATURE_TYPE })).toString('base64url');
  const signingInput = Buffer.from(`${header}.${signedPayload(manifest).toString('base64url')}`);
  // ES256 wants the raw R||S form (JWA §3.4), not DER.
  const signature = key.alg === 'EdDSA'
    ? sign(null, signingInput, key.privateKey)
    : sign('sha256', signingInput, { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
  return `${header}..${signature.toString('base64url')}`;
}

/** The `kid` that signed it, or rejects saying why the signature does not hold under `jwks`. */
export async function verifyManifestSignature(manifest: SignedArchiveManifest, jwks: JSONWebKeySet): Promise<string> {
  const parts = typeof manifest.signature === 'string' ? manifest.signature.split('.') : [];
  if (parts.length !== 3 || parts[1] !== '') throw new Error('the signature is not a detached compact JWS (header..signature)');
  const attached = `${parts[0]}.${signedPayload(manifest).toString('base64url')}.${parts[2]}`;
  const { protectedHeader } = await compactVerify(attached, createLocalJWKSet(jwks), { algorithms: ALGORITHMS });
  if (protectedHeader.typ !== ARCHIVE_SIGNATURE_TYPE) throw new Error(`the signature is of another kind (typ ${String(protectedHeader.typ)})`);
  return protectedHeader.kid ?? '';
}

/** Checks a parsed manifest file has every member of the right type; returns it typed, or throws naming the member. */
export function parseManifest(value: unknown): SignedArchiveManifest {
  const m = value as Record<string, unknown> | null;
  if (m === null || typeof m !== 'object') throw new Error('the manifest is not a JSON object');
  for (const key of ['month', 'firstPrevHash', 'lastHash', 'sha256', 'at', 'signature']) {
    if (typeof m[key] !== 'string') throw new Error(`the manifest's ${key} is not a string`);
  }
  for (const key of ['firstSeq', 'lastSeq', 'count']) {
    if (!Number.isSafeInteger(m[key]) || (m[key] as number) < 0) throw new Error(`the manifest's ${key} is not a whole number`);
  }
  return m as unknown as SignedArchiveManifest;
}
