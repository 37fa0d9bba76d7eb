import { LENGTH_PREFIX_BYTES, SealedClaimsError } from './wire.ts';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * `size` bytes: a 2-byte big-endian length, the JSON's UTF-8 bytes, then zeros. Every claim (every
 * result) of the protocol has the same length once sealed. A value too long for `size` is refused
 * here, before anything is sealed.
 */
export function padJson(value: unknown, size: number, what: string): Uint8Array {
  const json = encoder.encode(JSON.stringify(value));
  const room = size - LENGTH_PREFIX_BYTES;
  if (json.length > room) {
    throw new SealedClaimsError('SEALED_CLAIM_TOO_LONG', `${what} takes ${json.length} bytes as JSON; a sealed one holds at most ${room}: shorten its values`);
  }
  const out = new Uint8Array(size);
  out[0] = json.length >> 8;
  out[1] = json.length & 0xff;
  out.set(json, LENGTH_PREFIX_BYTES);
  return out;
}

/** The JSON value inside a padded plaintext; refuses any other length, a length past the end, or padding that is not zeros. */
export function unpadJson(padded: Uint8Array, size: number): unknown {
  if (padded.length !== size) throw new SealedClaimsError('SEALED_CLAIMS_MALFORMED', `a padded plaintext has ${size} bytes, not ${padded.length}`);
  const length = (padded[0]! << 8) | padded[1]!;
  if (length > size - LENGTH_PREFIX_BYTES) throw new SealedClaimsError('SEALED_CLAIMS_MALFORMED', 'the padded length runs past the plaintext');
  for (let i = LENGTH_PREFIX_BYTES + length; i < size; i++) {
    if (padded[i] !== 0) throw new SealedClaimsError('SEALED_CLAIMS_MALFORMED', 'the padding is not zeros');
  }
  try {
    return JSON.parse(decoder.decode(padded.subarray(LENGTH_PREFIX_BYTES, LENGTH_PREFIX_BYTES + length)));
  } catch {
    throw new SealedClaimsError('SEALED_CLAIMS_MALFORMED', 'the plaintext is not UTF-8 JSON');
  }
}
