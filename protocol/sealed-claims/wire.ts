/**
 * govshare sealed claims v1: the wire format shared by the consumer (seals claims, opens results), the
 * gateway (checks the shape, never the content) and the provider kit (opens claims, seals results).
 *
 * A comparison field (`@compare`) that takes sealed claims has two more arguments:
 * - `sealing: ClaimSealing { requestId, kid, enc, replyKey }` — the batch's metadata, and
 * - `sealedClaims: [String!]` — one base64url ciphertext per claim, in index order;
 * and its result type one more field, `sealed: SealedResult`, one base64url string per result.
 *
 * One RFC 9180 base-mode context per batch (DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-128-GCM):
 * claim `i` is the context's `i`-th message (sequence number `i`), its AAD binds the request id,
 * consumer, resource, purpose and `i` (aad.ts). A context per claim (`enc` per claim) would cost a
 * key encapsulation per claim: 1.8 ms each here, 18 s for 10,000 claims, against 31 µs per claim
 * in one context. The provider seals the results back the same way, in one context of its own to
 * the consumer's ephemeral `replyKey`.
 *
 * Every claim is padded to `CLAIM_BYTES` and every result to `RESULT_BYTES` before sealing
 * (padding.ts), so ciphertext lengths say nothing about names or addresses.
 */

/** Names the protocol in every AAD and HPKE `info`: a ciphertext of another protocol or version never opens. */
export const SEALED_CLAIMS_VERSION = 'govshare-sealed-claims/v1';

/** The suite, as the catalog publishes it beside the key (`ClaimKey.suite`). */
export const SEALED_CLAIMS_SUITE = 'DHKEM(X25519,HKDF-SHA256)/HKDF-SHA256/AES-128-GCM';

/**
 * A claim's plaintext is its JSON (UTF-8) behind a 2-byte length, padded with zeros to 512 bytes.
 * The contract's longest claim (`PersonClaim`: 18-character ID number, name, date, household address,
 * and the JSON keys, 70 bytes) fits with a 120-character Chinese name and address together (3 bytes
 * each in UTF-8); the longest household addresses of the register are about 40 characters. One size
 * for every claim and every resource, the next power of two: nothing about a claim shows in its length.
 */
export const CLAIM_BYTES = 512;
/** A result's flags (`{"found":true,…,"limited":false}`, about 100 bytes) padded likewise. */
export const RESULT_BYTES = 128;
/** The 2-byte length in front of the JSON. */
export const LENGTH_PREFIX_BYTES = 2;
/** The longest claim JSON that fits: longer ones are refused before sealing. */
export const MAX_CLAIM_JSON_BYTES = CLAIM_BYTES - LENGTH_PREFIX_BYTES;
export const AEAD_TAG_BYTES = 16;
/** X25519 public keys and encapsulated keys (`enc`). */
export const X25519_KEY_BYTES = 32;
/** Length of one sealed claim in base64url (no padding): every well-formed one has exactly this length. */
export const SEALED_CLAIM_CHARS = base64urlLength(CLAIM_BYTES + AEAD_TAG_BYTES);
/** One sealed result: the reply's `enc` followed by the ciphertext, base64url. */
export const SEALED_RESULT_CHARS = base64urlLength(X25519_KEY_BYTES + RESULT_BYTES + AEAD_TAG_BYTES);
export const X25519_KEY_CHARS = base64urlLength(X25519_KEY_BYTES);
/** Claims per request at most (the comparisons' own limit, CONTRACT §5 / compare-normalize.ts). */
export const MAX_SEALED_CLAIMS = 10_000;

/** The request id is the consumer's nonce: at least 128 bits' worth of URL-safe text (a UUID fits). */
export const REQUEST_ID_PATTERN = /^[A-Za-z0-9_-]{16,64}$/;
/** A claim key's id: its RFC 7638 thumbprint (SHA-256, base64url). */
export const KID_PATTERN = /^[A-Za-z0-9_-]{43}$/;
/**
 * The one `fld` entry of the gateway's signature on a claim-key rotation (`POST claim-key`, body
 * `{ "rotate": <current kid> }`). No GraphQL coordinate has this form, so no signature made for a
 * query can rotate a key, and a rotation's signature reads no field.
 */
export const CLAIM_KEY_ROTATION = 'claim-key:rotate';
const BASE64URL = /^[A-Za-z0-9_-]*$/;

/** The argument and field names a sealed comparison uses (SDL: schema/share-directives.graphql). */
export const SEALED_CLAIMS_ARGUMENT = 'sealedClaims';
export const SEALING_ARGUMENT = 'sealing';
export const SEALING_INPUT_TYPE = 'ClaimSealing';
export const SEALED_RESULT_FIELD = 'sealed';
export const SEALED_RESULT_SCALAR = 'SealedResult';

/** What `sealing` carries: metadata only, nothing that opens a claim. */
export interface ClaimSealing {
  /** The consumer's nonce for this request: bound into every claim's AAD, recorded in the audit. */
  requestId: string;
  /** The provider claim key the batch is sealed to. */
  kid: string;
  /** The HPKE encapsulated key of the batch's context (base64url, 32 bytes). */
  enc: string;
  /** The consumer's ephemeral X25519 public key the results are sealed to (base64url, 32 bytes). */
  replyKey: string;
}

/** What a claim is bound to besides its index: a ciphertext moved to another request, consumer, resource or purpose does not open. */
export interface ClaimBinding {
  requestId: string;
  /** The consuming department's code (the gateway signature's `sub`). */
  consumer: string;
  /** The resource code of the comparison (`POP-PERSON`). */
  resource: string;
  /** The stated purpose as the gateway forwards it (the signature's `pur`, trimmed); '' when none. */
  purpose: string;
}

/** Why a sealed batch is refused: an upper-case reason the gateway passes on beside BAD_USER_INPUT. */
export type SealedClaimsReason =
  | 'SEALED_CLAIMS_MALFORMED' | 'SEALED_CLAIMS_TOO_MANY' | 'SEALED_CLAIM_TOO_LONG' | 'SEALED_CLAIM_DOES_NOT_OPEN'
  | 'SEALED_RESULT_DOES_NOT_OPEN' | 'CLAIM_KEY_NOT_CURRENT' | 'SEALED_CLAIMS_REQUIRED' | 'SEALED_SELECTION';

/** A sealed batch cannot be accepted as sent; `reason` says which rule. Carries no claim value. */
export class SealedClaimsError extends Error {
  override name = 'SealedClaimsError';
  constructor(readonly reason: SealedClaimsReason, message: string) { super(message); }
}

function base64urlLength(bytes: number): number {
  return Math.ceil((bytes * 4) / 3);
}

/**
 * The shape of a sealed batch, without opening anything: what the gateway checks from metadata alone
 * (and the provider again). Throws `SealedClaimsError`.
 */
export function checkSealedBatch(sealing: unknown, ciphertexts: unknown, maxClaims = MAX_SEALED_CLAIMS): { sealing: ClaimSealing; ciphertexts: string[] } {
  const malformed = (what: string) => new SealedClaimsError('SEALED_CLAIMS_MALFORMED', what);
  if (!sealing || typeof sealing !== 'object') throw malformed(`${SEALED_CLAIMS_ARGUMENT} needs ${SEALING_ARGUMENT} { requestId, kid, enc, replyKey }`);
  const { requestId, kid, enc, replyKey } = sealing as Record<string, unknown>;
  if (typeof requestId !== 'string' || !REQUEST_ID_PATTERN.test(requestId)) throw malformed('sealing.requestId must be 16–64 characters of A–Z, a–z, 0–9, "-" and "_" (a UUID will do): the nonce of this request');
  if (typeof kid !== 'string' || !KID_PATTERN.test(kid)) throw malformed('sealing.kid must be the claim key id the catalog publishes (Resource.claimKey.kid)');
  for (const [name, value] of [['enc', enc], ['replyKey', replyKey]] as const) {
    if (typeof value !== 'string' || value.length !== X25519_KEY_CHARS || !BASE64URL.test(value)) {
      throw malformed(`sealing.${name} must be a 32-byte X25519 key in base64url (${X25519_KEY_CHARS} characters)`);
    }
  }
  if (!Array.isArray(ciphertexts)) throw malformed(`${SEALING_ARGUMENT} needs ${SEALED_CLAIMS_ARGUMENT}: the sealed claims`);
  if (ciphertexts.length > maxClaims) {
    throw new SealedClaimsError('SEALED_CLAIMS_TOO_MANY', `at most ${maxClaims.toLocaleString('en-US')} sealed claims per request; this one has ${ciphertexts.length.toLocaleString('en-US')}`);
  }
  for (let i = 0; i < ciphertexts.length; i++) {
    const c = ciphertexts[i];
    if (typeof c !== 'string' || c.length !== SEALED_CLAIM_CHARS || !BASE64URL.test(c)) {
      throw malformed(`sealed claim ${i} is not one padded claim sealed (${SEALED_CLAIM_CHARS} base64url characters)`);
    }
  }
  return { sealing: { requestId, kid, enc: enc as string, replyKey: replyKey as string }, ciphertexts: ciphertexts as string[] };
}
