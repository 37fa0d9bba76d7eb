import { resolve } from 'node:path';

// The data dir itself (`GOVSHARE_DATA_DIR`) is resolved by the config: `dataDirFromEnv` in gateway/config.ts.

/** The generated keys live together, in a folder only the owner can enter. */
export function keysDir(dataDir: string): string {
  return resolve(dataDir, 'keys');
}
