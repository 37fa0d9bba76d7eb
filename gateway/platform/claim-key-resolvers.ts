import type { GatewayContext } from '../execution/context.ts';
import type { PlatformServices } from './services.ts';

/** `Resource.claimKey` (sealed claims): asked of the provider only when a reader selects it. */
export function claimKeyResolvers(services: PlatformServices) {
  return {
    Resource: {
      claimKey: (resource: { code: string }, _: unknown, context: GatewayContext) =>
        services.claimKeys?.of(resource.code, context.requestId) ?? null,
    },
  };
}
