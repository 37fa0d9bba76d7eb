import Fastify, { type FastifyInstance, type FastifyPluginAsync } from 'fastify';
import mercurius from 'mercurius';
import { parse } from 'graphql';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { Counter, Registry } from 'prom-client';
import { withShareDirectives } from '../../schema/share-sdl.ts';
import { analyseSubgraphs, type PolicyModel } from '../../schema/policy-model.ts';
import { parseSubgraph } from '../../schema/parse-subgraph.ts';
import { assertPublicKeySet, type SignatureClaims, type VerificationKeys } from '../../protocol/gateway-signature.ts';
import type { SubgraphContext, SubgraphDefinition } from './definition.ts';
import { gatewayDoor } from './gateway-signature.ts';
import type { SharedReplayCache } from '../../protocol/shared-replay-cache.ts';
import { shareEnforcement } from './share-enforcement.ts';
import { guardSubgraph } from './guard.ts';
import { countingSql, type Sql } from './sql.ts';

export interface SubgraphPluginOptions {
  definition: SubgraphDefinition<unknown>;
  /** The database the subgraph's schema lives in (already created and seeded). */
  sql: Sql;
  /** The gateway's public keys (its JWKS, or the URL it serves them at): the subgraph verifies, never signs. */
  gatewayKeys: VerificationKeys;
  /** Single use of signatures across this subgraph's replicas (`REDIS_URL`, `sharedReplayFromEnv`). */
  sharedReplay?: SharedReplayCache;
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
  const own = errors.filter((e) => !(e.code === 'UNCLASSIFIED_FIELD' && e.coordinate && keysOwnedElsewhere.has(e.coordinate)));
  if (own.length > 0) throw new SubgraphRulesError(definition.name, own);
  return model;
}

/**
 * One provider subgraph as an encapsulated Fastify plugin: `/graphql` (mercurius serving the
 * Federation 2 schema), `/healthz` and `/metrics`, with its own metrics registry. Refuses to load
 * (throws `SubgraphRulesError`) when the subgraph's own SDL breaks a CONTRACT §3 rule.
 */
export const subgraphPlugin: FastifyPluginAsync<SubgraphPluginOptions> = async (app, { definition, sql, gatewayKeys, sharedReplay }) => {
  const model = checkSubgraphRules(definition);
  // Before anything touches the database: no door without the gateway's public keys, and no private key here.
  if (!gatewayKeys) throw new Error(`subgraph "${definition.name}" has no gateway verification key: configure GOVSHARE_GATEWAY_JWKS_URL or GOVSHARE_GATEWAY_JWKS`);
  if ('jwks' in gatewayKeys) assertPublicKeySet(gatewayKeys.jwks, `the gateway key set of subgraph "${definition.name}"`);
  const registry = new Registry();
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
  const counted = countingSql(sql, () => dbQueries.inc({ subgraph: definition.name }));
  dbQueries.inc({ subgraph: definition.name }, 0);

  const schema = buildSubgraphSchema({
    typeDefs: parse(subgraphSdl(definition)),
    resolvers: definition.resolvers as never,
  });
  // Claim limits on every @compare field, the unknown-key budget on every lookup (CONTRACT §5 v1.1).
  await guardSubgraph(schema, { definition, model, sql: counted, registry });

  // First, so its hooks and 404 handler guard every route registered below.
  await app.register(gatewayDoor, { subgraph: definition.name, keys: gatewayKeys, ...(sharedReplay ? { sharedReplay } : {}) });
  await app.register(mercurius, {
    schema,
    path: '/graphql',
    graphiql: false,
    // Compile a query after its first run (graphql-jit): the gateway sends the same few query shapes again and again.
    jit: 1,
    context: (request): SubgraphContext<unknown> & { caller: SignatureClaims | undefined } => {
      requests.inc({ subgraph: definition.name });
      return { sql: counted, loaders: definition.loaders(counted), caller: request.gatewayClaims };
    },
  });
  await app.register(shareEnforcement, { subgraph: definition.name, model });

  app.get('/healthz', async () => ({ status: 'ok', subgraph: definition.name }));
  app.get('/metrics', async (_req, reply) => {
    reply.header('content-type', registry.contentType);
    return registry.metrics();
  });
};

/** How long a subgraph keeps an idle connection from the gateway open. */
export const SUBGRAPH_KEEP_ALIVE_MS = 72_000;

/** A Fastify server hosting one subgraph (the usual deployment: one process, one port). */
export async function createSubgraphServer(options: SubgraphPluginOptions): Promise<FastifyInstance> {
  // keepAliveTimeout stated (Fastify's default): the gateway closes its idle sockets well before (30 s), and
  // a gateway on another stack must close them before this too, or a burst meets sockets closed under it.
  const app = Fastify({ logger: false, bodyLimit: 16 * 1024 * 1024, keepAliveTimeout: SUBGRAPH_KEEP_ALIVE_MS });
  try {
    await app.register(subgraphPlugin, options);
  } catch (error) {
    await app.close().catch(() => {});
    throw error;
  }
  return app;
}
