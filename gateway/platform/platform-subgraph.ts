import { readFileSync } from 'node:fs';
import { parse, type GraphQLSchema } from 'graphql';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { withShareDirectives } from '../../schema/share-sdl.ts';
import { auditResolvers } from './audit-resolvers.ts';
import { identityResolvers } from './identity-resolvers.ts';
import { workflowResolvers } from './workflow-resolvers.ts';
import { registryResolvers } from './registry-resolvers.ts';
import { recallResolvers } from './recall-resolvers.ts';
import type { PlatformServices } from './services.ts';
import { claimKeyResolvers } from './claim-key-resolvers.ts';
import type { SubgraphSdl } from '../../schema/policy-types.ts';

export const PLATFORM_SUBGRAPH = 'platform';

const SDL = withShareDirectives(readFileSync(new URL('schema.graphql', import.meta.url), 'utf8'));

/** The platform API as composition sees it: its SDL is fixed, so the supergraph and the publisher need no resolvers to compose it. */
export const PLATFORM_SDL: SubgraphSdl = { name: PLATFORM_SUBGRAPH, sdl: SDL, url: `http://${PLATFORM_SUBGRAPH}.local/graphql` };

/** The platform API as a Federation 2 subgraph executed in the gateway's own process. */
export function createPlatformSubgraph(services: PlatformServices): { name: string; sdl: string; schema: GraphQLSchema } {
  const parts = [identityResolvers(services), auditResolvers(services), workflowResolvers(services), registryResolvers(services.registry), recallResolvers(services), claimKeyResolvers(services)];
  const resolvers: Record<string, Record<string, unknown>> = {};
  for (const part of parts) for (const [type, fields] of Object.entries(part)) resolvers[type] = { ...resolvers[type], ...fields };
  const schema = buildSubgraphSchema({ typeDefs: parse(SDL), resolvers: resolvers as never });
  return { name: PLATFORM_SUBGRAPH, sdl: SDL, schema };
}
