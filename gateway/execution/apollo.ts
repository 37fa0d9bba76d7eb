import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloGateway, LocalGraphQLDataSource } from '@apollo/gateway';
import type { GraphQLSchema } from 'graphql';
import type { SupergraphSource } from '../composition/supergraph-source.ts';
import type { GatewayContext } from './context.ts';
import { SubgraphDataSource } from './subgraph-data-source.ts';
import { HttpClient } from './http-client.ts';

export interface ApolloExecutorOptions {
  source: SupergraphSource;
  subgraphSecret: string;
  /** Subgraphs executed in this process (the platform API). */
  local: ReadonlyMap<string, GraphQLSchema>;
  plugins: ApolloServerPlugin<GatewayContext>[];
}

/** execute: Apollo's gateway (query planning, subgraph calls) behind an Apollo Server, fed by our source. */
export function createApolloExecutor({ source, subgraphSecret, local, plugins }: ApolloExecutorOptions) {
  // @apollo/gateway otherwise exports usage metrics to Apollo and probes cloud metadata
  // endpoints (GCP, AWS, Azure, Alibaba): nothing may leave a government network.
  process.env.APOLLO_TELEMETRY_DISABLED = 'true';
  const client = new HttpClient();
  const gateway = new ApolloGateway({
    supergraphSdl: source.manager,
    buildService: ({ name, url }) => {
      const schema = local.get(name);
      return schema ? new LocalGraphQLDataSource(schema) : new SubgraphDataSource(name, url!, subgraphSecret, client);
    },
  });
  const server = new ApolloServer<GatewayContext>({
    gateway,
    introspection: true,
    includeStacktraceInErrorResponses: false,
    plugins: [ApolloServerPluginLandingPageDisabled(), ...plugins, { async serverWillStart() { return { async serverWillStop() { client.close(); } }; } }],
  });
  return { gateway, server };
}
