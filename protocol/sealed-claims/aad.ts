import { SEALED_CLAIMS_VERSION, type ClaimBinding } from './wire.ts';

const encoder = new TextEncoder();

/** Which way a message goes: a claim's ciphertext never opens as a result's, and the other way round. */
export type SealedDirection = 'claim' | 'result';

/**
 * The additional authenticated data of message `index` of a batch: the JSON array
 * `["govshare-sealed-claims/v1", direction, requestId, consumer, resource, purpose, index]` in UTF-8.
 * JSON, so that another stack builds the same bytes with any JSON library (strings escaped alike, no
 * separator to confuse); every member is bound, so a ciphertext moved to another request, consumer,
 * resource, purpose or position does not open (AES-GCM authenticates the AAD).
 */
export function sealedAad(direction: SealedDirection, binding: ClaimBinding, index: number): Uint8Array {
  return encoder.encode(JSON.stringify([SEALED_CLAIMS_VERSION, direction, binding.requestId, binding.consumer, binding.resource, binding.purpose, index]));
}

/** The HPKE `info` of a batch's context: the protocol and the direction. */
export function sealedInfo(direction: SealedDirection): Uint8Array {
  return encoder.encode(`${SEALED_CLAIMS_VERSION} ${direction}s`);
}
