/** One audit record's shape (CONTRACT §6): what the gateway hands over, and what the chain adds to it. */
export type AuditDecision = 'ALLOWED' | 'DENIED';
/** What the gateway hands over for one operation. */
export interface AuditEntry {
  at: string; requestId: string; consumer: string; operator: string | null; purpose: string | null;
  operationName: string | null; operationHash: string;
  fields: string[]; resources: string[]; providers: string[];
  decision: AuditDecision; maskedFields: string[]; durationMs: number | null;
  errorCode: string | null;
  /** HMAC digest of the operation's inputs; inputs themselves are never stored. */
  inputDigest: string | null;
  /** 'DATA' for GraphQL data operations, 'PLATFORM' for workflow actions (applications, grants…). */
  kind: 'DATA' | 'PLATFORM';
  detail: string | null;
  /**
   * A data read's subjects: the keyed digest of each key it read (state/subject-digest.ts) and the
   * coordinates read of it. Stored beside the record in the same statement (govshare.audit_subjects), not in
   * it; the record carries their commitment (`AuditRecord.subjectsDigest`), so the chain covers them.
   */
  subjects?: ReadonlyArray<SubjectRead>;
  /** Until when those reads stay out of subject access logs (a confidential grant cleared them); null or absent: at once. */
  embargoUntil?: string | null;
}
/** One subject of a data read, as the audit's subject index keeps it. */
export interface SubjectRead { digest: string; fields: readonly string[] }
export interface AuditRecord extends AuditEntry {
  id: string; seq: number; prevHash: string; hash: string;
  /**
   * SHA-256 over the record's rows in the subject index (their digests, fields and embargo;
   * state/audit-chain.ts `subjectsCommitment`), the empty list's for a record without any: a row added,
   * removed or changed in the index no longer matches the chained record. Absent on records written before
   * it existed.
   */
  subjectsDigest?: string;
  /** The record's hash recipe (state/audit-chain.ts): 2 for records written now; absent on format-1 records. */
  format?: number;
}
