import { subjectsCommitment } from '../state/audit-chain.ts';
import type { AuditRecord } from '../state/types.ts';

/** A record's row in the subject index (govshare.audit_subjects) as the checks read it. */
export interface StoredSubjectRow { digest: string; fields: string[]; consumer: string; purpose: string | null; at: string; embargo: string | null }

/**
 * Whether a record's rows in the subject index are the ones it was written with: their commitment is the
 * record's `subjectsDigest`, and each row's consumer, purpose and time are the record's. A record written
 * before the commitment existed has none, and its rows are not checked.
 */
export function subjectRowsMatch(record: AuditRecord, rows: readonly StoredSubjectRow[]): boolean {
  if (record.subjectsDigest === undefined) return true;
  const embargoes = new Set(rows.map((r) => r.embargo === null ? null : new Date(r.embargo).toISOString()));
  if (embargoes.size > 1) return false;
  const embargo = embargoes.size ? [...embargoes][0]! : null;
  if (subjectsCommitment(rows.map((r) => ({ digest: r.digest, fields: r.fields })), embargo) !== record.subjectsDigest) return false;
  const at = Date.parse(record.at);
  return rows.every((r) => r.consumer === record.consumer && r.purpose === record.purpose && Date.parse(r.at) === at);
}
