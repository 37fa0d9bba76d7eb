import fp from 'fastify-plugin';
import { auditCheckpointRoutes } from '../http/audit-checkpoint-routes.ts';
import type { ResolvedOptions } from '../plugins/options.ts';
import { auditKeyMac } from './audit-key-mac.ts';
import { AuditChainWatch, type ChainCheckOutcome } from './chain-watch.ts';
import { AuditCheckpointer } from './checkpointer.ts';
import type { GatewayMetrics } from '../http/metrics.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** Signs the audit chain's head (CONTRACT §10); the platform API's `checkpoints` service. */
    checkpointer: AuditCheckpointer;
    /** Checks the chain on a timer and for verifyAuditChain (one run per kind at a time); the platform API's `chainCheck`. */
    chainWatch: AuditChainWatch;
  }
}

/**
 * The checkpointer and the chain watch for the gateway's plugin tree (gateway/server.ts): started once the
 * keys and the records are there, stopped before the records close, and `GET /audit/checkpoints`. The
 * platform plugin hands `app.checkpointer` to createPlatformSubgraph as `checkpoints`, `app.chainWatch` as
 * `chainCheck`.
 */
export const auditCheckpointsPlugin = fp<ResolvedOptions>(async (app, { config, now, log }) => {
  const checkpointer = new AuditCheckpointer({ audit: app.state.audit, keys: app.keys, intervalSeconds: config.auditCheckpointSeconds, now, log }).start();
  const watch = new AuditChainWatch({
    verify: (full) => app.state.audit.verify({ checkpoints: checkpointer.trust(), full, now }),
    lease: (work) => app.state.audit.withVerifyLease(work),
    intervalSeconds: config.auditVerifySeconds ?? 0,
    report: chainReport(app.metrics, (message) => app.log.error(message), log),
    now,
  }).start();
  app.decorate('checkpointer', checkpointer);
  app.decorate('chainWatch', watch);
  app.addHook('onClose', async () => { await watch.close(); await checkpointer.close(); });
  const keyMac = auditKeyMac(app.keys.auditKey);
  await app.register(auditCheckpointRoutes, { checkpoints: () => app.state.audit.checkpoints, trustedKeys: (history) => keyMac.trusted(history) });
}, { name: 'govshare-audit-checkpoints', dependencies: ['govshare-metrics', 'govshare-keys', 'govshare-records'] });

/**
 * Each outcome into the metrics; a break, and the first check that finds the chain whole again, into the log
 * (at error level: a broken chain means the records were written outside the gateway), once per change.
 */
function chainReport(metrics: GatewayMetrics, error: (message: string) => void, info: (message: string) => void) {
  let lastBreak: string | null = null;
  return ({ result, status, at, error: failure }: ChainCheckOutcome) => {
    metrics.auditChainChecks.inc({ result });
    if (result === 'failed') return error(`audit chain not checked: ${failure?.message ?? 'the records could not be read'}`);
    metrics.auditChainIntact.set(result === 'intact' ? 1 : 0);
    metrics.auditChainChecked.set(at.getTime() / 1000);
    if (result === 'broken') {
      const where = `first broken record ${status?.firstBrokenId ?? 'none'}, first broken checkpoint ${status?.firstBrokenCheckpoint ?? 'none'}`;
      if (where !== lastBreak) error(`AUDIT CHAIN BROKEN: the audit log no longer matches its signed checkpoints (${where}); records were changed outside the gateway`);
      lastBreak = where;
    } else if (lastBreak !== null) {
      info(`audit chain intact again (${status?.checked ?? 0} records checked from ${status?.from ?? 1})`);
      lastBreak = null;
    }
  };
}
