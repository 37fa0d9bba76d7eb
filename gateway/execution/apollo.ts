import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloGateway } from '@apollo/gateway';
import type { SupergraphSource } from '../composition/supergraph-source.ts';
import { SubgraphDataSource } from './subgraph-data-source.ts';

export interface GatewayContext extends Record<string, unknown> {
  requestId: string;
}

/** Apollo's gateway (query planning and execution) behind an Apollo Server, fed by our source. */
export function createApolloExecutor(source: SupergraphSource) {
  // @apollo/gateway otherwise exports usage metrics to Apollo and probes cloud metadata
  // endpoints (GCP, AWS, Azure, Alibaba): nothing may leave a government network.
  process.env.APOLLO_TELEMETRY_DISABLED = 'true';
  const gateway = new ApolloGateway({
    supergraphSdl: source.manager,
    buildService: ({ name, url }) => new SubgraphDataSource(name, url!),
  });
  const server = new ApolloServer<GatewayContext>({
    gateway,
    introspection: true,
    includeStacktraceInErrorResponses: false,
    plugins: [ApolloServerPluginLandingPageDisabled()],
  });
  return { gateway, server };
}
