import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { Database, Sql } from '../../subgraphs/kit/sql.ts';
import type { AuditRetentionConfig } from '../config.ts';
import { decodeProtectedHeader, type JWK } from 'jose';
import type { GatewaySigningKey } from '../keys/signing-key.ts';
import { chainHash, GENESIS_HASH } from '../state/audit-chain.ts';
import type { AuditRecord } from '../state/types.ts';
import { recordAuditKey } from './sql-audit-keys.ts';
import { archivePaths, ensureFolder, writeFileDurably, writeGzipLines } from './audit-archive-file.ts';
import { signManifest, type ArchiveManifest, type SignedArchiveManifest } from './audit-archive-manifest.ts';
import { verifyArchive } from './audit-archive-verify.ts';
import { listMonthPartitions, monthEnd, partitionName, type Month } from './audit-partitions.ts';

/**
 * Retention of the audit log (GOVSHARE_AUDIT_RETENTION_DAYS): a month whose every record is older than
 * the retention is written to `<archive dir>/YYYY-MM.jsonl.gz` with a signed manifest `YYYY-MM.json`,
 * the files are synced and verified, and only then, in one transaction, the month is entered in
 * `govshare.audit_archives` and its partition dropped. Its audit_index rows go afterwards; the counters
 * in audit_counts stay, so `evaluation` keeps reporting all-time figures.
 *
 * A kill at any point leaves either the month in the database or a complete, verified archive of it,
 * and the next run carries on from there (an archive written but not yet entered is verified and used,
 * not written twice).
 */
export interface AuditRetention {
  days: number;
  archiveDir: string;
  /** The key the manifests are signed with; read at each run, so a key rotation is followed. */
  signingKey: () => GatewaySigningKey;
  /** Its MAC in the audit's key history (gateway/audit/audit-key-mac.ts). */
  keyMac: (jwk: JWK) => string;
}

/**
 * The `createStateStores` option from the gateway's configuration: `{ auditRetention }` when
 * GOVSHARE_AUDIT_RETENTION_DAYS is set, else nothing (everything is kept).
 */
export function auditRetentionOption(config: AuditRetentionConfig | undefined, signingKey: () => GatewaySigningKey, keyMac: (jwk: JWK) => string): { auditRetention?: AuditRetention } {
  return config?.days ? { auditRetention: { days: config.days, archiveDir: config.archiveDir, signingKey, keyMac } } : {};
}

export interface ArchiveRunOptions extends AuditRetention {
  now: Date;
  log?: (message: string) => void;
  signal?: AbortSignal;
}

export interface ArchiveRun {
  /** Another replica holds the archiver's lock: this run did nothing. */
  busy: boolean;
  /** Months written to the archive and dropped by this run. */
  archived: Month[];
  /** Months dropped without an archive of their own: nothing in them that was not archived already. */
  emptied: Month[];
  /** Why the oldest month due could not be archived yet, if it could not. */
  blocked: string | null;
}

/** Any constant the deployment's other users of the database do not take. */
const ARCHIVER_LOCK = 0x67_76_61_72; // "gvar"
const DAY_MS = 86_400_000;
/** Records per read while exporting: memory stays flat. */
const EXPORT_CHUNK = 5000;
/** audit_index rows per delete after a month went: each statement short. */
const INDEX_DELETE_CHUNK = 10_000;

/**
 * Where the chain still held in the database begins: records up to `afterSeq` were archived and dropped
 * (GOVSHARE_AUDIT_RETENTION_DAYS), and the first retained record must chain on `prevHash`.
 * Nothing archived yet: the genesis.
 */
export async function retainedChainStart(db: Sql): Promise<{ afterSeq: number; prevHash: string }> {
  const [last] = await db.query<{ last_seq: string; last_hash: string }>(
    // Ordered by the column, not by the text alias (which would put 8 after 17).
    'SELECT a.last_seq::text AS last_seq, a.last_hash FROM govshare.audit_archives a ORDER BY a.last_seq DESC LIMIT 1');
  return last ? { afterSeq: Number(last.last_seq), prevHash: last.last_hash } : { afterSeq: 0, prevHash: GENESIS_HASH };
}

/**
 * Archives and drops every month past the retention, oldest first, stopping at the first that cannot go
 * yet (the chain is archived in order). On PostgreSQL one replica at a time (a transaction-scoped
 * advisory lock held on a connection of its own for the run); an embedded PGlite has one process, whose
 * maintenance never runs two at once.
 */
export async function archiveExpiredMonths(db: Database, options: ArchiveRunOptions): Promise<ArchiveRun> {
  const run: ArchiveRun = { busy: false, archived: [], emptied: [], blocked: null };
  const work = async () => {
    await archiveMonths(db, options, run);
    options.signal?.throwIfAborted();
    const archivedUpTo = (await retainedChainStart(db)).afterSeq;
    await deleteArchivedIndexRows(db, archivedUpTo, options.signal);
    await deleteArchivedSubjectRows(db, archivedUpTo, options.signal);
    return run;
  };
  if (db.kind === 'pglite') return work();
  return db.transaction(async (lock) => {
    const [held] = await lock.query<{ locked: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS locked', [ARCHIVER_LOCK]);
    if (!held?.locked) return { ...run, busy: true };
    return work();
  });
}

async function archiveMonths(db: Database, options: ArchiveRunOptions, run: ArchiveRun): Promise<void> {
  const { log = () => {}, signal } = options;
  const cutoff = new Date(options.now.getTime() - options.days * DAY_MS);
  // A retention beyond the dates JavaScript can hold keeps everything, rather than comparing with NaN.
  if (!Number.isFinite(cutoff.getTime()) || !(options.days > 0)) return;
  for (const month of await listMonthPartitions(db)) {
    // Oldest first: the first month not wholly past the retention ends the run.
    if (monthEnd(month) > cutoff) return;
    signal?.throwIfAborted();
    const [entered] = await db.query<{ last_seq: string }>('SELECT last_seq::text AS last_seq FROM govshare.audit_archives WHERE month = $1', [month]);
    if (entered) {
      // Archived by an earlier run; its partition cannot normally outlive that transaction, but a
      // restored backup could bring it back: what it holds is in the archive.
      await db.transaction((tx) => dropMonth(tx, month, Number(entered.last_seq)));
      run.emptied.push(month);
      continue;
    }
    const start = await retainedChainStart(db);
    const [newest] = await db.query<{ seq: string | null }>(`SELECT max(seq)::text AS seq FROM govshare.${partitionName(month)}`);
    const lastSeq = newest?.seq === null || newest?.seq === undefined ? null : Number(newest.seq);
    if (lastSeq === null || lastSeq <= start.afterSeq) {
      await db.transaction((tx) => dropMonth(tx, month, start.afterSeq));
      run.emptied.push(month);
      continue;
    }
    const key = options.signingKey();
    const written = await writeMonthArchive(db, { month, start, lastSeq, cutoff, dir: options.archiveDir, key, ...(signal ? { signal } : {}) });
    if ('blocked' in written) {
      run.blocked = `${month}: ${written.blocked}`;
      log(`audit retention: ${month} is not archived yet: ${written.blocked}`);
      return;
    }
    await retireMonth(db, written, { jwk: key.publicJwk, mac: options.keyMac(key.publicJwk) });
    run.archived.push(month);
    log(`audit retention: archived ${month} (records ${written.manifest.firstSeq}–${written.manifest.lastSeq}) to ${written.file} and dropped its partition`);
  }
}

export interface WrittenArchive {
  month: Month;
  manifest: SignedArchiveManifest;
  /** The .gz written. */
  file: string;
}

export interface MonthArchiveInput {
  month: Month;
  /** The chain in the database begins after this (retainedChainStart). */
  start: { afterSeq: number; prevHash: string };
  /** The month partition's newest record: the archive runs from start.afterSeq + 1 to it. */
  lastSeq: number;
  /** Every record archived must be older than this. */
  cutoff: Date;
  dir: string;
  key: GatewaySigningKey;
  signal?: AbortSignal;
}

class NotArchivable extends Error {}

/**
 * The month's archive, written, synced and verified (signature, SHA-256, chain) — or `blocked` saying why
 * it cannot be yet. The records run in seq order from the first still in the database to the month's
 * newest, so the chain in the file is whole: records of other months interleaved with it by clock skew,
 * or of the DEFAULT partition, go with it (each must be older than the retention, or the month waits).
 * An archive of exactly this range already on disk (a run killed before it was entered) is used as it is.
 */
export async function writeMonthArchive(db: Sql, input: MonthArchiveInput): Promise<WrittenArchive | { blocked: string }> {
  const { month, start, lastSeq, cutoff, dir, key, signal } = input;
  const paths = archivePaths(dir, month);
  const jwks = { keys: [key.publicJwk] };
  if (existsSync(paths.manifest)) {
    const found = await verifyArchive(paths.manifest, jwks);
    const m = found.manifest;
    if (found.ok && m && m.month === month && m.firstSeq === start.afterSeq + 1 && m.lastSeq === lastSeq && m.firstPrevHash === start.prevHash) {
      return { month, manifest: m, file: paths.records };
    }
  }
  await ensureFolder(dir);
  let count = 0;
  let lastHash = start.prevHash;
  async function* lines(): AsyncGenerator<string> {
    let after = start.afterSeq;
    while (after < lastSeq) {
      signal?.throwIfAborted();
      const rows = await db.query<{ seq: string; line: string; expired: boolean }>(`
        SELECT r.seq::text AS seq, r.record::text AS line, r.at < $3::timestamptz AS expired
        FROM govshare.audit_records r WHERE r.seq > $1 AND r.seq <= $2 ORDER BY r.seq LIMIT $4`,
      [after, lastSeq, cutoff.toISOString(), EXPORT_CHUNK]);
      if (rows.length === 0) throw new NotArchivable(`record ${after + 1} is missing from the database`);
      for (const row of rows) {
        const seq = Number(row.seq);
        if (seq !== after + 1) throw new NotArchivable(`record ${after + 1} is missing from the database`);
        if (!row.expired) throw new NotArchivable(`record ${seq}, in the same stretch of the chain, is not older than the retention yet`);
        // Checked before anything is signed: a manifest must never vouch for an altered chain.
        const { hash, ...unsealed } = JSON.parse(row.line) as AuditRecord;
        if (unsealed.prevHash !== lastHash || chainHash(lastHash, unsealed) !== hash) {
          throw new NotArchivable(`record ${seq} does not chain on its predecessor: the log was altered, and stays as it is for inspection`);
        }
        after = seq;
        count += 1;
        lastHash = hash;
        yield row.line;
      }
    }
  }
  let sha256: string;
  try {
    sha256 = await writeGzipLines(paths.records, lines());
  } catch (error) {
    if (error instanceof NotArchivable) return { blocked: error.message };
    throw error;
  }
  const manifest: ArchiveManifest = {
    month, firstSeq: start.afterSeq + 1, lastSeq, count, firstPrevHash: start.prevHash, lastHash, sha256, at: new Date().toISOString(),
  };
  const signed: SignedArchiveManifest = { ...manifest, signature: signManifest(manifest, key) };
  await writeFileDurably(paths.manifest, `${JSON.stringify(signed, null, 2)}\n`);
  // Read back from the disk, as an auditor would, before anything is dropped.
  const check = await verifyArchive(paths.manifest, jwks);
  if (!check.ok) {
    await Promise.all([rm(paths.manifest, { force: true }), rm(paths.records, { force: true })]);
    return { blocked: `the archive written does not read back intact (${check.problems.join('; ')}): removed, tried again at the next run` };
  }
  return { month, manifest: signed, file: paths.records };
}

/**
 * Enters a written archive and drops its month, in one transaction: the entry exists exactly when the
 * partition is gone. Refused (nothing changes) when the archive does not continue the last one, or when
 * the month gained records since it was written (a writer with a slow clock): the next run archives it
 * again, whole.
 */
export async function retireMonth(db: Database, written: WrittenArchive, signer?: { jwk: JWK; mac: string }): Promise<void> {
  const { month, manifest, file } = written;
  await db.transaction(async (tx) => {
    const start = await retainedChainStart(tx);
    if (start.afterSeq !== manifest.firstSeq - 1 || start.prevHash !== manifest.firstPrevHash) {
      throw new Error(`the archive of ${month} starts at record ${manifest.firstSeq}, but the database's chain now begins after ${start.afterSeq}`);
    }
    await tx.query(`INSERT INTO govshare.audit_archives (month, first_seq, last_seq, last_hash, file, sha256, signature)
      VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [month, manifest.firstSeq, manifest.lastSeq, manifest.lastHash, file, manifest.sha256, manifest.signature]);
    await dropMonth(tx, month, manifest.lastSeq);
    // The manifest's key joins the audit's key history (GET /audit/keys) — only if it is the one that
    // signed it: an archive found on disk from an earlier run may carry an older key, already entered then.
    if (signer?.jwk.kid && manifestKid(manifest.signature) === signer.jwk.kid) await recordAuditKey(tx, signer.jwk, new Date().toISOString(), signer.mac);
  });
}

/**
 * Inside a transaction: drops the month's partition and deletes what else of the chain up to
 * `archivedUpTo` is left in other partitions (records that went into that archive from DEFAULT or a
 * neighbouring month). Throws, so that the transaction rolls back, if the partition holds anything newer.
 */
async function dropMonth(tx: Sql, month: Month, archivedUpTo: number): Promise<void> {
  const partition = `govshare.${partitionName(month)}`;
  // Appends wait (briefly) rather than land in a partition being dropped; a long wait gives up, and the next run retries.
  await tx.exec(`SET LOCAL lock_timeout = '3s'; LOCK TABLE govshare.audit_records IN ACCESS EXCLUSIVE MODE`);
  const [exists] = await tx.query(`SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'govshare' AND c.relname = $1`, [partitionName(month)]);
  if (exists) {
    const [newest] = await tx.query<{ seq: string | null }>(`SELECT max(seq)::text AS seq FROM ${partition}`);
    if (newest?.seq !== null && newest?.seq !== undefined && Number(newest.seq) > archivedUpTo) {
      throw new Error(`${month} gained record ${newest.seq} after it was archived up to ${archivedUpTo}: not dropped`);
    }
    await tx.exec(`DROP TABLE ${partition}`);
  }
  const [previous] = await tx.query<{ first_seq: string }>('SELECT first_seq::text AS first_seq FROM govshare.audit_archives WHERE last_seq = $1', [archivedUpTo]);
  const from = previous ? Number(previous.first_seq) - 1 : 0;
  await tx.query('DELETE FROM govshare.audit_records WHERE seq > $1 AND seq <= $2', [from, archivedUpTo]);
}

/**
 * Deletes the audit_index rows of records up to `afterSeq`, which are gone: name by name, in short
 * statements along each name's (name, seq) key. Idempotent: a run killed halfway is finished by the next.
 */
export async function deleteArchivedIndexRows(db: Sql, afterSeq: number, signal?: AbortSignal): Promise<number> {
  if (afterSeq <= 0) return 0;
  const names = await db.query<{ name: string }>('SELECT name FROM govshare.audit_counts ORDER BY name');
  let deleted = 0;
  for (const { name } of names) {
    for (;;) {
      signal?.throwIfAborted();
      const [gone] = await db.query<{ n: number }>(`
        WITH gone AS (
          DELETE FROM govshare.audit_index WHERE name = $1 AND seq IN (
            SELECT seq FROM govshare.audit_index WHERE name = $1 AND seq <= $2 ORDER BY seq LIMIT $3)
          RETURNING 1
        ) SELECT count(*)::int AS n FROM gone`, [name, afterSeq, INDEX_DELETE_CHUNK]);
      deleted += Number(gone?.n ?? 0);
      if (Number(gone?.n ?? 0) < INDEX_DELETE_CHUNK) break;
    }
  }
  return deleted;
}

/**
 * Deletes the subject digests (govshare.audit_subjects) of records up to `afterSeq`, in short statements:
 * who read whom is kept no longer than the records that say so. Idempotent, like the index rows'.
 */
export async function deleteArchivedSubjectRows(db: Sql, afterSeq: number, signal?: AbortSignal): Promise<number> {
  if (afterSeq <= 0) return 0;
  let deleted = 0;
  for (;;) {
    signal?.throwIfAborted();
    const [gone] = await db.query<{ n: number }>(`
      WITH gone AS (
        DELETE FROM govshare.audit_subjects WHERE ctid IN (SELECT ctid FROM govshare.audit_subjects WHERE seq <= $1 LIMIT $2)
        RETURNING 1
      ) SELECT count(*)::int AS n FROM gone`, [afterSeq, INDEX_DELETE_CHUNK]);
    deleted += Number(gone?.n ?? 0);
    if (Number(gone?.n ?? 0) < INDEX_DELETE_CHUNK) return deleted;
  }
}

function manifestKid(signature: string): string | undefined {
  try {
    return decodeProtectedHeader(signature).kid;
  } catch {
    return undefined;
  }
}
