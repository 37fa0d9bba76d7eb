import type { Database } from '../../subgraphs/kit/sql.ts';
import type { AuditCheckpoint, AuditCheckpointStore, CheckpointRequest } from '../state/audit-checkpoints.ts';
import { storeCall } from '../state/store-call.ts';
import { readAuditKeys, recordAuditKey } from './sql-audit-keys.ts';
import type { AuditRecord } from '../state/types.ts';

/** Serialises checkpoint making across replicas; any constant the deployment's other database users do not take. */
const CHECKPOINT_LOCK = 0x67_6f_76_63; // "govc"

export interface CheckpointRow { sequence: string; record_seq: string; head_hash: string; at: string; signature: string }
/**
 * The columns of `govshare.audit_checkpoints k`, bigints as text. Qualified on purpose: an ORDER BY on a bare
 * `sequence` would sort by the text alias ("10" before "9"), so ordering is always by `k.sequence`.
 */
export const CHECKPOINT_COLUMNS = 'k.sequence::text AS sequence, k.record_seq::text AS record_seq, k.head_hash, k.at, k.signature';

export function checkpointOf(row: CheckpointRow): AuditCheckpoint {
  return { sequence: Number(row.sequence), recordId: row.record_seq, headHash: row.head_hash, at: row.at, signature: row.signature };
}

/** The newest checkpoint beside the head, in one statement. */
const LAST_WITH_HEAD = `
  SELECT h.seq::text AS head_seq, h.hash AS head, c.* FROM govshare.audit_head h
  LEFT JOIN LATERAL (SELECT ${CHECKPOINT_COLUMNS} FROM govshare.audit_checkpoints k ORDER BY k.sequence DESC LIMIT 1) c ON true`;
type LastWithHead = Partial<CheckpointRow> & { head_seq: string; head: string };

/** `govshare.audit_checkpoints`, and the record ranges evidence is built from. */
export class SqlAuditCheckpoints implements AuditCheckpointStore {
  constructor(private readonly db: Database) {}

  /**
   * Under the advisory lock, the last checkpoint and the head are read and the next checkpoint inserted
   * only when the head is far enough past it: a second replica due at the same moment waits, then finds
   * it made. The sequence is the last one's plus one, so they have no gaps.
   */
  async make({ minRecords, at, sign, signer, signerMac }: CheckpointRequest): Promise<{ made: AuditCheckpoint | null; last: AuditCheckpoint | null }> {
    return storeCall('make an audit checkpoint', () => this.db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [CHECKPOINT_LOCK]);
      const [row] = await tx.query<LastWithHead>(LAST_WITH_HEAD);
      if (!row) throw new Error('the audit head row is missing');
      const last = row.sequence ? checkpointOf(row as CheckpointRow) : null;
      const headSeq = Number(row.head_seq);
      if (headSeq - Number(last?.recordId ?? 0) < Math.max(1, minRecords)) return { made: null, last };
      const payload = { sequence: (last?.sequence ?? 0) + 1, recordId: String(headSeq), headHash: row.head, at };
      const made = { ...payload, signature: sign(payload) };
      await tx.query('INSERT INTO govshare.audit_checkpoints (sequence, record_seq, head_hash, at, signature) VALUES ($1, $2, $3, $4, $5)',
        [made.sequence, headSeq, made.headHash, made.at, made.signature]);
      // With the checkpoint: its key stays checkable after a rotation takes it out of the published set.
      await recordAuditKey(tx, signer, at, signerMac);
      return { made, last: made };
    }));
  }

  async keys() {
    return storeCall('read audit keys', () => readAuditKeys(this.db));
  }

  async status(): Promise<{ last: AuditCheckpoint | null; headSeq: number }> {
    const [row] = await storeCall('read audit checkpoints', () => this.db.query<LastWithHead>(LAST_WITH_HEAD));
    return { last: row?.sequence ? checkpointOf(row as CheckpointRow) : null, headSeq: Number(row?.head_seq ?? 0) };
  }

  async page(first: number, before: number | null): Promise<AuditCheckpoint[]> {
    const rows = await storeCall('read audit checkpoints', () => this.db.query<CheckpointRow>(
      `SELECT ${CHECKPOINT_COLUMNS} FROM govshare.audit_checkpoints k WHERE k.sequence < $1::bigint ORDER BY k.sequence DESC LIMIT $2`,
      [before === null ? '9223372036854775807' : String(before), first]));
    return rows.map(checkpointOf);
  }

  async covering(seq: number): Promise<AuditCheckpoint | null> {
    const [row] = await storeCall('read audit checkpoints', () => this.db.query<CheckpointRow>(
      `SELECT ${CHECKPOINT_COLUMNS} FROM govshare.audit_checkpoints k WHERE k.record_seq >= $1 ORDER BY k.record_seq LIMIT 1`, [seq]));
    return row ? checkpointOf(row) : null;
  }

  async records(fromSeq: number, toSeq: number): Promise<AuditRecord[]> {
    const rows = await storeCall('read audit log', () => this.db.query<{ record: AuditRecord }>(
      'SELECT record FROM govshare.audit_records WHERE seq >= $1 AND seq <= $2 ORDER BY seq', [fromSeq, toSeq]));
    return rows.map((row) => row.record);
  }
}
