import { join } from 'node:path';
import { keysDir } from './data-dir.ts';
import { randomSecret, readOrCreateKeyFile } from './key-file.ts';

export const GENERATED_JWT_SECRET_FILE = 'jwt-secret';
export const GENERATED_AUDIT_KEY_FILE = 'audit-key';

/** Where the embedded mode keeps the HS256 key of department tokens (`npm run token` reads it there). */
export function generatedJwtSecretPath(dataDir: string): string {
  return join(keysDir(dataDir), GENERATED_JWT_SECRET_FILE);
}

/** A secret generated once under the data dir and reused afterwards. */
export function generatedSecret(path: string, what: string, log: (message: string) => void): string {
  const file = readOrCreateKeyFile(path, randomSecret);
  if (file.created) log(`generated ${what} at ${file.path} (mode 0600)`);
  return file.text.trim();
}

/**
 * The audit digests' HMAC key: `GOVSHARE_AUDIT_KEY` (`config.keys.auditKey`), or generated under the
 * data dir (embedded mode: one gateway, one key).
 */
export function auditKey(configured: string | undefined, dataDir: string, log: (message: string) => void): { key: string; generated: boolean } {
  if (configured) return { key: configured, generated: false };
  return { key: generatedSecret(join(keysDir(dataDir), GENERATED_AUDIT_KEY_FILE), 'the audit digest key (GOVSHARE_AUDIT_KEY is not set)', log), generated: true };
}
