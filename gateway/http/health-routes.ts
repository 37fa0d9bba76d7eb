import type { FastifyPluginAsync } from 'fastify';
import type { SupergraphSource } from '../composition/supergraph-source.ts';
import type { GatewayMetrics } from './metrics.ts';
import './drain.ts';

export interface HealthRoutesOptions {
  source: SupergraphSource;
  metrics: GatewayMetrics;
  /** Extra readiness checks (the state store, later); each resolves to a reason when not ready. */
  readinessChecks?: Array<() => Promise<string | null>>;
  isServing: () => boolean;
}

/** Where a load balancer or an orchestrator asks (docker/, tests/deploy/manifests.test.ts compares). */
export const LIVENESS_PATH = '/healthz';
export const READINESS_PATH = '/readyz';

/** `/healthz` (the process lives), `/readyz` (supergraph loaded, dependencies answer), `/metrics`. */
export const healthRoutes: FastifyPluginAsync<HealthRoutesOptions> = async (app, { source, metrics, readinessChecks = [], isServing }) => {
  app.get(LIVENESS_PATH, async () => ({ status: 'ok' }));

  app.get(READINESS_PATH, async (_req, reply) => {
    const subgraphs = [...source.status.values()];
    const reasons: string[] = [];
    // From the first moment of a SIGTERM: the load balancer stops sending while requests in flight finish.
    if (app.draining) reasons.push('shutting down: draining the requests in flight');
    if (!source.supergraph || !isServing()) {
      reasons.push('supergraph not loaded');
      for (const s of subgraphs) if (s.state !== 'up') reasons.push(`subgraph ${s.name}: ${s.error ?? s.state}`);
    }
    for (const check of readinessChecks) {
      const reason = await check().catch((error: Error) => error.message);
      if (reason) reasons.push(reason);
    }
    const ready = reasons.length === 0;
    reply.status(ready ? 200 : 503);
    return {
      status: ready ? 'ready' : 'not ready',
      reasons,
      supergraphVersion: source.supergraph?.version ?? null,
      // No `url`: /readyz needs no token, and subgraph addresses are for admin only (CONTRACT §6 v1.1).
      subgraphs: subgraphs.map(({ name, state, attempts, error }) => ({ name, state, attempts, error })),
    };
  });

  app.get('/metrics', async (_req, reply) => {
    reply.header('content-type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });
};
