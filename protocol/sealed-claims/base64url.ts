import { base64url as portable } from 'jose';

/**
 * base64url without padding (RFC 4648 §5): Node's Buffer where there is one (a tenth of the cost per
 * 528-byte ciphertext, measured here: 1 µs against 8–10 µs, four times per claim), jose's elsewhere.
 */
interface NodeBufferClass {
  from(data: ArrayBufferLike, offset?: number, length?: number): { toString(encoding: 'base64url'): string; write(text: string, encoding: 'base64url'): number };
}
const NodeBuffer = (globalThis as { Buffer?: NodeBufferClass }).Buffer;

export function encodeBase64url(bytes: Uint8Array): string {
  return NodeBuffer ? NodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url') : portable.encode(bytes);
}

/** Decodes strictly: characters outside the base64url alphabet are refused, not skipped as Buffer would. */
export function decodeBase64url(text: string): Uint8Array {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new TypeError('not base64url');
  if (!NodeBuffer) return portable.decode(text);
  // Decoded straight into bytes of their own (a buffer of exactly their length, which the AEAD takes
  // without a copy): Buffer.from(text) would take a slice of Node's shared pool, and a copy out of it.
  const out = new Uint8Array(Math.floor((text.length * 3) / 4));
  const written = NodeBuffer.from(out.buffer).write(text, 'base64url');
  return written === out.length ? out : out.slice(0, written);
}
