import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyInstance, type FastifyPluginAsync } from 'fastify';
import mercurius from 'mercurius';
import { parse } from 'graphql';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { collectDefaultMetrics, Counter, Registry } from 'prom-client';
import { withShareDirectives } from '../../schema/share-sdl.ts';
import { analyseSubgraphs, type PolicyModel } from '../../schema/policy-model.ts';
import { parseSubgraph } from '../../schema/parse-subgraph.ts';
import { assertPublicKeySet, type SignatureClaims, type VerificationKeys } from '../../protocol/gateway-signature.ts';
import type { SubgraphContext, SubgraphDefinition } from './definition.ts';
import { gatewayDoor } from './gateway-signature.ts';
import type { SharedReplayCache } from '../../protocol/shared-replay-cache.ts';
import { shareEnforcement } from './share-enforcement.ts';
import { guardSubgraph } from './guard.ts';
import { claimKeyRoute } from './claim-key-route.ts';
import { countingSql, type Sql } from './sql.ts';
import { requestObservability, sqlInContext } from './request-observability.ts';
import { requestLoggerOptions, type LogDestination, type LogLevel } from '../../protocol/request-logging.ts';
import { ErrorCode } from '../../protocol/errors.ts';

export interface SubgraphPluginOptions {
  definition: SubgraphDefinition<unknown>;
  /** The database the subgraph's schema lives in (already created and seeded). */
  sql: Sql;
  /** The gateway's public keys (its JWKS, or the URL it serves them at): the subgraph verifies, never signs. */
  gatewayKeys: VerificationKeys;
  /** Single use of signatures across this subgraph's replicas (`REDIS_URL`, `sharedReplayFromEnv`). */
  sharedReplay?: SharedReplayCache;
  /** `GOVSHARE_UNKNOWN_KEY_BUDGET` (subgraphs/config.ts); absent, the process's configuration. */
  unknownKeyBudget?: number;
  /** The host's messages (the `[subgraphs]` lines): a claim-key rotation says here who asked for it. */
  log?: (message: string) => void;
}

/** The subgraph's full SDL as the gateway sees it through `_service { sdl }`. */
export function subgraphSdl(definition: SubgraphDefinition<unknown>): string {
  return withShareDirectives(definition.sdl);
}

/** The subgraph's SDL breaks a CONTRACT §3 rule: the kit refuses to serve it. */
export class SubgraphRulesError extends Error {
  constructor(readonly subgraph: string, readonly issues: readonly { code: string; coordinate?: string; message: string }[]) {
    super(`subgraph "${subgraph}" breaks CONTRACT §3 and will not start: ${issues
      .map((i) => `${i.code}${i.coordinate ? ` at ${i.coordinate}` : ''}: ${i.message}`).join('; ')}`);
    this.name = 'SubgraphRulesError';
  }
}

/**
 * Provider-side enforcement: the subgraph checks its own SDL with the rules the gateway applies at
 * composition (every field classified, `@compare` results carry flags only, …) before it serves a
 * request. Only what depends on other subgraphs is left to composition: an entity key field this
 * subgraph repeats without `@share` is classified by the entity's owner.
 */
export function checkSubgraphRules(definition: SubgraphDefinition<unknown>): PolicyModel {
  const sdl = subgraphSdl(definition);
  const { model, errors } = analyseSubgraphs([{ name: definition.name, sdl }]);
  if (errors.length === 0) return model;
  const keysOwnedElsewhere = new Set<string>();
  try {
    for (const type of parseSubgraph(definition.name, sdl).types.values()) {
      for (const field of type.fields) {
        if (type.keyFields.has(field.name) && !field.share) keysOwnedElsewhere.add(`${type.name}.${field.name}`);
      }
    }
  } catch { /* an SDL that does not parse is reported by the analysis already */ }
  const own = errors.filter((e) => !(e.code === ErrorCode.UNCLASSIFIED_FIELD && e.coordinate && keysOwnedElsewhere.has(e.coordinate)));
  if (own.length > 0) throw new SubgraphRulesError(definition.name, own);
  return model;
}

/** A subgraph's health route (no signature needed): docker/'s probes ask it. */
export const SUBGRAPH_HEALTH_PATH = '/healthz';

/**
 * One provider subgraph as an encapsulated Fastify plugin: `/graphql` (mercurius serving the
 * Federation 2 schema), `/healthz` and `/metrics`, with its own metrics registry. Refuses to load
 * (throws `SubgraphRulesError`) when the subgraph's own SDL breaks a CONTRACT §3 rule.
 */
export const subgraphPlugin: FastifyPluginAsync<SubgraphPluginOptions> = async (app, { definition, sql, gatewayKeys, sharedReplay, unknownKeyBudget, log }) => {
  const model = checkSubgraphRules(definition);
  // Before anything touches the database: no door without the gateway's public keys, and no private key here.
  if (!gatewayKeys) throw new Error(`subgraph "${definition.name}" has no gateway verification key: configure GOVSHARE_GATEWAY_JWKS_URL or GOVSHARE_GATEWAY_JWKS`);
  if ('jwks' in gatewayKeys) assertPublicKeySet(gatewayKeys.jwks, `the gateway key set of subgraph "${definition.name}"`);
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const dbQueries = new Counter({
    name: 'govshare_subgraph_db_queries_total',
    help: 'Database round trips made by the subgraph',
    labelNames: ['subgraph'],
    registers: [registry],
  });
  const requests = new Counter({
    name: 'govshare_subgraph_requests_total',
    help: 'GraphQL requests served by the subgraph',
    labelNames: ['subgraph'],
    registers: [registry],
  });
  // Label children bound once: inc() with a label object hashes the labels on every statement and request.
  const queriesHere = dbQueries.labels({ subgraph: definition.name });
  const requestsHere = requests.labels({ subgraph: definition.name });
  const counted = countingSql(sql, () => queriesHere.inc());
  queriesHere.inc(0);

  const schema = buildSubgraphSchema({
    typeDefs: parse(subgraphSdl(definition)),
    resolvers: definition.resolvers as never,
  });
  // Claim limits on every @compare field, the unknown-key budget on every lookup (CONTRACT §5 v1.1).
  const guards = await guardSubgraph(schema, { definition, model, sql: counted, registry, ...(unknownKeyBudget !== undefined ? { unknownKeyBudget } : {}) });

  // First, so its hooks and 404 handler guard every route registered below.
  await app.register(gatewayDoor, { subgraph: definition.name, keys: gatewayKeys, ...(sharedReplay ? { sharedReplay } : {}) });
  await app.register(requestObservability, { subgraph: definition.name });
  await app.register(mercurius, {
    schema,
    path: '/graphql',
    graphiql: false,
    // Compile a query after its first run (graphql-jit): the gateway sends the same few query shapes again and again.
    jit: 1,
    context: (request): SubgraphContext<unknown> & { caller: SignatureClaims | undefined } => {
      requestsHere.inc();
      const sql = sqlInContext(counted, request.traceContext);
      return { sql, loaders: definition.loaders(sql), caller: request.gatewayClaims };
    },
  });
  await app.register(shareEnforcement, { subgraph: definition.name, model });

  app.get(SUBGRAPH_HEALTH_PATH, async () => ({ status: 'ok', subgraph: definition.name }));
  // Sealed claims: the public half of the claim key, for the gateway's catalog (behind the door like /graphql).
  if (guards.claimKeys) claimKeyRoute(app, guards.claimKeys, log ?? ((message) => app.log.warn(message)));
  app.get('/metrics', async (_req, reply) => {
    reply.header('content-type', registry.contentType);
    return registry.metrics();
  });
};

/** The host's JSON log lines (`subgraphs/main.ts`: stdout at LOG_LEVEL); absent, the server logs nothing (tests). */
export interface SubgraphLogging {
  logDestination?: LogDestination;
  logLevel?: LogLevel;
}

/** How long a subgraph keeps an idle connection from the gateway open. */
export const SUBGRAPH_KEEP_ALIVE_MS = 72_000;

/** A Fastify server hosting one subgraph (the usual deployment: one process, one port). */
export async function createSubgraphServer(options: SubgraphPluginOptions & SubgraphLogging): Promise<FastifyInstance> {
  const { logDestination, logLevel = 'info', ...plugin } = options;
  // keepAliveTimeout stated (Fastify's default): the gateway closes its idle sockets well before (30 s), and
  // a gateway on another stack must close them before this too, or a burst meets sockets closed under it.
  // Request lines are written by `requestObservability` (with the signature's rid as reqId), not by Fastify.
  const app = Fastify({
    logger: logDestination ? requestLoggerOptions(logLevel, logDestination) : false, logController: new LogController({ disableRequestLogging: true }),
    genReqId: () => randomUUID(), requestIdHeader: false,
    bodyLimit: 16 * 1024 * 1024, keepAliveTimeout: SUBGRAPH_KEEP_ALIVE_MS,
  });
  try {
    await app.register(subgraphPlugin, plugin);
  } catch (error) {
    await app.close().catch(() => {});
    throw error;
  }
  return app;
}
