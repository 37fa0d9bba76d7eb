import type { Sql } from '../../subgraphs/kit/sql.ts';
import { pageSize, pageUpperBound } from '../state/audit-query.ts';
import type { AuditSubjectIndex, SubjectAccessPage, SubjectReader } from '../state/audit-subjects.ts';
import { storeCall } from '../state/store-call.ts';

/** Larger than any seq: the exclusive bound of a first page. */
const NO_BOUND = '9223372036854775807';

/**
 * Reads of govshare.audit_subjects, which the audit append writes (sql-audit.ts). Each query walks one
 * subject's rows along the (digest, seq) key: their number is the subject's reads, not the log's size.
 */
export class SqlAuditSubjects implements AuditSubjectIndex {
  constructor(private readonly db: Sql) {}

  async readers(query: { digest: string; coordinate: string; since: Date }): Promise<SubjectReader[]> {
    const rows = await storeCall('read audit subjects', () => this.db.query<{ consumer: string; reads: number; last_at: string; embargo: string | null }>(`
      SELECT consumer, count(*)::int AS reads, to_json(max(at))#>>'{}' AS last_at, to_json(max(embargo_until))#>>'{}' AS embargo
      FROM govshare.audit_subjects
      WHERE digest = decode($1, 'hex') AND at >= $2::timestamptz AND $3 = ANY(fields)
      GROUP BY consumer ORDER BY consumer`, [query.digest, query.since.toISOString(), query.coordinate]));
    return rows.map((row) => ({ consumer: row.consumer, reads: Number(row.reads), lastReadAt: isoOf(row.last_at), embargoUntil: row.embargo ? isoOf(row.embargo) : null }));
  }

  async page(query: { digest: string; first: number; after?: string | null; now: Date; fields?: readonly string[] }): Promise<SubjectAccessPage> {
    const upper = pageUpperBound(query.after);
    const first = pageSize(query.first);
    const rows = await storeCall('read audit subjects', () => this.db.query<{ seq: string; at: string; consumer: string; purpose: string | null; fields: string[]; embargo: string | null }>(`
      SELECT seq::text AS seq, to_json(at)#>>'{}' AS at, consumer, purpose, fields, to_json(embargo_until)#>>'{}' AS embargo
      FROM govshare.audit_subjects
      WHERE digest = decode($1, 'hex') AND seq < $2::bigint
        AND (embargo_until IS NULL OR embargo_until <= $3::timestamptz)
        AND ($4::text IS NULL OR fields && ARRAY(SELECT jsonb_array_elements_text($4::text::jsonb)))
      ORDER BY seq DESC LIMIT $5`,
    [query.digest, upper === Infinity ? NO_BOUND : String(upper), query.now.toISOString(), query.fields ? JSON.stringify(query.fields) : null, first + 1]));
    const entries = rows.slice(0, first).map((row) => ({
      seq: Number(row.seq), at: isoOf(row.at), consumer: row.consumer, purpose: row.purpose, fields: row.fields,
      embargoUntil: row.embargo ? isoOf(row.embargo) : null,
    }));
    return { entries, nextCursor: rows.length > first ? String(entries.at(-1)!.seq) : null };
  }
}

/** timestamptz as JSON text (`2026-12-02T04:31:03.123+00:00`) to the ISO form the API hands out. */
const isoOf = (text: string) => new Date(text).toISOString();
