import fp from 'fastify-plugin';
import type { ApolloServer } from '@apollo/server';
import { createApolloExecutor } from '../execution/apollo.ts';
import type { GatewayContext } from '../execution/context.ts';
import { graphqlRoute, requestSpanOutcome } from '../http/graphql-route.ts';
import { timedAuditLog } from '../http/metrics.ts';
import { syncResourceHistory } from '../platform/catalog.ts';
import { PLATFORM_SUBGRAPH } from '../platform/platform-subgraph.ts';
import { policyStages } from '../pipeline/policy-stages.ts';
import { aliasCollisionRule, limitRules } from '../pipeline/validation-rules.ts';
import { bootstrapSupergraph, followRegistry } from '../registry/registry-sync.ts';
import { compositionModeOf } from './composition-mode.ts';
import type { ResolvedOptions } from './options.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * Settles once the first supergraph is loaded and Apollo serves it (or loading failed for good). Loading
     * starts when the instance is ready, so the health routes answer while the gateway waits for subgraphs.
     */
    serving: Promise<void>;
    /** Whether `/graphql` executes operations yet. */
    isServing(): boolean;
  }
}

/**
 * `/graphql`: Apollo's gateway behind Apollo Server, with the policy stages as its plugins, fed by the
 * supergraph source; the route in front authenticates and rate-limits. Stops Apollo (and with it the
 * subgraph sockets) on close, after the HTTP server has drained.
 */
export const graphqlPlugin = fp<ResolvedOptions>(async (app, { config, now, log, options }) => {
  const stages = options.policyStages
    ? options.policyStages({ model: app.model })
    : policyStages({
      model: app.model, grants: app.grantCache, audit: timedAuditLog(app.state.audit, app.metrics.auditWrite), auditKey: app.keys.auditKey, now,
      limits: config.limits, lookupMisses: app.workflow.lookupMisses,
    });
  const composition = compositionModeOf(config);
  const executor = createApolloExecutor({
    source: app.source,
    signer: app.keys.signer,
    limits: config.limits, model: app.model, subgraphCalls: config.subgraphCalls,
    validationRules: [...limitRules(config.limits), aliasCollisionRule(app.model)],
    local: new Map(composition.local.length ? [[PLATFORM_SUBGRAPH, app.platformSchema]] : []),
    plugins: [...stages, requestSpanOutcome(app.model)],
    observeSubgraphCall: (subgraph, seconds) => app.metrics.subgraphCall.observe({ subgraph }, seconds),
  });
  let apollo: ApolloServer<GatewayContext> | null = null;
  let stopFollowing: (() => void) | null = null;
  const abort = new AbortController();

  async function serve(): Promise<void> {
    const sync = { registry: app.registry, source: app.source, ...composition, fetchSdl: app.fetchSdl, now, log };
    const loaded = await bootstrapSupergraph({ ...sync, endpoints: config.subgraphs, signal: abort.signal });
    await syncResourceHistory(loaded.model, app.workflow.resourceHistory, now());
    // From here on the catalog's publishedAt/updatedAt follow every supergraph served (publish, rollback,
    // another replica's change); the start-up one was recorded just above, before serving.
    app.source.onSwap((supergraph) =>
      syncResourceHistory(supergraph.model, app.workflow.resourceHistory, now()).catch((error: Error) => log(`catalog history not updated: ${error.message}`)));
    stopFollowing = followRegistry(sync);
    await executor.server.start();
    apollo = executor.server;
  }

  let serving: Promise<void> | null = null;
  const start = () => {
    serving ??= serve();
    // Whoever awaits `serving` sees the failure; unawaited, it must not end the process as unhandled.
    serving.catch(() => {});
    return serving;
  };
  app.decorate('serving', { getter: () => start() });
  app.decorate('isServing', () => apollo !== null);
  app.addHook('onReady', async () => { start(); });
  app.addHook('onClose', async () => {
    abort.abort();
    // A load that was past its last abort check still finishes (and starts following the registry):
    // wait for it, then stop what it started.
    await serving?.catch(() => {});
    stopFollowing?.();
    await apollo?.stop();
  });

  await app.register(graphqlRoute, { server: () => apollo, authenticate: app.authenticate, metrics: app.metrics, rateLimiter: app.rateLimiter, limits: config.limits });
}, {
  name: 'govshare-graphql',
  dependencies: ['govshare-metrics', 'govshare-keys', 'govshare-records', 'govshare-coordination', 'govshare-identity', 'govshare-supergraph', 'govshare-platform'],
});
