import { resolve } from 'node:path';

/**
 * Where the embedded mode keeps its databases and generated keys (`GOVSHARE_DATA_DIR`, default
 * `.data` under the working directory). One resolution for the gateway, the subgraphs and
 * `npm run token`, so the token script finds the key the gateway generated.
 */
export function dataDirFromEnv(env: NodeJS.ProcessEnv): string {
  return resolve(env.GOVSHARE_DATA_DIR || '.data');
}

/** The generated keys live together, in a folder only the owner can enter. */
export function keysDir(dataDir: string): string {
  return resolve(dataDir, 'keys');
}
