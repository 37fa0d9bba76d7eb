import { contentDigest, RECORD_FORMAT } from '../state/audit-chain.ts';
import type { AuditCheckpoint } from '../state/audit-checkpoints.ts';
import type { AuditLog, AuditRecord } from '../state/types.ts';

/**
 * A record of the chain the caller may not read, as evidence carries it: its place (`id`, `seq`), its links
 * (`prevHash`, `hash`) and its content digest, which with `prevHash` gives `hash` (state/audit-chain.ts,
 * format 2). The AuditRecord fields the API must answer are empty, `kind` and `decision` say REDACTED.
 */
export interface RedactedAuditRecord extends AuditRecord { redacted: true; contentDigest: string }

/** CONTRACT §10's AuditEvidence. */
export interface AuditEvidence { record: AuditRecord; chain: Array<AuditRecord | RedactedAuditRecord>; checkpoint: AuditCheckpoint }

/** `record` shown as its links and content digest only. Format-1 records hash their whole text: they stay whole. */
export function redacted(record: AuditRecord): AuditRecord | RedactedAuditRecord {
  if (record.format !== RECORD_FORMAT) return record;
  const { hash, ...unsealed } = record;
  return {
    id: record.id, seq: record.seq, prevHash: record.prevHash, hash, format: record.format, contentDigest: contentDigest(unsealed), redacted: true,
    at: '', requestId: '', consumer: '', operator: null, purpose: null, operationName: null, operationHash: '', fields: [], resources: [],
    providers: [], decision: 'REDACTED', maskedFields: [], durationMs: null, errorCode: null, inputDigest: null, kind: 'REDACTED', detail: null,
  } as unknown as RedactedAuditRecord;
}

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
 * Records in between that `mayRead` refuses (other departments' exchanges, which `auditLog` would not show
 * the caller either) are redacted to their content digests.
 */
export async function exportEvidence(
  audit: AuditLog, checkpointNow: () => Promise<AuditCheckpoint | null>, record: AuditRecord, mayRead: (record: AuditRecord) => boolean,
): Promise<AuditEvidence> {
  const checkpoint = await audit.checkpoints.covering(record.seq)
    ?? (await checkpointNow(), await audit.checkpoints.covering(record.seq));
  if (!checkpoint) throw new Error(`no checkpoint covers audit record ${record.id}, not even one made now`);
  const end = Number(checkpoint.recordId);
  if (end - record.seq + 1 > MAX_EVIDENCE_CHAIN) {
    throw new EvidenceTooLargeError(`audit record ${record.id} lies ${end - record.seq} records before its checkpoint ${checkpoint.sequence}: more than an export carries (${MAX_EVIDENCE_CHAIN})`);
  }
  // As stored, not as checked: a chain that no longer holds is for the verifier to see and name.
  const chain = await audit.checkpoints.records(record.seq, end);
  return { record, chain: chain.map((link, i) => (i === 0 || mayRead(link) ? link : redacted(link))), checkpoint };
}
