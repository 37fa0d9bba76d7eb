import Fastify, { type FastifyInstance } from 'fastify';
import type { ApolloServer } from '@apollo/server';
import { randomUUID } from 'node:crypto';
import { SIGNATURE_HEADER } from '../protocol/gateway-signature.ts';
import type { GatewayConfig, SubgraphEndpoint } from './config.ts';
import { fetchSubgraphSdl } from './composition/fetch-sdl.ts';
import { Publisher } from './registry/publisher.ts';
import { SchemaRegistry } from './registry/schema-registry.ts';
import { bootstrapSupergraph, followRegistry } from './registry/registry-sync.ts';
import { SupergraphSource } from './composition/supergraph-source.ts';
import { createApolloExecutor } from './execution/apollo.ts';
import type { GatewayContext } from './execution/context.ts';
import { graphqlRoute } from './http/graphql-route.ts';
import { RateLimiter, type DepartmentRateLimiter } from './http/rate-limit.ts';
import { SharedRateLimiter } from './http/shared-rate-limit.ts';
import { healthRoutes } from './http/health-routes.ts';
import { drain } from './http/drain.ts';
import { createGatewayMetrics } from './http/metrics.ts';
import { departmentsFromEnv, type DepartmentDirectory } from './identity/departments.ts';
import { jwksRoute, loadGatewayKeys, type GatewayKeys } from './keys/index.ts';
import { createAuthenticator } from './pipeline/authenticate.ts';
import { sharePolicyPlugin } from './pipeline/share-policy-plugin.ts';
import { aliasCollisionRule, limitRules } from './pipeline/validation-rules.ts';
import { createPlatformSubgraph, PLATFORM_SUBGRAPH } from './platform/platform-subgraph.ts';
import { listCatalog, syncResourceHistory } from './platform/catalog.ts';
import { workflowStores, type WorkflowStores } from './platform/records.ts';
import { catalogExportRoutes } from './http/catalog-export-routes.ts';
import { calendarFromEnv, type WorkingDayCalendar } from './workdays/index.ts';
import { GrantCache } from './state/grant-cache.ts';
import { webRoutes } from './web/web-routes.ts';
import { createStateStores, type RecordsLocation, type StateStores } from './state/index.ts';

export interface Gateway {
  app: FastifyInstance;
  source: SupergraphSource;
  /** Available once `start` resolved. */
  readonly state: StateStores;
  /** Listens at once (health answers), then loads the supergraph; resolves when it serves queries. */
  start(): Promise<void>;
  close(): Promise<void>;
  readonly url: string;
}

export interface GatewayOptions {
  config: GatewayConfig;
  /** Environment for the key source and departments (defaults to process.env). */
  env?: NodeJS.ProcessEnv;
  /** Injected state (tests); otherwise opened from `config.recordsUrl` / `config.dataDir` and `config.redisUrl`. */
  state?: StateStores;
  departments?: DepartmentDirectory;
  calendar?: WorkingDayCalendar;
  now?: () => Date;
  /** Off only to measure the policy layer's cost in benchmarks. */
  enforcePolicy?: boolean;
  log?: (message: string) => void;
}

export function createGateway(options: GatewayOptions): Gateway {
  const { config, env = process.env, now = () => new Date(), log = () => {} } = options;
  // 10,000 comparison claims with addresses are about 2–3 MB of JSON.
  // return503OnClosing off: during a drain, requests on kept-alive sockets are served (`http/drain.ts`).
  const app = Fastify({ logger: false, bodyLimit: 4 * 1024 * 1024, return503OnClosing: false });
  app.register(drain, { drainMs: config.drainMs });
  const metrics = createGatewayMetrics();
  const source = new SupergraphSource();
  let keys: GatewayKeys | null = null;
  // The gateway's own calls (SDL for composition and publishing) are signed without a caller.
  const fetchSdl = (endpoint: SubgraphEndpoint) => fetchSubgraphSdl(endpoint, async (subgraph, body) => {
    if (!keys) throw new Error('gateway keys not loaded');
    return { [SIGNATURE_HEADER]: await keys.signer.sign({ aud: subgraph, rid: `gateway-${randomUUID()}` }, body) };
  });
  source.onSwap(() => metrics.supergraphSwaps.inc());
  const departments = options.departments ?? departmentsFromEnv(env);
  let apollo: ApolloServer<GatewayContext> | null = null;
  let state: StateStores | null = options.state ?? null;
  let grantCache: GrantCache | null = null;
  let workflow: WorkflowStores | null = null;
  let registry: SchemaRegistry | null = null;
  let publisher: Publisher | null = null;
  let stopFollowing: (() => void) | null = null;
  let url = '';
  const abort = new AbortController();

  const model = () => {
    const current = source.supergraph;
    if (!current) throw new Error('no supergraph loaded');
    return current.model;
  };

  app.register(healthRoutes, {
    source, metrics, isServing: () => apollo !== null,
    readinessChecks: [async () => {
      if (!state) return 'state store not connected';
      return state.ping().then(() => null, () => `state store (${state!.kind}) does not answer`);
    }],
  });
  // The public half of the signing key, for subgraphs and anyone checking a signed checkpoint.
  app.register(jwksRoute, { keySet: () => keys?.keySet ?? null });
  app.register(catalogExportRoutes, {
    catalog: async () => {
      if (!workflow || !source.supergraph) throw Object.assign(new Error('the catalog is not loaded yet'), { statusCode: 503 });
      return listCatalog(model(), workflow.resourceHistory);
    },
    publicUrl: () => env.GOVSHARE_PUBLIC_URL ?? url,
  });
  app.register(async (scope) => {
    const authenticate = createAuthenticator({
      describe: 'pending', generatedSecret: null,
      verify: (token) => {
        if (!keys) throw new Error('key source not loaded');
        return keys.tokens.verify(token);
      },
    }, departments);
    // With Redis one bucket per department for all replicas (fails open to this replica's own when Redis is away).
    const rateLimiter: DepartmentRateLimiter = config.redisUrl
      ? new SharedRateLimiter({ redisUrl: config.redisUrl, prefix: config.redisPrefix, ratePerSecond: config.rateLimit.perSecond, burst: config.rateLimit.burst, log })
      : new RateLimiter(config.rateLimit.perSecond, config.rateLimit.burst);
    scope.addHook('onClose', async () => { await rateLimiter.close?.(); });
    await scope.register(graphqlRoute, { server: () => apollo, authenticate, metrics, rateLimiter, limits: config.limits });
  });

  return {
    app,
    source,
    get state() {
      if (!state) throw new Error('gateway not started');
      return state;
    },
    get url() { return url; },
    async start() {
      const gatewayKeys = await loadGatewayKeys({ env, dataDir: config.dataDir ?? null, shared: Boolean(config.redisUrl), log });
      keys = gatewayKeys;
      log(`signing subgraph calls with ${gatewayKeys.signing.alg} key ${gatewayKeys.signing.kid} (${gatewayKeys.signing.source}); department tokens: ${gatewayKeys.tokens.describe}`);
      // Dev sign-in only with the generated key: with a configured one it would mint real tokens for anyone.
      const devSecret = gatewayKeys.tokens.generatedSecret;
      app.register(webRoutes, { devTokens: devSecret !== null, ...(devSecret ? { jwtSecret: devSecret } : {}), departments: departments.departments, log });
      const calendar = options.calendar ?? calendarFromEnv(env, now(), (message) => log(`WARNING: ${message}`));
      state ??= await createStateStores({
        records: recordsLocation(config),
        ...(config.redisUrl ? { redisUrl: config.redisUrl } : {}), prefix: config.redisPrefix, log,
      });
      grantCache = new GrantCache(state.grants);
      workflow = workflowStores(state);
      const stores = workflow;
      await app.listen({ host: config.host, port: config.port });
      const address = app.server.address();
      url = typeof address === 'object' && address ? `http://${config.host}:${address.port}` : `http://${config.host}:${config.port}`;

      registry = new SchemaRegistry(state);
      const platform = createPlatformSubgraph({
        state, workflow, departments, calendar, model, now,
        registry: { registry: () => registry!, publisher: () => publisher! },
      });
      const local = [{ name: PLATFORM_SUBGRAPH, sdl: platform.sdl, url: `http://${PLATFORM_SUBGRAPH}.local/graphql` }];
      const sync = { registry, source, local, fetchSdl, now, log };
      const loaded = await bootstrapSupergraph({ ...sync, endpoints: config.subgraphs, signal: abort.signal });
      await syncResourceHistory(loaded.model, workflow.resourceHistory, now());
      // From here on the catalog's publishedAt/updatedAt follow every supergraph served (publish, rollback,
      // another replica's change); the start-up one was recorded just above, before serving.
      source.onSwap((supergraph) => {
        syncResourceHistory(supergraph.model, stores.resourceHistory, now()).catch((error: Error) => log(`catalog history not updated: ${error.message}`));
      });
      publisher = new Publisher({ registry, source, local, fetchSdl, grants: state.grants, audit: state.audit, now, requestId: () => randomUUID() });
      stopFollowing = followRegistry(sync);
      const executor = createApolloExecutor({
        source,
        signer: gatewayKeys.signer,
        limits: config.limits, model, subgraphCalls: config.subgraphCalls,
        validationRules: [...limitRules(config.limits), aliasCollisionRule(model)],
        local: new Map([[PLATFORM_SUBGRAPH, platform.schema]]),
        plugins: [sharePolicyPlugin({
          model, grants: grantCache, audit: state.audit, auditKey: gatewayKeys.auditKey, now,
          limits: config.limits, lookupMisses: stores.lookupMisses, enforce: options.enforcePolicy ?? true,
        })],
      });
      await executor.server.start();
      apollo = executor.server;
    },
    async close() {
      abort.abort();
      stopFollowing?.();
      // In this order: the HTTP server drains (requests in flight finish, bounded by drainMs), then
      // Apollo stops and closes the subgraph sockets, then the stores.
      await app.close();
      await apollo?.stop();
      grantCache?.close();
      if (!options.state) await state?.close();
    },
  };
}

/** The records on the configured server, else embedded under the data folder (CONTRACT §9). */
function recordsLocation(config: GatewayConfig): RecordsLocation {
  if (config.recordsUrl) return { url: config.recordsUrl };
  if (!config.dataDir) throw new Error('the records need GOVSHARE_STATE_DATABASE_URL or a data folder (GOVSHARE_DATA_DIR)');
  return { dataDir: config.dataDir };
}
