import { decodeBase64url, encodeBase64url } from './base64url.ts';
import { ownBuffer } from './buffers.ts';
import { sealedAads, sealedInfo } from './aad.ts';
import { importPublicKey, keyBytes } from './claim-key.ts';
import { padJson, unpadJson } from './padding.ts';
import { sealedClaimsSuite, type SuiteKey } from './suite.ts';
import { CLAIM_BYTES, RESULT_BYTES, SealedClaimsError, X25519_KEY_BYTES, type ClaimBinding, type ClaimSealing } from './wire.ts';

/**
 * The provider's side: opens every claim of a batch with its claim key, in index order, each against
 * its own AAD. One claim that does not open (tampered with, sealed for another request, consumer,
 * resource or purpose, or moved to another index) refuses the whole batch: nothing is compared.
 */
export async function openClaims(privateKey: SuiteKey, sealing: ClaimSealing, sealedClaims: readonly string[], binding: ClaimBinding): Promise<unknown[]> {
  const suite = await sealedClaimsSuite();
  let recipient;
  try {
    recipient = await suite.createRecipientContext({ recipientKey: privateKey, enc: keyBytes(sealing.enc, 'sealing.enc'), info: sealedInfo('claim') });
  } catch {
    throw new SealedClaimsError('SEALED_CLAIM_DOES_NOT_OPEN', 'the sealed batch does not open with this provider\'s claim key');
  }
  const claimAad = sealedAads('claim', binding);
  const claims: unknown[] = [];
  for (let i = 0; i < sealedClaims.length; i++) {
    let plain: ArrayBuffer;
    try {
      plain = await recipient.open(ownBuffer(decodeBase64url(sealedClaims[i]!)), claimAad(i));
    } catch {
      throw new SealedClaimsError('SEALED_CLAIM_DOES_NOT_OPEN',
        `sealed claim ${i} does not open: tampered with, or sealed for another request, consumer, resource or purpose`);
    }
    claims.push(unpadJson(new Uint8Array(plain), CLAIM_BYTES));
  }
  return claims;
}

/**
 * Seals each result (its flags, padded to `RESULT_BYTES`) to the consumer's ephemeral `replyKey`, in one
 * context of the provider's own, result `i` as message `i`; each sealed value carries the context's `enc`
 * in front, so every result stands alone on the wire.
 */
export async function sealResults(sealing: ClaimSealing, binding: ClaimBinding, results: readonly unknown[]): Promise<string[]> {
  if (results.length === 0) return [];
  const suite = await sealedClaimsSuite();
  const sender = await suite.createSenderContext({ recipientPublicKey: await importPublicKey(sealing.replyKey, 'sealing.replyKey'), info: sealedInfo('result') });
  const enc = new Uint8Array(sender.enc);
  const resultAad = sealedAads('result', binding);
  const out: string[] = [];
  for (let i = 0; i < results.length; i++) {
    const ciphertext = new Uint8Array(await sender.seal(ownBuffer(padJson(results[i], RESULT_BYTES, `result ${i}`)), resultAad(i)));
    const both = new Uint8Array(X25519_KEY_BYTES + ciphertext.length);
    both.set(enc, 0);
    both.set(ciphertext, X25519_KEY_BYTES);
    out.push(encodeBase64url(both));
  }
  return out;
}
