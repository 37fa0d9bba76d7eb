import { readFileSync } from 'node:fs';
import { parse, type GraphQLSchema } from 'graphql';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { withShareDirectives } from '../../schema/share-sdl.ts';
import { auditResolvers } from './audit-resolvers.ts';
import { identityResolvers } from './identity-resolvers.ts';
import { workflowResolvers } from './workflow-resolvers.ts';
import { registryResolvers } from './registry-resolvers.ts';
import type { PlatformServices } from './services.ts';

export const PLATFORM_SUBGRAPH = 'platform';

const SDL = withShareDirectives(readFileSync(new URL('schema.graphql', import.meta.url), 'utf8'));

/** The platform API as a Federation 2 subgraph executed in the gateway's own process. */
export function createPlatformSubgraph(services: PlatformServices): { name: string; sdl: string; schema: GraphQLSchema } {
  const parts = [identityResolvers(services), auditResolvers(services), workflowResolvers(services), registryResolvers(services.registry)];
  const resolvers: Record<string, Record<string, unknown>> = {};
  for (const part of parts) for (const [type, fields] of Object.entries(part)) resolvers[type] = { ...resolvers[type], ...fields };
  const schema = buildSubgraphSchema({ typeDefs: parse(SDL), resolvers: resolvers as never });
  return { name: PLATFORM_SUBGRAPH, sdl: SDL, schema };
}
