import type { GatewayContext } from '../execution/context.ts';
import { isAdmin } from '../identity/caller.ts';
import { InvalidAuditCursorError, StoreUnavailableError } from '../state/types.ts';
import { auditUnavailable, badUserInput } from './errors.ts';
import type { PlatformServices } from './services.ts';

interface AuditLogArgs { first?: number | null; after?: string | null; resource?: string | null; consumer?: string | null }

export function auditResolvers(services: PlatformServices) {
  return {
    Query: {
      auditLog: async (_: unknown, args: AuditLogArgs, { caller }: GatewayContext) => {
        const first = args.first ?? 50;
        if (!Number.isInteger(first) || first < 1 || first > 500) throw badUserInput('first must be between 1 and 500');
        return readingAudit(() => services.state.audit.page({
          first,
          after: args.after ?? null,
          ...(args.resource ? { resource: args.resource } : {}),
          ...(args.consumer ? { consumer: args.consumer } : {}),
          visibleTo: isAdmin(caller) ? 'all' : caller.department,
        }));
      },
      verifyAuditChain: async () => readingAudit(() => services.state.audit.verify()),
    },
  };
}

async function readingAudit<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof StoreUnavailableError) throw auditUnavailable();
    if (error instanceof InvalidAuditCursorError) throw badUserInput(error.message);
    throw error;
  }
}
