import type { GatewayContext } from '../execution/context.ts';
import { EvidenceTooLargeError, exportEvidence } from '../audit/evidence.ts';
import type { Caller } from '../identity/caller.ts';
import { pageUpperBound } from '../state/audit-query.ts';
import { contentDigest, RECORD_FORMAT } from '../state/audit-chain.ts';
import { InvalidAuditCursorError, StoreUnavailableError, type AuditRecord } from '../state/types.ts';
import { auditUnavailable, badUserInput, forbidden } from '../../protocol/errors.ts';
import { readsWholeAuditLog } from './roles.ts';
import type { PlatformServices } from './services.ts';

interface AuditLogArgs { first?: number | null; after?: string | null; resource?: string | null; consumer?: string | null }

/**
 * CONTRACT §6: a consumer sees its own requests, a provider those touching its resources, admin (and auditor)
 * all — admin only while the roles are not separated (GOVSHARE_SEPARATE_ROLES, roles.ts).
 */
function mayRead(caller: Caller, record: AuditRecord, separateRoles: boolean): boolean {
  return readsWholeAuditLog(caller, separateRoles) || record.consumer === caller.department || record.providers.includes(caller.department);
}

export function auditResolvers(services: PlatformServices) {
  const separate = services.separateRoles ?? false;
  const readsAll = (caller: Caller) => readsWholeAuditLog(caller, separate);
  const audit = () => services.state.audit;
  const checkpointer = () => {
    if (!services.checkpoints) throw new Error('the platform API was built without the audit checkpointer (PlatformServices.checkpoints)');
    return services.checkpoints;
  };
  const verifyChain = (full: boolean) => {
    if (!services.chainCheck) throw new Error('the platform API was built without the chain check (PlatformServices.chainCheck)');
    return services.chainCheck.check(full);
  };
  return {
    AuditRecord: {
      redacted: (record: AuditRecord & { redacted?: boolean }) => record.redacted === true,
      contentDigest: (record: AuditRecord & { contentDigest?: string }) => {
        if (record.contentDigest !== undefined) return record.contentDigest;
        if (record.format !== RECORD_FORMAT) return null;
        const { hash: _hash, ...unsealed } = record;
        return contentDigest(unsealed);
      },
    },
    Query: {
      auditLog: async (_: unknown, args: AuditLogArgs, { caller }: GatewayContext) => {
        const first = pageFirst(args.first, 50);
        const page = await readingAudit(() => audit().page({
          first,
          after: args.after ?? null,
          ...(args.resource ? { resource: args.resource } : {}),
          ...(args.consumer ? { consumer: args.consumer } : {}),
          visibleTo: readsAll(caller) ? 'all' : caller.department,
        }));
        // The page was found through the keyset rows (govshare.audit_index), which the chain does not cover:
        // each record is checked against the caller once more, from its own chained fields, so a row made up
        // in the index can hide a record from a department but never show it one it may not read.
        return { ...page, records: page.records.filter((record) => mayRead(caller, record, separate)) };
      },
      verifyAuditChain: async (_: unknown, args: { full?: boolean | null }, { caller }: GatewayContext) => {
        const full = args.full ?? false;
        // A full recheck walks the whole retained log: not something every department may set off.
        if (full && !readsAll(caller)) throw forbidden(`a full recheck of the audit chain is for ${separate ? 'the auditor role' : 'admin or the auditor role'}`);
        const status = await readingAudit(() => verifyChain(full));
        return { ...status, from: status.from ?? 1, firstBrokenCheckpoint: status.firstBrokenCheckpoint ?? null };
      },
      auditCheckpoints: async (_: unknown, args: { first?: number | null; after?: string | null }) => {
        const first = pageFirst(args.first, 20);
        return readingAudit(() => audit().checkpoints.page(first, checkpointCursor(args.after)));
      },
      exportAuditEvidence: async (_: unknown, args: { id: string }, { caller }: GatewayContext) => {
        if (!/^[1-9][0-9]{0,15}$/.test(args.id)) throw badUserInput(`not an audit record id: ${JSON.stringify(args.id)}`);
        const seq = Number(args.id);
        const [record] = await readingAudit(() => audit().checkpoints.records(seq, seq));
        // One answer for a record that does not exist and one the caller may not read: its existence is
        // itself something the audit log shows only to those who may see it.
        if (!record || !mayRead(caller, record, separate)) throw forbidden(`no audit record ${args.id} that you may read`);
        return readingAudit(() => exportEvidence(audit(), () => checkpointer().checkpointNow(), record, (r) => mayRead(caller, r, separate)));
      },
    },
  };
}

function pageFirst(value: number | null | undefined, fallback: number): number {
  const first = value ?? fallback;
  if (!Number.isInteger(first) || first < 1 || first > 500) throw badUserInput('first must be between 1 and 500');
  return first;
}

/** A checkpoint cursor is the sequence of the last checkpoint of the previous page; null for the first page. */
export function checkpointCursor(after: string | null | undefined): number | null {
  const bound = pageUpperBound(after);
  return bound === Infinity ? null : bound;
}

async function readingAudit<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof StoreUnavailableError) throw auditUnavailable();
    if (error instanceof InvalidAuditCursorError) throw badUserInput(error.message);
    if (error instanceof EvidenceTooLargeError) throw badUserInput(error.message);
    throw error;
  }
}
