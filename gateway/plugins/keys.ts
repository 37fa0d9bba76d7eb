import fp from 'fastify-plugin';
import { loadGatewayKeys, type GatewayKeys } from '../keys/index.ts';
import type { ResolvedOptions } from './options.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** The signing key and its JWKS, the audit digest key, the department token verifier. */
    keys: GatewayKeys;
  }
}

/** Loads (or, embedded, generates under the data folder) every key before anything that needs one is built. */
export const keysPlugin = fp<ResolvedOptions>(async (app, { config, log }) => {
  const keys = await loadGatewayKeys({ keys: config.keys, dataDir: config.dataDir ?? null, shared: Boolean(config.redisUrl), log });
  log(`signing subgraph calls with ${keys.signing.alg} key ${keys.signing.kid} (${keys.signing.source}); department tokens: ${keys.tokens.describe}`);
  app.decorate('keys', keys);
}, { name: 'govshare-keys' });
