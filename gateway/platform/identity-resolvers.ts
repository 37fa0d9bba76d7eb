import type { GatewayContext } from '../execution/context.ts';
import { isGrantActive, type Grant } from '../state/types.ts';
import type { PlatformServices } from './services.ts';

export function identityResolvers(services: PlatformServices) {
  return {
    Query: {
      me: (_: unknown, __: unknown, { caller }: GatewayContext) => ({
        code: caller.department, name: caller.departmentName, roles: caller.roles,
      }),
    },
    Department: {
      grants: async ({ code }: { code: string }) => services.state.grants.list({ consumer: code }),
    },
    Grant: {
      active: (grant: Grant) => isGrantActive(grant, services.now()),
    },
  };
}
