import type { AuditCheckpoint } from '../state/audit-checkpoints.ts';
import type { AuditLog, AuditRecord } from '../state/types.ts';

/** CONTRACT §10's AuditEvidence. */
export interface AuditEvidence { record: AuditRecord; chain: AuditRecord[]; checkpoint: AuditCheckpoint }

/**
 * The longest chain an export carries. With a checkpoint at least every 1,000 records a chain is about that
 * long; only records older than the first checkpoint ever made (a log kept before checkpoints existed) can
 * be further from theirs.
 */
export const MAX_EVIDENCE_CHAIN = 20_000;

export class EvidenceTooLargeError extends Error {
  override name = 'EvidenceTooLargeError';
}

/**
 * The evidence for one stored record (the caller checked it may read it): the chain from it to the record
 * of the first checkpoint at or after it. Where no checkpoint covers it yet, one is made of the head now.
 */
export async function exportEvidence(audit: AuditLog, checkpointNow: () => Promise<AuditCheckpoint | null>, record: AuditRecord): Promise<AuditEvidence> {
  const checkpoint = await audit.checkpoints.covering(record.seq)
    ?? (await checkpointNow(), await audit.checkpoints.covering(record.seq));
  if (!checkpoint) throw new Error(`no checkpoint covers audit record ${record.id}, not even one made now`);
  const end = Number(checkpoint.recordId);
  if (end - record.seq + 1 > MAX_EVIDENCE_CHAIN) {
    throw new EvidenceTooLargeError(`audit record ${record.id} lies ${end - record.seq} records before its checkpoint ${checkpoint.sequence}: more than an export carries (${MAX_EVIDENCE_CHAIN})`);
  }
  // As stored, not as checked: a chain that no longer holds is for the verifier to see and name.
  const chain = await audit.checkpoints.records(record.seq, end);
  return { record, chain, checkpoint };
}
