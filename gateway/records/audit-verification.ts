import type { Database, Sql } from '../../subgraphs/kit/sql.ts';
import type { AuditCheckpoint, CheckpointTrust } from '../state/audit-checkpoints.ts';
import { storeCall } from '../state/store-call.ts';
import type { AuditChainStatus } from '../state/types.ts';
import { CHECKPOINT_COLUMNS, checkpointOf, type CheckpointRow } from './sql-audit-checkpoints.ts';

export interface ChainStart { afterSeq: number; prevHash: string }
/** Walks the stored records after `start` up to `headSeq` (SqlAuditLog's chain walk). */
export type ChainWalk = (start: ChainStart, headSeq: number) => Promise<AuditChainStatus>;

/** Signatures checked per round trip: memory stays flat for any number of checkpoints. */
const SIGNATURE_CHUNK = 500;

interface Progress { checkpoint: number; recordSeq: number; headHash: string }

export interface CheckpointVerification {
  db: Database;
  walk: ChainWalk;
  /** The head read before anything else: records and checkpoints past it are left for the next check. */
  headSeq: number;
  /** The first retained record's predecessor (audit-retention.ts). */
  retained: ChainStart;
  trust: CheckpointTrust;
  full: boolean;
  now: () => Date;
}

/**
 * The chain checked against the signed checkpoints (CONTRACT §10). What an attacker who can write the
 * database does — rewrite a record and recompute every hash after it and the head — leaves a chain that
 * is consistent in itself; it no longer carries, at the checkpoints' records, the hashes the gateway signed.
 * So, besides walking the chain:
 * - every checkpoint up to the head: sequences 1, 2, 3… without a gap, records in increasing order, and
 *   (unless archived) its record carrying its `headHash` — one statement, in the database;
 * - signatures: a full check verifies every one under the published keys; an incremental one those after
 *   the last checkpoint verified before, whose row must still be what was verified (the progress row is
 *   MACed with the deployment's key, so it cannot be pointed past a rewritten region);
 * - records: a full check walks from the first retained record, an incremental one from the record of the
 *   last verified checkpoint, chaining on the hash that was verified there. A record edited in a region
 *   already verified without recomputing the hashes is found by the full check only.
 * When everything holds, the progress row moves to the newest checkpoint verified.
 */
export async function verifyAgainstCheckpoints(check: CheckpointVerification): Promise<AuditChainStatus> {
  const { db, headSeq, retained, trust, full } = check;
  const stored = await readProgress(db, trust);
  const progress = stored.valid;
  const resume = !full && progress !== null && progress.recordSeq >= retained.afterSeq && progress.recordSeq <= headSeq;
  const start = resume ? { afterSeq: progress.recordSeq, prevHash: progress.headHash } : retained;
  const chain = await check.walk(start, headSeq);

  const broken: number[] = [];
  const structural = await firstStructuralBreak(db, retained.afterSeq, headSeq);
  if (structural !== null) broken.push(structural);
  // A checkpoint verified before must still be there as it was: deleting or rewriting it is tampering.
  if (progress && !(await stillAsVerified(db, progress))) broken.push(progress.checkpoint);
  // Signatures verified before are not checked again (a key retired since would fail them), unless full.
  const signatures = await checkSignatures(db, trust, !full && progress ? progress.checkpoint : 0, headSeq);
  if (signatures.broken !== null) broken.push(signatures.broken);
  const firstBrokenCheckpoint = broken.length ? Math.min(...broken) : null;

  const ok = chain.ok && firstBrokenCheckpoint === null;
  const newest = signatures.newest;
  if (ok && newest && (!progress || newest.sequence > progress.checkpoint || stored.tampered)) {
    await writeProgress(db, trust, { checkpoint: newest.sequence, recordSeq: Number(newest.recordId), headHash: newest.headHash }, check.now(), stored.tampered);
  }
  return { ...chain, ok, from: start.afterSeq + 1, firstBrokenCheckpoint };
}

/**
 * The first checkpoint sequence up to the head that is missing, out of order, or whose retained record
 * does not carry its head hash; null when there is none.
 */
async function firstStructuralBreak(db: Database, archivedUpTo: number, headSeq: number): Promise<number | null> {
  const [row] = await storeCall('verify audit checkpoints', () => withoutJit(db, (sql) => sql.query<{ broken: string | null }>(`
    SELECT min(CASE WHEN c.sequence <> coalesce(c.prev_sequence, 0) + 1 THEN coalesce(c.prev_sequence, 0) + 1 ELSE c.sequence END)::text AS broken
    FROM (
      SELECT sequence, record_seq, head_hash,
        lag(sequence) OVER (ORDER BY sequence) AS prev_sequence, lag(record_seq) OVER (ORDER BY sequence) AS prev_record
      FROM govshare.audit_checkpoints WHERE record_seq <= $2
    ) c
    -- One index lookup per checkpoint (LATERAL): a join the planner may turn into a scan of every record.
    LEFT JOIN LATERAL (SELECT count(*) AS n, min(r.record->>'hash') AS hash FROM govshare.audit_records r WHERE r.seq = c.record_seq) r ON true
    WHERE c.sequence <> coalesce(c.prev_sequence, 0) + 1
       OR c.record_seq <= coalesce(c.prev_record, 0)
       OR (c.record_seq > $1 AND (r.n <> 1 OR r.hash IS DISTINCT FROM c.head_hash))`,
  [archivedUpTo, headSeq])));
  return row?.broken ? Number(row.broken) : null;
}

/**
 * PostgreSQL compiles a statement it estimates as costly (JIT); with a partition's statistics missing it
 * estimates hundreds of rows per seq lookup, and compiling took 0.5 s of a 45 ms statement (measured). The
 * statement is a sequence of index lookups: it is run with JIT off. PGlite has no JIT.
 */
async function withoutJit<T>(db: Database, work: (sql: Sql) => Promise<T>): Promise<T> {
  if (db.kind !== 'postgres') return work(db);
  return db.transaction(async (tx) => {
    await tx.query('SET LOCAL jit = off');
    return work(tx);
  });
}

/** Verifies the signatures of the checkpoints after `afterSequence` up to the head, in order; stops at the first bad one. */
async function checkSignatures(db: Sql, trust: CheckpointTrust, afterSequence: number, headSeq: number): Promise<{ broken: number | null; newest: AuditCheckpoint | null }> {
  let after = afterSequence;
  let newest: AuditCheckpoint | null = null;
  for (;;) {
    const rows = await storeCall('read audit checkpoints', () => db.query<CheckpointRow>(
      `SELECT ${CHECKPOINT_COLUMNS} FROM govshare.audit_checkpoints k WHERE k.sequence > $1 AND k.record_seq <= $2 ORDER BY k.sequence LIMIT $3`,
      [after, headSeq, SIGNATURE_CHUNK]));
    const checkpoints = rows.map(checkpointOf);
    const verdicts = await Promise.all(checkpoints.map((checkpoint) => trust.verify(checkpoint).catch(() => false)));
    const bad = verdicts.indexOf(false);
    if (bad >= 0) return { broken: checkpoints[bad]!.sequence, newest: null };
    if (checkpoints.length) newest = checkpoints.at(-1)!;
    if (rows.length < SIGNATURE_CHUNK) return { broken: null, newest };
    after = newest!.sequence;
  }
}

function progressText(progress: Progress): string {
  return `${progress.checkpoint}\n${progress.recordSeq}\n${progress.headHash}`;
}

/** The progress row when its MAC holds; `tampered` when a row is there whose MAC does not (it is overwritten next). */
async function readProgress(db: Sql, trust: CheckpointTrust): Promise<{ valid: Progress | null; tampered: boolean }> {
  const [row] = await storeCall('read audit verification progress', () => db.query<{ checkpoint: string; record_seq: string; head_hash: string; mac: string }>(
    'SELECT checkpoint::text AS checkpoint, record_seq::text AS record_seq, head_hash, mac FROM govshare.audit_verification'));
  if (!row) return { valid: null, tampered: false };
  const progress = { checkpoint: Number(row.checkpoint), recordSeq: Number(row.record_seq), headHash: row.head_hash };
  return trust.progressMac(progressText(progress)) === row.mac ? { valid: progress, tampered: false } : { valid: null, tampered: true };
}

async function stillAsVerified(db: Sql, progress: Progress): Promise<boolean> {
  const [row] = await storeCall('read audit checkpoints', () => db.query<CheckpointRow>(
    `SELECT ${CHECKPOINT_COLUMNS} FROM govshare.audit_checkpoints k WHERE k.sequence = $1`, [progress.checkpoint]));
  return row !== undefined && Number(row.record_seq) === progress.recordSeq && row.head_hash === progress.headHash;
}

/** Moves the progress forward only (replicas verifying at once), or over a row whose MAC failed. */
async function writeProgress(db: Sql, trust: CheckpointTrust, progress: Progress, at: Date, overwrite: boolean): Promise<void> {
  await storeCall('write audit verification progress', () => db.query(`
    INSERT INTO govshare.audit_verification (only_row, checkpoint, record_seq, head_hash, verified_at, mac)
    VALUES (true, $1, $2, $3, $4, $5)
    ON CONFLICT (only_row) DO UPDATE SET checkpoint = excluded.checkpoint, record_seq = excluded.record_seq,
      head_hash = excluded.head_hash, verified_at = excluded.verified_at, mac = excluded.mac
    WHERE govshare.audit_verification.checkpoint < excluded.checkpoint OR $6::boolean`,
  [progress.checkpoint, progress.recordSeq, progress.headHash, at.toISOString(), trust.progressMac(progressText(progress)), overwrite]));
}
