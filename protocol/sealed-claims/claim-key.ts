import { calculateJwkThumbprint } from 'jose';
import { decodeBase64url, encodeBase64url } from './base64url.ts';
import { sealedClaimsSuite, type SuiteKey } from './suite.ts';
import { SealedClaimsError, X25519_KEY_BYTES } from './wire.ts';

/** A provider's claim key as it is published: its id and the public half. */
export interface PublicClaimKey {
  /** RFC 7638 thumbprint of the key as an OKP JWK (`{ crv: "X25519", kty: "OKP", x }`). */
  kid: string;
  /** The X25519 public key, 32 bytes, base64url. */
  key: string;
}

/** The whole key pair as the provider keeps it in its own database: `d` never leaves it. */
export interface StoredClaimKey extends PublicClaimKey {
  /** The X25519 private key, 32 bytes, base64url. */
  d: string;
  createdAt: string;
}

/** The key id of an X25519 public key (base64url). */
export function claimKeyId(key: string): Promise<string> {
  return calculateJwkThumbprint({ crv: 'X25519', kty: 'OKP', x: key }, 'sha256');
}

/** A fresh key pair, generated where it will be kept. */
export async function generateClaimKey(now: Date = new Date()): Promise<StoredClaimKey> {
  const suite = await sealedClaimsSuite();
  const pair = await suite.kem.generateKeyPair();
  const key = encodeBase64url(new Uint8Array(await suite.kem.serializePublicKey(pair.publicKey)));
  const d = encodeBase64url(new Uint8Array(await suite.kem.serializePrivateKey(pair.privateKey)));
  return { kid: await claimKeyId(key), key, d, createdAt: now.toISOString() };
}

/** 32 bytes from base64url, or a refusal naming what it was. */
export function keyBytes(text: string, what: string): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = decodeBase64url(text);
  } catch {
    throw new SealedClaimsError('SEALED_CLAIMS_MALFORMED', `${what} is not base64url`);
  }
  if (bytes.length !== X25519_KEY_BYTES) throw new SealedClaimsError('SEALED_CLAIMS_MALFORMED', `${what} is not a 32-byte X25519 key`);
  return bytes;
}

export async function importPublicKey(text: string, what: string): Promise<SuiteKey> {
  const suite = await sealedClaimsSuite();
  try {
    return await suite.kem.deserializePublicKey(keyBytes(text, what));
  } catch (error) {
    if (error instanceof SealedClaimsError) throw error;
    throw new SealedClaimsError('SEALED_CLAIMS_MALFORMED', `${what} is not a usable X25519 public key`);
  }
}

export async function importPrivateKey(stored: Pick<StoredClaimKey, 'd'>): Promise<SuiteKey> {
  const suite = await sealedClaimsSuite();
  return suite.kem.deserializePrivateKey(keyBytes(stored.d, 'the stored claim key'));
}
