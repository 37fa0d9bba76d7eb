import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { calculateJwkThumbprint, type JWK } from 'jose';
import type { SigningKey } from '../../protocol/gateway-signature.ts';
import { keySettingsFromEnv } from '../config.ts';
import { keysDir } from './data-dir.ts';
import { readOrCreateKeyFile } from './key-file.ts';

/** The gateway's signing key with its public half as published in the JWKS. */
export interface GatewaySigningKey extends SigningKey {
  /** `kid` (RFC 7638 thumbprint), `alg`, `use: "sig"`; never a private member. */
  publicJwk: JWK;
  /** Where it came from, for the start-up log. */
  source: string;
}

export const GENERATED_SIGNING_KEY_FILE = 'gateway-signing-key.pem';

/** `loadSigningKeyFrom` with the key configured in `env` (tests, benchmarks and scripts hand one in). */
export async function loadSigningKey(env: NodeJS.ProcessEnv, dataDir: string, log: (message: string) => void = () => {}): Promise<GatewaySigningKey> {
  return loadSigningKeyFrom(keySettingsFromEnv(env).gatewayKey, dataDir, log);
}

/**
 * `GOVSHARE_GATEWAY_KEY` (`path`: a PKCS#8 PEM private key, Ed25519 or P-256), or in embedded mode
 * the key generated (Ed25519) under `<data dir>/keys/` at first start and reused afterwards.
 */
export async function loadSigningKeyFrom(path: string | undefined, dataDir: string, log: (message: string) => void = () => {}): Promise<GatewaySigningKey> {
  if (path) {
    let pem: string;
    try {
      pem = readFileSync(path, 'utf8');
    } catch (error) {
      throw new Error(`GOVSHARE_GATEWAY_KEY: cannot read ${path} (${(error as Error).message})`);
    }
    return signingKeyFromPem(pem, `GOVSHARE_GATEWAY_KEY (${path})`);
  }
  const file = readOrCreateKeyFile(join(keysDir(dataDir), GENERATED_SIGNING_KEY_FILE), generateSigningKeyPem);
  const key = await signingKeyFromPem(file.text, file.path);
  if (file.created) log(`generated the gateway's signing key (Ed25519, kid ${key.kid}) at ${file.path} (mode 0600); set GOVSHARE_GATEWAY_KEY to use your own`);
  return key;
}

/** A fresh Ed25519 private key as PKCS#8 PEM. */
export function generateSigningKeyPem(): string {
  return generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

export async function signingKeyFromPem(pem: string, source: string): Promise<GatewaySigningKey> {
  if (!/-----BEGIN PRIVATE KEY-----/.test(pem)) {
    throw new Error(`${source} must be a PKCS#8 PEM private key ("BEGIN PRIVATE KEY"); convert one with: openssl pkcs8 -topk8 -nocrypt -in key.pem`);
  }
  let privateKey;
  try {
    // Parsed once: every subgraph call signs with this KeyObject.
    privateKey = createPrivateKey(pem);
  } catch {
    throw new Error(`${source} is not a readable PKCS#8 PEM private key`);
  }
  const alg = algorithmOf(privateKey.asymmetricKeyType, privateKey.asymmetricKeyDetails?.namedCurve, source);
  const { kty, crv, x, y } = createPublicKey(privateKey).export({ format: 'jwk' });
  const jwk: JWK = { kty, crv, x, ...(y ? { y } : {}) };
  const kid = await calculateJwkThumbprint(jwk);
  return { kid, alg, privateKey, publicJwk: { ...jwk, kid, alg, use: 'sig' }, source };
}

function algorithmOf(type: string | undefined, curve: string | undefined, source: string): SigningKey['alg'] {
  if (type === 'ed25519') return 'EdDSA';
  if (type === 'ec' && curve === 'prime256v1') return 'ES256';
  throw new Error(`${source}: the gateway signs with Ed25519 (EdDSA) or P-256 (ES256), not ${type}${curve ? ` ${curve}` : ''}`);
}
