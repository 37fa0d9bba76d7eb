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
  return new Uint8Array(sealedAads(direction, binding)(index));
}

/**
 * `sealedAad` of every index of one batch, the bytes before the index encoded once: a batch seals or
 * opens up to 1,400 messages with the same binding, and encoding the whole array anew for each was a
 * tenth of a message's cost. The bytes are the same (JSON writes a non-negative integer as its
 * decimal digits). Each call returns a buffer of its own, as the AEAD takes it (no copy on the way).
 */
export function sealedAads(direction: SealedDirection, binding: ClaimBinding): (index: number) => ArrayBuffer {
  const whole = JSON.stringify([SEALED_CLAIMS_VERSION, direction, binding.requestId, binding.consumer, binding.resource, binding.purpose]);
  const prefix = encoder.encode(`${whole.slice(0, -1)},`);
  return (index) => {
    if (!Number.isSafeInteger(index) || index < 0) throw new RangeError(`a message index is a non-negative integer, not ${index}`);
    const digits = String(index);
    const out = new Uint8Array(prefix.length + digits.length + 1);
    out.set(prefix, 0);
    for (let i = 0; i < digits.length; i++) out[prefix.length + i] = digits.charCodeAt(i);
    out[out.length - 1] = 0x5d; // ]
    return out.buffer;
  };
}

/** The HPKE `info` of a batch's context: the protocol and the direction. */
export function sealedInfo(direction: SealedDirection): Uint8Array {
  return encoder.encode(`${SEALED_CLAIMS_VERSION} ${direction}s`);
}
