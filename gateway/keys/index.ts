import type { JSONWebKeySet } from 'jose';
import { createRequestSigner, type RequestSigner } from '../../protocol/gateway-signature.ts';
import { keySourceFromEnv, type KeySource } from '../identity/token-verifier.ts';
import { publishedKeySet } from './jwks.ts';
import { randomSecret } from './key-file.ts';
import { auditKeyFromEnv } from './secrets.ts';
import { generateSigningKeyPem, loadSigningKey, signingKeyFromPem, type GatewaySigningKey } from './signing-key.ts';

export { dataDirFromEnv, keysDir } from './data-dir.ts';
export { jwksRoute, JWKS_PATH, publishedKeySet } from './jwks.ts';
export { generatedJwtSecretPath } from './secrets.ts';
export { generateSigningKeyPem, loadSigningKey, signingKeyFromPem, type GatewaySigningKey } from './signing-key.ts';

/** Every key the gateway holds, loaded once at start-up. */
export interface GatewayKeys {
  signing: GatewaySigningKey;
  /** Signs subgraph calls with `signing` (CONTRACT §3). */
  signer: RequestSigner;
  /** What `GET /.well-known/jwks.json` serves. */
  keySet: JSONWebKeySet;
  /** HMAC key of the audit digests. */
  auditKey: string;
  /** Verifies department tokens. */
  tokens: KeySource;
}

export interface LoadKeysOptions {
  env: NodeJS.ProcessEnv;
  /** Where generated keys are kept; null keeps them in memory only (benchmarks, throw-away gateways). */
  dataDir: string | null;
  /** Replicas share state (Redis): generated keys then differ per replica, which is warned about. */
  shared: boolean;
  log: (message: string) => void;
}

/**
 * Configured keys from the environment; whatever is not configured is generated on first start
 * under the data dir (mode 0600) and reused afterwards. No key has a default in the source.
 */
export async function loadGatewayKeys({ env, dataDir, shared, log }: LoadKeysOptions): Promise<GatewayKeys> {
  const signing = dataDir === null && !env.GOVSHARE_GATEWAY_KEY
    ? await signingKeyFromPem(generateSigningKeyPem(), 'generated in memory')
    : await loadSigningKey(env, dataDir ?? '', log);
  const audit = dataDir === null && !env.GOVSHARE_AUDIT_KEY ? { key: randomSecret(), generated: true } : auditKeyFromEnv(env, dataDir ?? '', log);
  const tokens = await keySourceFromEnv(env, { dataDir, log });
  if (shared) {
    const generated = [
      ...(env.GOVSHARE_GATEWAY_KEY ? [] : ['GOVSHARE_GATEWAY_KEY']),
      ...(audit.generated ? ['GOVSHARE_AUDIT_KEY'] : []),
      ...(tokens.generatedSecret ? ['GOVSHARE_JWT_SECRET (or GOVSHARE_JWT_PUBLIC_KEY / GOVSHARE_JWKS_URL)'] : []),
    ];
    if (generated.length) log(`WARNING: the state is shared (Redis) but ${generated.join(', ')} ${generated.length > 1 ? 'are' : 'is'} generated per gateway: replicas of one deployment need the same keys`);
  }
  return { signing, signer: createRequestSigner(signing), keySet: publishedKeySet(signing, env), auditKey: audit.key, tokens };
}
