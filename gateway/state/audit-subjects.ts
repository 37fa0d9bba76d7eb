/**
 * The audit's subject index (govshare.audit_subjects): for each data read, the keyed digest of every subject
 * key it read (state/subject-digest.ts) with the coordinates read of it. Nothing here holds a key in clear.
 */
export interface AuditSubjectIndex {
  /**
   * The consumers that read `coordinate` of the subject since `since`, one entry per consumer: how often,
   * when last, and the latest embargo among those reads (null when none of them was confidential).
   */
  readers(query: { digest: string; coordinate: string; since: Date }): Promise<SubjectReader[]>;
  /**
   * The subject's reads, newest first, without those still under embargo at `now`; with `fields`, only reads
   * of at least one of them. `after` is the previous page's `nextCursor` (InvalidAuditCursorError otherwise).
   */
  page(query: { digest: string; first: number; after?: string | null; now: Date; fields?: readonly string[] }): Promise<SubjectAccessPage>;
}

export interface SubjectReader { consumer: string; reads: number; lastReadAt: string; embargoUntil: string | null }
export interface SubjectAccessEntry { seq: number; at: string; consumer: string; purpose: string | null; fields: string[]; embargoUntil: string | null }
export interface SubjectAccessPage { entries: SubjectAccessEntry[]; nextCursor: string | null }
