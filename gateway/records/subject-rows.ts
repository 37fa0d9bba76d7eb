import type { Sql } from '../../subgraphs/kit/sql.ts';
import { subjectsCommitment } from '../state/audit-chain.ts';
import { storeCall } from '../state/store-call.ts';
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

/**
 * The subject index rows of the records `where` picks (a condition on `seq`, with its parameters), by seq:
 * what subjectRowsMatch checks each record against.
 */
export async function readSubjectRows(db: Sql, where: string, params: unknown[]): Promise<Map<string, StoredSubjectRow[]>> {
  const rows = await storeCall('read audit subjects', () => db.query<StoredSubjectRow & { seq: string }>(`
    SELECT seq::text AS seq, encode(digest, 'hex') AS digest, fields, consumer, purpose,
      to_json(at)#>>'{}' AS at, to_json(embargo_until)#>>'{}' AS embargo
    FROM govshare.audit_subjects WHERE ${where}`, params));
  const bySeq = new Map<string, StoredSubjectRow[]>();
  for (const row of rows) {
    const list = bySeq.get(row.seq);
    if (list) list.push(row);
    else bySeq.set(row.seq, [row]);
  }
  return bySeq;
}
