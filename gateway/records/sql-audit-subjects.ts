import type { Sql } from '../../subgraphs/kit/sql.ts';
import { pageSize, pageUpperBound } from '../state/audit-query.ts';
import type { AuditSubjectIndex, SubjectAccessPage, SubjectReader } from '../state/audit-subjects.ts';
import { storeCall } from '../state/store-call.ts';
import type { AuditRecord } from '../state/types.ts';
import { readSubjectRows, subjectRowsMatch } from './subject-rows.ts';

/** Records whose commitment is checked per statement pair. */
const COMMITMENT_CHUNK = 1000;
/** Larger than any seq: the exclusive bound of a first page. */
const NO_BOUND = '9223372036854775807';

/**
 * Reads of govshare.audit_subjects, which the audit append writes (sql-audit.ts). Each query walks one
 * subject's rows along the (digest, seq) key: their number is the subject's reads, not the log's size.
 */
export class SqlAuditSubjects implements AuditSubjectIndex {
  constructor(private readonly db: Sql) {}

  /**
   * The departments that read `coordinate` of the subject since `since`, counted only from rows whose
   * record still commits to them (its `subjectsDigest`, consumer, purpose and time): a row made up in the
   * index, or moved onto another department's record, would send that department a recall notice naming
   * the record key of someone it never read. Such rows are left out here, as the chain check reports them.
   */
  async readers(query: { digest: string; coordinate: string; since: Date }): Promise<SubjectReader[]> {
    const rows = await storeCall('read audit subjects', () => this.db.query<{ seq: string; consumer: string; at: string; embargo: string | null }>(`
      SELECT seq::text AS seq, consumer, to_json(at)#>>'{}' AS at, to_json(embargo_until)#>>'{}' AS embargo
      FROM govshare.audit_subjects
      WHERE digest = decode($1, 'hex') AND at >= $2::timestamptz AND $3 = ANY(fields)`, [query.digest, query.since.toISOString(), query.coordinate]));
    const held = await this.committed([...new Set(rows.map((row) => row.seq))]);
    const byConsumer = new Map<string, { reads: number; lastAt: number; embargo: number | null }>();
    for (const row of rows) {
      if (!held.has(row.seq)) continue;
      const seen = byConsumer.get(row.consumer) ?? { reads: 0, lastAt: -Infinity, embargo: null };
      seen.reads += 1;
      seen.lastAt = Math.max(seen.lastAt, Date.parse(row.at));
      if (row.embargo) seen.embargo = Math.max(seen.embargo ?? -Infinity, Date.parse(row.embargo));
      byConsumer.set(row.consumer, seen);
    }
    return [...byConsumer].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([consumer, seen]) => ({
      consumer, reads: seen.reads, lastReadAt: new Date(seen.lastAt).toISOString(), embargoUntil: seen.embargo === null ? null : new Date(seen.embargo).toISOString(),
    }));
  }

  /** Of `seqs`, those whose records commit to exactly their rows in the index (subject-rows.ts). */
  private async committed(seqs: readonly string[]): Promise<Set<string>> {
    const held = new Set<string>();
    for (let from = 0; from < seqs.length; from += COMMITMENT_CHUNK) {
      const chunk = seqs.slice(from, from + COMMITMENT_CHUNK);
      const [records, bySeq] = await Promise.all([
        storeCall('read audit log', () => this.db.query<{ seq: string; record: AuditRecord }>(
          'SELECT seq::text AS seq, record FROM govshare.audit_records WHERE seq = ANY($1::bigint[])', [chunk])),
        readSubjectRows(this.db, 'seq = ANY($1::bigint[])', [chunk]),
      ]);
      for (const { seq, record } of records) if (subjectRowsMatch(record, bySeq.get(seq) ?? [])) held.add(seq);
    }
    return held;
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
    const shown = rows.slice(0, first);
    // Only rows their records commit to: an embargo lifted in the index alone (a confidential read shown to
    // the person early) or a read made up there is left out, as the chain check reports it. The cursor
    // stays that of the rows read, so paging goes on past a row left out.
    const held = await this.committed([...new Set(shown.map((row) => row.seq))]);
    const entries = shown.filter((row) => held.has(row.seq)).map((row) => ({
      seq: Number(row.seq), at: isoOf(row.at), consumer: row.consumer, purpose: row.purpose, fields: row.fields,
      embargoUntil: row.embargo ? isoOf(row.embargo) : null,
    }));
    return { entries, nextCursor: rows.length > first ? shown.at(-1)!.seq : null };
  }
}

/** timestamptz as JSON text (`2026-12-02T04:31:03.123+00:00`) to the ISO form the API hands out. */
const isoOf = (text: string) => new Date(text).toISOString();
