import fp from 'fastify-plugin';
import { createStateStores, type RecordsLocation, type StateStores } from '../state/index.ts';
import type { GatewayConfig } from '../config.ts';
import { auditRetentionOption } from '../records/audit-retention.ts';
import { auditKeyMac } from '../audit/audit-key-mac.ts';
import type { ResolvedOptions } from './options.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** The platform's records (PostgreSQL or embedded PGlite) and the replicas' coordination (Redis or in-process). */
    state: StateStores;
  }
}

/**
 * Opens the records and the coordination, or takes the ones handed in (tests), and closes what it
 * opened last of all: everything registered after it still writes records while it closes.
 */
export const recordsPlugin = fp<ResolvedOptions>(async (app, { config, log, options }) => {
  const keyMac = auditKeyMac(app.keys.auditKey);
  const state = options.state ?? await createStateStores({
    records: recordsLocation(config),
    ...(config.redisUrl ? { redisUrl: config.redisUrl, redisCluster: config.redisCluster } : {}), prefix: config.redisPrefix, log,
    // Old months are archived signed with the key the gateway signs with at that moment.
    ...auditRetentionOption(config.auditRetention, () => app.keys.signing, (jwk) => keyMac.of(jwk)),
  });
  app.decorate('state', state);
  if (!options.state) app.addHook('onClose', async () => { await state.close(); });
}, { name: 'govshare-records', dependencies: ['govshare-keys'] });

function recordsLocation(config: GatewayConfig): RecordsLocation {
  if (config.recordsUrl) return { url: config.recordsUrl };
  if (!config.dataDir) throw new Error('the records need GOVSHARE_STATE_DATABASE_URL or a data folder (GOVSHARE_DATA_DIR)');
  return { dataDir: config.dataDir };
}
