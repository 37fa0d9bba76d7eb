import type { GatewayContext } from '../execution/context.ts';
import { isAdmin } from '../identity/caller.ts';
import type { Publisher } from '../registry/publisher.ts';
import type { RegisteredSubgraph, SchemaRegistry } from '../registry/schema-registry.ts';

export interface RegistryServices {
  registry: () => SchemaRegistry;
  publisher: () => Publisher;
}

/** GraphQL glue for provider self-service publishing; the checks live in registry/publisher.ts. */
export function registryResolvers({ registry, publisher }: RegistryServices) {
  return {
    Query: {
      subgraphs: async () => (await registry().current())?.subgraphs ?? [],
      supergraphHistory: () => registry().history(),
    },
    // CONTRACT §6 v1.1: subgraph URLs and other internal addresses are visible to admin only.
    RegisteredSubgraph: {
      url: (s: RegisteredSubgraph, _: unknown, { caller }: GatewayContext) => (isAdmin(caller) ? s.url : null),
    },
    Mutation: {
      publishSubgraph: (_: unknown, { name, url }: { name: string; url: string }, { caller }: GatewayContext) => publisher().publish(caller, name, url),
      unpublishSubgraph: (_: unknown, { name }: { name: string }, { caller }: GatewayContext) => publisher().unpublish(caller, name),
      rollbackSupergraph: (_: unknown, { version }: { version: string }, { caller }: GatewayContext) => publisher().rollback(caller, version),
    },
  };
}
