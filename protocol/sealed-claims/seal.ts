import { decodeBase64url, encodeBase64url } from './base64url.ts';
import { ownBuffer } from './buffers.ts';
import { sealedAads, sealedInfo } from './aad.ts';
import { importPublicKey, type PublicClaimKey } from './claim-key.ts';
import { padJson, unpadJson } from './padding.ts';
import { sealedClaimsSuite } from './suite.ts';
import {
  CLAIM_BYTES, MAX_SEALED_CLAIMS, REQUEST_ID_PATTERN, RESULT_BYTES, SEALED_RESULT_CHARS, SealedClaimsError, X25519_KEY_BYTES,
  type ClaimBinding, type ClaimSealing,
} from './wire.ts';

/** A batch sealed by the consumer: the two arguments to send, and what opens the answer. */
export interface SealedBatch {
  sealing: ClaimSealing;
  sealedClaims: string[];
  /** Opens the provider's `sealed` results (in index order): each result's flags, `limited` included. */
  openResults(sealed: ReadonlyArray<string | null | undefined>): Promise<Array<Record<string, unknown>>>;
}

/**
 * The consumer's side: seals each claim (its JSON, padded to `CLAIM_BYTES`) to the provider's claim key
 * in one HPKE context, claim `i` as message `i` with its AAD, and makes the ephemeral key pair the
 * results come back to. A claim too long for the padding is refused (`SEALED_CLAIM_TOO_LONG`) before
 * anything is sealed. `binding.consumer` is the caller's own department code, `binding.purpose` the
 * purpose it states (trimmed, as the gateway forwards it).
 */
export async function sealClaims(key: PublicClaimKey, binding: ClaimBinding, claims: readonly unknown[]): Promise<SealedBatch> {
  if (!REQUEST_ID_PATTERN.test(binding.requestId)) throw new SealedClaimsError('SEALED_CLAIMS_MALFORMED', 'the request id must be 16–64 characters of A–Z, a–z, 0–9, "-" and "_"');
  if (claims.length > MAX_SEALED_CLAIMS) throw new SealedClaimsError('SEALED_CLAIMS_TOO_MANY', `at most ${MAX_SEALED_CLAIMS} sealed claims per request`);
  const padded = claims.map((claim, i) => padJson(claim, CLAIM_BYTES, `claim ${i}`));
  const suite = await sealedClaimsSuite();
  const sender = await suite.createSenderContext({ recipientPublicKey: await importPublicKey(key.key, 'the claim key'), info: sealedInfo('claim') });
  const claimAad = sealedAads('claim', binding);
  const sealedClaims: string[] = [];
  for (let i = 0; i < padded.length; i++) {
    sealedClaims.push(encodeBase64url(new Uint8Array(await sender.seal(ownBuffer(padded[i]!), claimAad(i)))));
  }
  const reply = await suite.kem.generateKeyPair();
  const replyKey = encodeBase64url(new Uint8Array(await suite.kem.serializePublicKey(reply.publicKey)));
  const sealing: ClaimSealing = { requestId: binding.requestId, kid: key.kid, enc: encodeBase64url(new Uint8Array(sender.enc)), replyKey };
  return {
    sealing,
    sealedClaims,
    async openResults(sealed) {
      if (sealed.length !== claims.length) throw new SealedClaimsError('SEALED_RESULT_DOES_NOT_OPEN', `${sealed.length} sealed results for ${claims.length} claims`);
      if (sealed.length === 0) return [];
      const encs = sealed.map((s) => splitResult(s));
      const enc = encs[0]!.enc;
      const recipient = await suite.createRecipientContext({ recipientKey: reply.privateKey, enc, info: sealedInfo('result') });
      const resultAad = sealedAads('result', binding);
      const out: Array<Record<string, unknown>> = [];
      for (let i = 0; i < encs.length; i++) {
        const part = encs[i]!;
        if (!sameBytes(part.enc, enc)) throw new SealedClaimsError('SEALED_RESULT_DOES_NOT_OPEN', `sealed result ${i} belongs to another answer`);
        let plain: ArrayBuffer;
        try {
          plain = await recipient.open(part.ciphertext, resultAad(i));
        } catch {
          throw new SealedClaimsError('SEALED_RESULT_DOES_NOT_OPEN', `sealed result ${i} does not open: tampered with, or not the answer to this request`);
        }
        const value = unpadJson(new Uint8Array(plain), RESULT_BYTES);
        if (!value || typeof value !== 'object' || Array.isArray(value)) throw new SealedClaimsError('SEALED_RESULT_DOES_NOT_OPEN', `sealed result ${i} is not a result`);
        out.push(value as Record<string, unknown>);
      }
      return out;
    },
  };
}

/** A sealed result: the reply context's `enc`, then the ciphertext. */
function splitResult(sealed: string | null | undefined): { enc: Uint8Array; ciphertext: Uint8Array } {
  if (typeof sealed !== 'string' || sealed.length !== SEALED_RESULT_CHARS) throw new SealedClaimsError('SEALED_RESULT_DOES_NOT_OPEN', 'a result came back without its sealed value');
  let bytes: Uint8Array;
  try {
    bytes = decodeBase64url(sealed);
  } catch {
    throw new SealedClaimsError('SEALED_RESULT_DOES_NOT_OPEN', 'a sealed result is not base64url');
  }
  return { enc: bytes.subarray(0, X25519_KEY_BYTES), ciphertext: bytes.subarray(X25519_KEY_BYTES) };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
