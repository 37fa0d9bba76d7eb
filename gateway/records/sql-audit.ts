import type { Database, Sql } from '../../subgraphs/kit/sql.ts';
import { ChainVerifier, sealRecord } from '../state/audit-chain.ts';
import { readSubjectRows, subjectRowsMatch, type StoredSubjectRow } from './subject-rows.ts';
import type { AuditVerifyOptions } from '../state/audit-checkpoints.ts';
import { pageSize, pageUpperBound, queryIndexes, recordIndexes } from '../state/audit-query.ts';
import { storeCall, storeUnavailable } from '../state/store-call.ts';
import type { AuditChainStatus, AuditEntry, AuditLog, AuditPage, AuditQuery, AuditRecord } from '../state/types.ts';
import { retainedChainStart } from './audit-retention.ts';
import { verifyAgainstCheckpoints, type ChainStart } from './audit-verification.ts';
import { SqlAuditCheckpoints } from './sql-audit-checkpoints.ts';
import { SqlAuditSubjects } from './sql-audit-subjects.ts';

/** The background chain check's lease across replicas; any constant the deployment's other database users do not take. */
const VERIFY_LEASE = 0x67_76_63_6b; // "gvck"

/** Records per transaction: bounds one commit's size and lock time under a burst. */
const MAX_BATCH = 500;
/** Records per read while verifying: memory stays flat for any log length. */
const VERIFY_CHUNK = 2000;
/**
 * How many times verify() starts again because months were archived while it walked: each restart needs a
 * month archived during the previous walk, so a few cover an archiver working through a backlog.
 */
const MAX_VERIFY_RESTARTS = 3;
/** Larger than any seq: the exclusive bound of a first page. */
const NO_BOUND = '9223372036854775807';

/**
 * Embedded PGlite, busy (its last commit ended less than this long before an append arrives): the commit
 * waits a millisecond for more requests to finish, as PostgreSQL's commit_delay does. Its statements run in
 * this thread and hold the loop, so none arrive while one runs; measured with join5 at 16 clients, 1,128 →
 * ~680 statements in a run and 157 → 187–197 req/s. A lone append (an idle gateway) does not wait.
 */
const PGLITE_BUSY_MS = 5;
const PGLITE_COMMIT_DELAY_MS = 1;

interface Pending { entry: AuditEntry; resolve(record: AuditRecord): void; reject(error: unknown): void }

/**
 * The audit log in `govshare.audit_*`. Appends are group-committed: one transaction is in flight per
 * process, and appends arriving meanwhile go together in the next one. A batch is first chained on the head
 * this process last wrote and written in one statement that moves the head only if it is still that one;
 * when another replica moved it, the batch goes through a transaction that locks the head row and chains
 * on the head it finds (so replicas sharing the database share one chain). Only after the commit are the
 * appends resolved.
 */
export class SqlAuditLog implements AuditLog {
  private queue: Pending[] = [];
  private writing = false;
  /** The head this process last wrote or read: the next batch is chained on it optimistically. */
  private head: { seq: number; hash: string } | null = null;
  private lastCommit = -Infinity;
  private readonly committed = new Set<(headSeq: number) => void>();
  readonly checkpoints: SqlAuditCheckpoints;
  readonly subjects: SqlAuditSubjects;

  constructor(private readonly db: Database) {
    this.checkpoints = new SqlAuditCheckpoints(db);
    this.subjects = new SqlAuditSubjects(db);
  }

  onCommitted(listener: (headSeq: number) => void): () => void {
    this.committed.add(listener);
    return () => { this.committed.delete(listener); };
  }

  append(entry: AuditEntry): Promise<AuditRecord> {
    return new Promise<AuditRecord>((resolve, reject) => {
      this.queue.push({ entry, resolve, reject });
      if (this.writing) return;
      this.writing = true;
      // Started once this turn of the event loop has run its I/O callbacks, so that the appends of every
      // request finishing in it share the first commit. A microtask started it within the first request's
      // callback: with embedded PGlite, whose statements run synchronously and hold the loop, nearly every
      // record then had a commit of its own (1,128 statements for ~1,300 requests of join5 at 16 clients).
      if (this.db.kind === 'pglite' && performance.now() - this.lastCommit < PGLITE_BUSY_MS) setTimeout(() => void this.drain(), PGLITE_COMMIT_DELAY_MS);
      else setImmediate(() => void this.drain());
    });
  }

  async page(query: AuditQuery): Promise<AuditPage> {
    const upper = pageUpperBound(query.after);
    const first = pageSize(query.first);
    const bound = upper === Infinity ? NO_BOUND : String(upper);
    const indexes = queryIndexes(query);
    const found = indexes.length === 0
      ? await storeCall('read audit log', () => this.db.query<{ record: AuditRecord }>(
        'SELECT record FROM govshare.audit_records WHERE seq < $1::bigint ORDER BY seq DESC LIMIT $2', [bound, first + 1]))
      : await this.pageFromIndexes(indexes, bound, first + 1);
    const records = found.slice(0, first).map((row) => row.record);
    return { records, nextCursor: found.length > first ? records.at(-1)!.id : null };
  }

  async counts(departments: readonly string[]): Promise<Map<string, { consumed: number; served: number }>> {
    if (departments.length === 0) return new Map();
    const names = departments.flatMap((d) => [`by-consumer:${d}`, `by-provider:${d}`]);
    const rows = await storeCall('count audit records', () => this.db.query<{ name: string; n: number }>(
      'SELECT name, n::float8 AS n FROM govshare.audit_counts WHERE name IN (SELECT jsonb_array_elements_text($1::text::jsonb))',
      [JSON.stringify(names)]));
    const count = new Map(rows.map((row) => [row.name, Number(row.n)]));
    return new Map(departments.map((d) => [d, { consumed: count.get(`by-consumer:${d}`) ?? 0, served: count.get(`by-provider:${d}`) ?? 0 }]));
  }

  /**
   * Walks the chain from the first retained record; with `options.checkpoints`, checks it against every
   * signed checkpoint too and, unless `full`, resumes after the last checkpoint verified before
   * (audit-verification.ts).
   */
  async verify(options: AuditVerifyOptions = {}): Promise<AuditChainStatus> {
    // The head is read first: records appended while we walk lie beyond it and are left for the next check.
    const [head] = await storeCall('read audit head', () =>
      this.db.query<{ seq: string }>('SELECT seq::text AS seq FROM govshare.audit_head'));
    const headSeq = Number(head?.seq ?? 0);
    const readStart = () => storeCall('read audit retention', () => retainedChainStart(this.db));
    let retained = await readStart();
    // The archiver may drop the oldest month between reading where the chain starts and walking it (or
    // during the walk): the records then look missing. A break is reported only when the start has not
    // moved meanwhile; when it has, the check runs again from the new start. Not one snapshot
    // transaction: on PGlite it would hold every append for the whole walk, and on a server the walk's
    // locks would hold the archiver's DROP, and every append queued behind it.
    for (let attempt = 0; ; attempt += 1) {
      const status = await this.verifyFrom(retained, headSeq, options);
      if (status.ok || attempt === MAX_VERIFY_RESTARTS) return status;
      const now = await readStart();
      if (now.afterSeq === retained.afterSeq) return status;
      retained = now;
    }
  }

  private verifyFrom(retained: ChainStart, headSeq: number, options: AuditVerifyOptions): Promise<AuditChainStatus> {
    if (!options.checkpoints) return this.walk(retained, headSeq);
    return verifyAgainstCheckpoints({
      db: this.db, walk: (start, upTo) => this.walk(start, upTo), headSeq, retained,
      trust: options.checkpoints, full: options.full ?? false, now: options.now ?? (() => new Date()),
    });
  }

  /**
   * On a server, a transaction-scoped advisory lock held on a connection of its own while `work` runs on the
   * others (a READ COMMITTED transaction idle between statements holds no snapshot, so it keeps no row versions
   * from VACUUM); not taken, null. Embedded PGlite has one process and one connection: `work` runs as it is.
   */
  async withVerifyLease<T>(work: () => Promise<T>): Promise<T | null> {
    if (this.db.kind !== 'postgres') return work();
    return this.db.transaction(async (tx) => {
      const [row] = await tx.query<{ got: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS got', [VERIFY_LEASE]);
      return row?.got ? work() : null;
    });
  }

  /** The records after `start` up to `headSeq`, checked in seq order in chunks. */
  private async walk(start: ChainStart, headSeq: number): Promise<AuditChainStatus> {
    const verifier = new ChainVerifier(start);
    let after = start.afterSeq;
    while (after < headSeq) {
      const rows = await storeCall('read audit log', () => this.db.query<{ seq: string; record: unknown }>(
        'SELECT r.seq::text AS seq, r.record FROM govshare.audit_records r WHERE r.seq > $1 AND r.seq <= $2 ORDER BY r.seq LIMIT $3',
        [after, headSeq, VERIFY_CHUNK]));
      const subjects = rows.length ? await this.subjectRows(after, Number(rows.at(-1)!.seq)) : new Map<string, StoredSubjectRow[]>();
      for (const row of rows) {
        if (!verifier.add(row.record, row.seq)) return verifier.finish();
        if (!subjectRowsMatch(row.record as AuditRecord, subjects.get(row.seq) ?? [])) {
          verifier.reject(row.seq);
          return verifier.finish();
        }
      }
      if (rows.length < VERIFY_CHUNK) break;
      after = Number(rows.at(-1)!.seq);
    }
    return verifier.finish(headSeq);
  }

  /** The subject index rows of the records after `after` up to `upTo`, by seq (the BRIN index on seq). */
  private subjectRows(after: number, upTo: number): Promise<Map<string, StoredSubjectRow[]>> {
    return readSubjectRows(this.db, 'seq > $1 AND seq <= $2', [after, upTo]);
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, MAX_BATCH);
        try {
          const entries = batch.map((pending) => pending.entry);
          // One round trip while this process is the only writer; when another replica moved the head
          // meanwhile, nothing was written and the batch goes through the locking transaction instead.
          const records = (this.head ? await appendOnHead(this.db, entries, this.head) : null)
            ?? await this.db.transaction((tx) => writeBatch(tx, entries));
          const last = records.at(-1)!;
          this.head = { seq: last.seq, hash: last.hash };
          batch.forEach((pending, i) => pending.resolve(records[i]!));
          this.lastCommit = performance.now();
          // After the resolves, and a listener's failure is its own: the batch is committed whatever it does.
          for (const listener of this.committed) try { listener(last.seq); } catch { /* the listener's to report */ }
        } catch (error) {
          this.head = null;
          const failure = storeUnavailable('append audit record', error);
          for (const pending of batch) pending.reject(failure);
        }
      }
    } finally {
      this.writing = false;
    }
  }

  /**
   * One restricted page, newest first: walks the smallest of the query's index keysets (their sizes are in
   * audit_counts) downwards from the bound and keeps the seqs present in all the others.
   */
  private async pageFromIndexes(indexes: string[], bound: string, limit: number): Promise<Array<{ record: AuditRecord }>> {
    const sizes = await storeCall('read audit log', () => this.db.query<{ name: string; n: number }>(
      'SELECT name, n::float8 AS n FROM govshare.audit_counts WHERE name IN (SELECT jsonb_array_elements_text($1::text::jsonb))',
      [JSON.stringify(indexes)]));
    const size = new Map(sizes.map((row) => [row.name, Number(row.n)]));
    // An index nobody was ever filed under: nothing can match.
    if (indexes.some((name) => !size.has(name))) return [];
    const [driver, ...others] = [...indexes].sort((a, b) => size.get(a)! - size.get(b)!);
    const params: unknown[] = [driver, bound, limit, ...others];
    const also = others.map((_, i) => `AND EXISTS (SELECT 1 FROM govshare.audit_index o WHERE o.name = $${i + 4} AND o.seq = d.seq)`).join(' ');
    // The page's seqs are picked from the index first (LIMIT inside): joined afterwards, the planner may
    // merge-join the whole records table down to a deep cursor instead of fetching the few rows.
    return storeCall('read audit log', () => this.db.query<{ record: AuditRecord }>(`
      SELECT r.record FROM (
        SELECT d.seq FROM govshare.audit_index d
        WHERE d.name = $1 AND d.seq < $2::bigint ${also}
        ORDER BY d.seq DESC LIMIT $3
      ) page JOIN govshare.audit_records r ON r.seq = page.seq
      ORDER BY page.seq DESC`, params));
  }
}

/** Inside the append's transaction: lock the head, chain, insert records, index rows and counters, move the head. */
async function writeBatch(tx: Sql, entries: AuditEntry[]): Promise<AuditRecord[]> {
  const [head] = await tx.query<{ seq: string; hash: string }>('SELECT seq::text AS seq, hash FROM govshare.audit_head FOR UPDATE');
  if (!head) throw new Error('the audit head row is missing');
  const batch = chain(entries, { seq: Number(head.seq), hash: head.hash });
  const params = [...batch.params, ...batch.subjects];
  await tx.query(`WITH ${batchWrites('', batch.subjects.length ? '$6' : null)} UPDATE govshare.audit_head SET seq = $4, hash = $5`, params);
  return batch.records;
}

/**
 * The same batch as one autocommitted statement, chained on the head this process expects: the head
 * moves only if it is still that one (the row lock serialises concurrent writers; a second writer's
 * condition is re-checked after the first commits and fails), and records, index rows and counters are
 * written only with it. null when the head had moved: nothing was written.
 */
async function appendOnHead(db: Sql, entries: AuditEntry[], expected: { seq: number; hash: string }): Promise<AuditRecord[] | null> {
  const batch = chain(entries, expected);
  const [row] = await db.query<{ moved: string }>(`
    WITH moved AS (
      UPDATE govshare.audit_head SET seq = $4, hash = $5 WHERE seq = $6 AND hash = $7 RETURNING 1 AS ok
    ), ${batchWrites('WHERE EXISTS (SELECT 1 FROM moved)', batch.subjects.length ? '$8' : null)}
    SELECT count(*)::text AS moved FROM moved`,
  [...batch.params, expected.seq, expected.hash, ...batch.subjects]);
  return row && Number(row.moved) === 1 ? batch.records : null;
}

/**
 * The CTEs that write one batch's records, index rows and counters (parameters $1–$3) and, when the batch
 * read subjects, their digests (`subjects`, the parameter holding them), each only where `condition` holds:
 * the head statement that follows or precedes them decides whether the batch lands. A batch without
 * subjects (platform events, refusals) writes no subject CTE at all.
 */
function batchWrites(condition: string, subjects: string | null): string {
  return `appended AS (
      INSERT INTO govshare.audit_records (seq, at, record)
      SELECT (r->>'seq')::bigint, (r->>'at')::timestamptz, r FROM jsonb_array_elements($1::text::jsonb) r ${condition}
    ), indexed AS (
      INSERT INTO govshare.audit_index (name, seq)
      SELECT i->>0, (i->>1)::bigint FROM jsonb_array_elements($2::text::jsonb) i ${condition}
    ), counted AS (
      INSERT INTO govshare.audit_counts (name, n)
      SELECT key, value::bigint FROM jsonb_each_text($3::text::jsonb) ${condition}
      ON CONFLICT (name) DO UPDATE SET n = govshare.audit_counts.n + excluded.n
    )${subjects ? `, subjected AS (
      INSERT INTO govshare.audit_subjects (digest, seq, at, consumer, purpose, fields, embargo_until)
      SELECT decode(s->>0, 'hex'), (s->>1)::bigint, (s->>2)::timestamptz, s->>3, s->>4, (s->>5)::text[], (s->>6)::timestamptz
      FROM jsonb_array_elements(${subjects}::text::jsonb) s ${condition}
    )` : ''}`;
}

/** Seals the entries in order on `head`; the statement parameters $1–$5 of either write path, and the subject rows' parameter if any. */
function chain(entries: AuditEntry[], head: { seq: number; hash: string }): { records: AuditRecord[]; params: unknown[]; subjects: string[] } {
  let seq = head.seq;
  let hash = head.hash;
  const indexRows: Array<[string, number]> = [];
  const counts: Record<string, number> = {};
  const subjectRows: unknown[] = [];
  const records = entries.map((entry) => {
    const record = sealRecord(entry, ++seq, hash);
    hash = record.hash;
    for (const name of recordIndexes(record)) {
      indexRows.push([name, record.seq]);
      counts[name] = (counts[name] ?? 0) + 1;
    }
    // The entry's subjects: rows of the index beside the record, which commits to them (subjectsDigest).
    for (const subject of entry.subjects ?? []) {
      subjectRows.push([subject.digest, record.seq, record.at, record.consumer, record.purpose, textArray(subject.fields), entry.embargoUntil ?? null]);
    }
    return record;
  });
  return { records, params: [JSON.stringify(records), JSON.stringify(indexRows), JSON.stringify(counts), seq, hash], subjects: subjectRows.length ? [JSON.stringify(subjectRows)] : [] };
}

/** A PostgreSQL array literal (`{"Person.name","Query.person"}`): cast once per row, where building it from JSON took a subquery per row. */
function textArray(items: readonly string[]): string {
  return `{${items.map((item) => `"${item.replace(/["\\]/g, '\\$&')}"`).join(',')}}`;
}
