import fp from 'fastify-plugin';
import { auditCheckpointRoutes } from '../http/audit-checkpoint-routes.ts';
import type { ResolvedOptions } from '../plugins/options.ts';
import { AuditCheckpointer } from './checkpointer.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** Signs the audit chain's head (CONTRACT §10); the platform API's `checkpoints` service. */
    checkpointer: AuditCheckpointer;
  }
}

/**
 * The checkpointer for the gateway's plugin tree (gateway/server.ts): started once the keys and the records
 * are there, stopped before the records close, and `GET /audit/checkpoints`. The platform plugin hands
 * `app.checkpointer` to createPlatformSubgraph as `checkpoints`.
 */
export const auditCheckpointsPlugin = fp<ResolvedOptions>(async (app, { config, now, log }) => {
  const checkpointer = new AuditCheckpointer({ audit: app.state.audit, keys: app.keys, intervalSeconds: config.auditCheckpointSeconds, now, log }).start();
  app.decorate('checkpointer', checkpointer);
  app.addHook('onClose', async () => { await checkpointer.close(); });
  await app.register(auditCheckpointRoutes, { checkpoints: () => app.state.audit.checkpoints });
}, { name: 'govshare-audit-checkpoints', dependencies: ['govshare-keys', 'govshare-records'] });
