import type { Sql } from '../../subgraphs/kit/sql.ts';
import { indexEntries, type Indexer, type RecordStore, type StoredRecord } from '../state/record-store.ts';
import { storeCall } from '../state/store-call.ts';

/**
 * Workflow records of one `kind` in `govshare.records`, listed through `govshare.record_index`. Every write
 * is one statement (data-modifying CTEs), so it is atomic on its own and joins an enclosing transaction
 * when the store was bound to one (`using`).
 */
export class SqlRecordStore<T extends StoredRecord> implements RecordStore<T> {
  constructor(private readonly sql: Sql, readonly kind: string, private readonly indexer: Indexer<T>,
    private readonly orderOf: (record: T) => number) {}

  /** The same store, its statements run on `sql` (a transaction's connection). */
  using(sql: Sql): SqlRecordStore<T> {
    return new SqlRecordStore(sql, this.kind, this.indexer, this.orderOf);
  }

  async createIfAbsent(record: T): Promise<boolean> {
    const rows = await storeCall('create record', () => this.sql.query<{ created: number }>(`
      WITH inserted AS (
        INSERT INTO govshare.records (kind, id, status, data, ord) VALUES ($1, $2, $3, $4::text::jsonb, $5)
        ON CONFLICT (kind, id) DO NOTHING RETURNING id
      ), indexed AS (
        INSERT INTO govshare.record_index (kind, name, value, id)
        SELECT $1, e->>0, e->>1, inserted.id FROM inserted, jsonb_array_elements($6::text::jsonb) e
        ON CONFLICT DO NOTHING
      )
      SELECT count(*)::int AS created FROM inserted`,
    [this.kind, record.id, record.status, JSON.stringify(record), this.order(record), JSON.stringify(indexEntries(this.indexer, record))]));
    return Number(rows[0]?.created) === 1;
  }

  async get(id: string): Promise<T | null> {
    const rows = await storeCall('read record', () =>
      this.sql.query<{ data: T }>('SELECT data FROM govshare.records WHERE kind = $1 AND id = $2', [this.kind, id]));
    return rows[0]?.data ?? null;
  }

  async list(index?: { name: string; value: string }): Promise<T[]> {
    const rows = await storeCall('list records', () => index
      ? this.sql.query<{ data: T }>(`
          SELECT r.data FROM govshare.record_index i JOIN govshare.records r ON r.kind = i.kind AND r.id = i.id
          WHERE i.kind = $1 AND i.name = $2 AND i.value = $3 ORDER BY r.ord, r.created`, [this.kind, index.name, index.value])
      : this.sql.query<{ data: T }>('SELECT data FROM govshare.records WHERE kind = $1 ORDER BY ord, created', [this.kind]));
    return rows.map((row) => row.data);
  }

  /**
   * Compare-and-set: under READ COMMITTED a concurrent UPDATE of the same row waits for the first to commit
   * and then re-checks `status`, so of two decisions on one record exactly one matches.
   */
  replaceIf(expected: string, next: T): Promise<boolean> {
    return this.replaceWhere('status = $3', expected, next);
  }

  /**
   * The same with the whole record as the guard (jsonb equality): for records whose changes do not all
   * move `status` (an application's stages, extensions and escalation), so two changes made from the
   * same reading cannot both land.
   */
  replaceIfUnchanged(current: T, next: T): Promise<boolean> {
    if (current.id !== next.id) throw new Error(`replaceIfUnchanged: ${current.id} and ${next.id} are different records`);
    return this.replaceWhere('data = $3::text::jsonb', JSON.stringify(current), next);
  }

  /** Replaces the record when `guard` (on the stored row, with `expected` as $3) holds; one statement. */
  private async replaceWhere(guard: string, expected: string, next: T): Promise<boolean> {
    const entries = JSON.stringify(indexEntries(this.indexer, next));
    const rows = await storeCall('update record', () => this.sql.query<{ replaced: number }>(`
      WITH updated AS (
        UPDATE govshare.records SET status = $4, data = $5::text::jsonb, ord = $6
        WHERE kind = $1 AND id = $2 AND ${guard} RETURNING id
      ), wanted AS (
        SELECT e->>0 AS name, e->>1 AS value FROM jsonb_array_elements($7::text::jsonb) e
      ), unlisted AS (
        DELETE FROM govshare.record_index i USING updated
        WHERE i.kind = $1 AND i.id = updated.id AND (i.name, i.value) NOT IN (SELECT name, value FROM wanted)
      ), listed AS (
        INSERT INTO govshare.record_index (kind, name, value, id)
        SELECT $1, wanted.name, wanted.value, updated.id FROM updated, wanted ON CONFLICT DO NOTHING
      )
      SELECT count(*)::int AS replaced FROM updated`,
    [this.kind, next.id, expected, next.status, JSON.stringify(next), this.order(next), entries]));
    return Number(rows[0]?.replaced) === 1;
  }

  private order(record: T): number {
    const order = this.orderOf(record);
    return Number.isFinite(order) ? order : 0;
  }
}
