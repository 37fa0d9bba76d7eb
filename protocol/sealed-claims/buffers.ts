/**
 * The bytes as an ArrayBuffer of exactly their length: their own buffer when they fill it (no copy),
 * a copy otherwise. @hpke/core copies every view it is handed and takes an ArrayBuffer as it is.
 */
export function ownBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer
    ? bytes.buffer
    : bytes.slice().buffer;
}
