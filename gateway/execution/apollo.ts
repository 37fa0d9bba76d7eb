import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloGateway, LocalGraphQLDataSource } from '@apollo/gateway';
import { type GraphQLSchema, type ValidationRule } from 'graphql';
import { ErrorCode, govshareError } from '../../protocol/errors.ts';
import type { PolicyModel } from '../../schema/policy-model.ts';
import type { SupergraphSource } from '../composition/supergraph-source.ts';
import { gatewayErrorFormatter, guardedSubgraph, scrubValueCompletion } from '../pipeline/error-scrubbing.ts';
import type { RequestLimits } from '../pipeline/limits.ts';
import type { GatewayContext } from './context.ts';
import { SubgraphDataSource } from './subgraph-data-source.ts';
import type { RequestSigner } from '../../protocol/gateway-signature.ts';
import { HttpClient } from './http-client.ts';
import { documentFailureStatus } from '../http/graphql-over-http.ts';
import { DEFAULT_SUBGRAPH_CALL_LIMITS, SubgraphCallPolicy } from './subgraph-call-policy.ts';
import type { SubgraphCallLimits } from '../config.ts';

export interface ApolloExecutorOptions {
  source: SupergraphSource;
  /** Signs every subgraph call with the gateway's private key. */
  signer: RequestSigner;
  /** Subgraphs executed in this process (the platform API). */
  local: ReadonlyMap<string, GraphQLSchema>;
  plugins: ApolloServerPlugin<GatewayContext>[];
  /** CONTRACT §8 limits: tokens at parsing, field selections in validation, and the formatter's texts. */
  limits: RequestLimits;
  /** Validation rules beyond graphql-js' own (document limits, alias collisions). */
  validationRules: ValidationRule[];
  /** Names the provider of a subgraph in its errors. */
  model: () => PolicyModel;
  /** Deadline, concurrency and queue of each remote subgraph's calls. */
  subgraphCalls?: SubgraphCallLimits;
  /** Each remote subgraph call's duration (`govshare_gateway_subgraph_call_seconds`). */
  observeSubgraphCall?: (subgraph: string, seconds: number) => void;
}

/** execute: Apollo's gateway (query planning, subgraph calls) behind an Apollo Server, fed by our source. */
export function createApolloExecutor({ source, signer, local, plugins, limits, validationRules, model, subgraphCalls = DEFAULT_SUBGRAPH_CALL_LIMITS, observeSubgraphCall }: ApolloExecutorOptions) {
  // @apollo/gateway otherwise exports usage metrics to Apollo and probes cloud metadata
  // endpoints (GCP, AWS, Azure, Alibaba): nothing may leave a government network.
  process.env.APOLLO_TELEMETRY_DISABLED = 'true';
  const client = new HttpClient({ maxSockets: subgraphCalls.concurrency });
  // Apollo builds new data sources on every supergraph swap; a subgraph's queue and circuit outlive them.
  const policies = new Map<string, SubgraphCallPolicy>();
  const policyFor = (name: string, url: string) => {
    const key = `${name} ${url}`;
    let policy = policies.get(key);
    if (!policy) policies.set(key, policy = new SubgraphCallPolicy(name, subgraphCalls));
    return policy;
  };
  const gateway = new ApolloGateway({
    supergraphSdl: source.manager,
    buildService: ({ name, url }) => {
      const schema = local.get(name);
      if (schema) return new LocalGraphQLDataSource(schema);
      return guardedSubgraph(new SubgraphDataSource(name, url!, signer, client, policyFor(name, url!), observeSubgraphCall), name, () => providerOf(model, name));
    },
  });
  const server = new ApolloServer<GatewayContext>({
    gateway: clearedOnly(gateway),
    introspection: true,
    includeStacktraceInErrorResponses: false,
    // Automatic persisted queries would be a second way in for a document (by hash, from a shared
    // cache) that this gateway does not need: every `persistedQuery` extension is refused (400).
    persistedQueries: false,
    parseOptions: { maxTokens: limits.tokens },
    // Counts selections with fragments expanded, each fragment walked once (CONTRACT §8). With it set,
    // Apollo runs `validationRules` only once graphql-js' own rules and this one passed.
    maxRecursiveSelections: limits.fieldSelections,
    validationRules,
    formatError: gatewayErrorFormatter(limits),
    // A cross-site form or <img> cannot set Authorization, and the route refuses every request
    // without a valid token before Apollo sees it: a GET carrying one is no forged request.
    csrfPrevention: { requestHeaders: ['authorization', 'x-apollo-operation-name', 'apollo-require-preflight'] },
    plugins: [ApolloServerPluginLandingPageDisabled(), ...plugins, documentFailureStatus<GatewayContext>(), { async serverWillStart() { return { async serverWillStop() { client.close(); } }; } }],
  });
  return { gateway, server };
}

/**
 * Fail closed at the last gate before any subgraph is called: only the operation the policy stage
 * cleared for this request runs (an empty or unknown operation name once slipped past the policy
 * stage and executed). Value-completion messages are scrubbed on the way out.
 */
function clearedOnly(gateway: ApolloGateway) {
  return {
    onSchemaLoadOrUpdate: gateway.onSchemaLoadOrUpdate.bind(gateway),
    stop: () => gateway.stop(),
    async load(options: Parameters<ApolloGateway['load']>[0]) {
      const loaded = await gateway.load(options);
      const executor: typeof loaded.executor = async (requestContext) => {
        const context = requestContext.context as unknown as GatewayContext;
        if (!context.cleared || context.cleared !== requestContext.operation) {
          return { errors: [govshareError(ErrorCode.POLICY_UNAVAILABLE, 'the policy stage did not clear this operation: nothing is executed')] };
        }
        return scrubValueCompletion(await loaded.executor(requestContext));
      };
      return { ...loaded, executor };
    },
  };
}

function providerOf(model: () => PolicyModel, subgraph: string): string | null {
  try {
    const current = model();
    const resource = current.subgraphResources.get(subgraph)?.[0];
    return resource ? current.resources.get(resource)?.provider ?? null : null;
  } catch {
    return null;
  }
}
