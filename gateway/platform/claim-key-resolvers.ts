import { badUserInput, forbidden } from '../../protocol/errors.ts';
import type { GatewayContext } from '../execution/context.ts';
import { PLATFORM_RESOURCE } from './catalog.ts';
import { auditPlatformEvent } from './platform-audit.ts';
import { mayActFor, roleHint } from './roles.ts';
import type { PlatformServices } from './services.ts';

/**
 * `Resource.claimKey` (sealed claims): asked of the provider only when a reader selects it.
 * `rotateClaimKey`: the resource's provider (provider role) or an admin has the provider's subgraph
 * replace its claim key; batches sealed to the old one are refused from then on, and the rotation is an
 * audit record of its own, written before the answer.
 */
export function claimKeyResolvers(services: PlatformServices) {
  return {
    Resource: {
      claimKey: (resource: { code: string }, _: unknown, context: GatewayContext) =>
        services.claimKeys?.of(resource.code, context.requestId) ?? null,
    },
    Mutation: {
      rotateClaimKey: async (_: unknown, { resource: code }: { resource: string }, context: GatewayContext) => {
        const resource = services.model().resources.get(code);
        if (!resource || resource.code === PLATFORM_RESOURCE) throw badUserInput(`unknown resource "${code}": see the catalog for resource codes`);
        if (!mayActFor(context.caller, resource.provider)) {
          throw forbidden(`only the provider of ${code} (${resource.provider}) or an admin may rotate its claim key${roleHint(context.caller, resource.provider)}`);
        }
        const key = await services.claimKeys?.rotate(code, context.requestId, context.caller.department);
        if (!key) throw badUserInput(`${code} has no claim key: none of its comparisons takes sealed claims`);
        await auditPlatformEvent(services.state.audit, context, {
          operation: 'rotateClaimKey', resource: code, provider: resource.provider, detail: `claim key of ${code} rotated; now ${key.kid}`, now: services.now(),
        });
        return key;
      },
    },
  };
}
