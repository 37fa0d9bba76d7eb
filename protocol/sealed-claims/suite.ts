import { Aes128Gcm, CipherSuite, DhkemX25519HkdfSha256, HkdfSha256, type AeadInterface } from '@hpke/core';
import { DhkemX25519HkdfSha256 as PortableX25519 } from '@hpke/dhkem-x25519';

/**
 * The HPKE suite of sealed claims, RFC 9180 base mode: DHKEM(X25519, HKDF-SHA256) (KEM 0x0020),
 * HKDF-SHA256 (0x0001), AES-128-GCM (0x0001).
 *
 * X25519 through WebCrypto where the runtime has it (Node 20, current browsers): measured here, one
 * context costs ~1.8 ms to set up natively and 4.4 ms with @hpke/dhkem-x25519 (noble-curves, pure
 * JavaScript), which is the fallback for runtimes without it. Both are the same algorithm and interoperate.
 * On Node the AEAD runs on node:crypto in line (node-aead.ts): per message it is what a batch costs.
 *
 * National algorithms (GM/T): a suite is one object of KEM, KDF and AEAD, and the catalog publishes its
 * name with each claim key (`ClaimKey.suite`). An SM2 key agreement KEM (GM/T 0003.3), an SM3-based HKDF
 * (GM/T 0004) and SM4-GCM (GB/T 32907, the AEAD of RFC 8998) would be a second suite here, chosen by the
 * name the key is published with; the AAD, padding and wire format stay as they are. HPKE has no
 * registered identifiers for them (private-use KEM/KDF/AEAD ids would be needed), and no package in the
 * tree implements them, so v1 ships X25519/AES only.
 */
export type SealedClaimsSuite = CipherSuite;

let native: Promise<boolean> | null = null;

/** Whether this runtime's WebCrypto does X25519 (asked once). */
function hasNativeX25519(): Promise<boolean> {
  native ??= globalThis.crypto.subtle.generateKey({ name: 'X25519' }, false, ['deriveBits'])
    .then(() => true, () => false);
  return native;
}

/**
 * AES-128-GCM in line on Node (node-aead.ts), WebCrypto's elsewhere. The module is named in a variable so
 * that bundlers and the browser build's type check leave node:crypto out of the catalog web app.
 */
async function aes128Gcm(): Promise<AeadInterface> {
  const node = (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node;
  if (!node) return new Aes128Gcm();
  const nodeAead = './node-aead.ts';
  const { NodeAes128Gcm } = await import(/* @vite-ignore */ nodeAead) as { NodeAes128Gcm: new () => AeadInterface };
  return new NodeAes128Gcm();
}

let suite: Promise<SealedClaimsSuite> | null = null;

/** The suite, built once per process. */
export function sealedClaimsSuite(): Promise<SealedClaimsSuite> {
  suite ??= Promise.all([hasNativeX25519(), aes128Gcm()]).then(([ok, aead]) => new CipherSuite({
    kem: ok ? new DhkemX25519HkdfSha256() : new PortableX25519(),
    kdf: new HkdfSha256(),
    aead,
  }));
  return suite;
}

/** A key the suite's KEM uses (WebCrypto's CryptoKey, without naming the DOM types). */
export type SuiteKey = Awaited<ReturnType<SealedClaimsSuite['kem']['deserializePrivateKey']>>;
