import type { JSONWebKeySet } from 'jose';
import type { RequestSigner } from '../../protocol/gateway-signature.ts';
import { keySource, type KeySource } from '../identity/token-verifier.ts';
import { createSigningKeys, type KeyReload } from './key-rotation.ts';
import { randomSecret } from './key-file.ts';
import type { KeySettings } from '../config.ts';
import { auditKey } from './secrets.ts';
import { generateSigningKeyPem, loadSigningKeyFrom, signingKeyFromPem, type GatewaySigningKey } from './signing-key.ts';

export { dataDirFromEnv } from '../config.ts';
export { keysDir } from './data-dir.ts';
export { jwksRoute, JWKS_PATH, publishedKeySet, readPublishedKeys, readPublishedKeysFile } from './jwks.ts';
export { RETIRED_KEY_SECONDS, retiredKeySeconds, type KeyReload } from './key-rotation.ts';
export { generatedJwtSecretPath } from './secrets.ts';
export { generateSigningKeyPem, loadSigningKey, loadSigningKeyFrom, signingKeyFromPem, type GatewaySigningKey } from './signing-key.ts';

/** Every key the gateway holds, loaded at start-up; the signing key can be replaced later (`reload`). */
export interface GatewayKeys {
  /** The key subgraph calls are signed with now. */
  readonly signing: GatewaySigningKey;
  /** Signs subgraph calls with `signing` (CONTRACT §3), whichever key that is at the time of the call. */
  signer: RequestSigner;
  /** What `GET /.well-known/jwks.json` serves now. */
  readonly keySet: JSONWebKeySet;
  /**
   * Reads the `GOVSHARE_GATEWAY_KEY` file (or the generated key file) and `GOVSHARE_GATEWAY_PUBLISHED_KEYS` again
   * (SIGHUP): a rotation without a restart. Rejects, changing nothing, when they cannot be read.
   */
  reload(): Promise<KeyReload>;
  /** HMAC key of the audit digests. */
  auditKey: string;
  /** Verifies department tokens. */
  tokens: KeySource;
}

export interface LoadKeysOptions {
  /** The config's key section (`config.keys`). */
  keys: KeySettings;
  /** Where generated keys are kept; null keeps them in memory only (benchmarks, throw-away gateways). */
  dataDir: string | null;
  /** Replicas share state (Redis): generated keys then differ per replica, which is warned about. */
  shared: boolean;
  log: (message: string) => void;
}

/**
 * Configured keys (`config.keys`); whatever is not configured is generated on first start
 * under the data dir (mode 0600) and reused afterwards. No key has a default in the source.
 */
export async function loadGatewayKeys({ keys, dataDir, shared, log }: LoadKeysOptions): Promise<GatewayKeys> {
  const inMemory = dataDir === null && !keys.gatewayKey;
  const load = () => loadSigningKeyFrom(keys.gatewayKey, dataDir ?? '', log);
  const signing = inMemory ? await signingKeyFromPem(generateSigningKeyPem(), 'generated in memory') : await load();
  // A key generated in memory has no file to read again: a reload keeps it.
  const signingKeys = createSigningKeys({ initial: signing, publishedKeys: keys.publishedKeys, signatureTtlSeconds: keys.signatureTtlSeconds, load: inMemory ? async () => signing : load });
  const audit = dataDir === null && !keys.auditKey ? { key: randomSecret(), generated: true } : auditKey(keys.auditKey, dataDir ?? '', log);
  const tokens = await keySource(keys.jwt, { dataDir, log });
  if (shared) {
    const generated = [
      ...(keys.gatewayKey ? [] : ['GOVSHARE_GATEWAY_KEY']),
      ...(audit.generated ? ['GOVSHARE_AUDIT_KEY'] : []),
      ...(tokens.generatedSecret ? ['GOVSHARE_JWT_SECRET (or GOVSHARE_JWT_PUBLIC_KEY / GOVSHARE_JWKS_URL)'] : []),
    ];
    if (generated.length) log(`WARNING: the state is shared (Redis) but ${generated.join(', ')} ${generated.length > 1 ? 'are' : 'is'} generated per gateway: replicas of one deployment need the same keys`);
  }
  return {
    get signing() { return signingKeys.current; },
    signer: signingKeys.signer,
    get keySet() { return signingKeys.keySet(); },
    reload: () => signingKeys.reload(),
    auditKey: audit.key,
    tokens,
  };
}
