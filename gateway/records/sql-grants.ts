import { randomUUID } from 'node:crypto';
import type { Sql } from '../../subgraphs/kit/sql.ts';
import type { Coordination } from '../state/events.ts';
import { GrantChangeListeners } from '../state/grant-changes.ts';
import { newGrantRecord } from '../state/grant-records.ts';
import { storeCall } from '../state/store-call.ts';
import type { Grant, GrantStore, NewGrant } from '../state/types.ts';

export const GRANTS_TOPIC = 'grants:changed';

interface GrantRow {
  id: string; consumer: string; resource: string; fields: string[]; raw: boolean; purpose: string;
  valid_until: string; created_at: string; application_id: string | null; revoked_at: string | null; revoke_reason: string | null;
  confidential_until: string | null;
}

const COLUMNS = 'id, consumer, resource, fields, raw, purpose, valid_until, created_at, application_id, revoked_at, revoke_reason, confidential_until';
/** Oldest first, ties by id: the order the contract suite expects of every store. */
const ORDER = 'ORDER BY created_at, id';

/**
 * Grants and their revocations in `govshare.grants`. Changes are announced through the coordination
 * (Redis pub/sub across replicas, in-process otherwise) after they are committed; the grant cache's
 * one-second age bounds what a lost announcement can cost.
 */
export class SqlGrantStore implements GrantStore {
  private readonly changes = new GrantChangeListeners();
  private readonly unsubscribe: () => void;

  constructor(private readonly sql: Sql, private readonly coordination: Coordination, private readonly log: (message: string) => void) {
    this.unsubscribe = coordination.events.subscribe(GRANTS_TOPIC, (consumer) => this.changes.emit(consumer));
  }

  async create(grant: NewGrant, now: Date): Promise<Grant> {
    const record = await insertGrant(this.sql, grant, now);
    this.announce(record.consumer);
    return record;
  }

  get(id: string): Promise<Grant | null> {
    return readGrant(this.sql, id);
  }

  async forConsumers(consumers: readonly string[]): Promise<Map<string, Grant[]>> {
    const unique = [...new Set(consumers)];
    const result = new Map<string, Grant[]>(unique.map((consumer) => [consumer, []]));
    if (unique.length === 0) return result;
    const rows = await storeCall('read grants', () => this.sql.query<GrantRow>(
      `SELECT ${COLUMNS} FROM govshare.grants WHERE consumer IN (SELECT jsonb_array_elements_text($1::text::jsonb)) ${ORDER}`,
      [JSON.stringify(unique)]));
    for (const row of rows) result.get(row.consumer)?.push(decodeGrant(row));
    return result;
  }

  async list(filter: { consumer?: string; resource?: string } = {}): Promise<Grant[]> {
    const rows = await storeCall('list grants', () => this.sql.query<GrantRow>(
      `SELECT ${COLUMNS} FROM govshare.grants WHERE ($1::text IS NULL OR consumer = $1) AND ($2::text IS NULL OR resource = $2) ${ORDER}`,
      [filter.consumer ?? null, filter.resource ?? null]));
    return rows.map(decodeGrant);
  }

  async revoke(id: string, reason: string, now: Date): Promise<Grant | null> {
    // Only the first revocation writes; a second one reads the stored revocation back.
    const revoked = await storeCall('revoke grant', () => this.sql.query<GrantRow>(
      `UPDATE govshare.grants SET revoked_at = $2, revoke_reason = $3 WHERE id = $1 AND revoked_at IS NULL RETURNING ${COLUMNS}`,
      [id, now.toISOString(), reason]));
    if (revoked[0]) {
      this.announce(revoked[0].consumer);
      return decodeGrant(revoked[0]);
    }
    return this.get(id);
  }

  onChange(listener: (consumer: string) => void): () => void {
    return this.changes.add(listener);
  }

  notificationsLive(): boolean {
    return this.coordination.live();
  }

  close(): void {
    this.unsubscribe();
  }

  /** After the commit: this replica at once, the others through the coordination. */
  announce(consumer: string): void {
    // In-process the announcement itself reaches every store on this coordination, this one included.
    if (this.coordination.kind !== 'process') this.changes.emit(consumer);
    this.coordination.events.publish(GRANTS_TOPIC, consumer).catch((error: Error) => {
      // Stored regardless; the other replicas' caches age out within a second, and their live() is false.
      this.log(`grant change of ${consumer} not announced: ${error.message}`);
    });
  }
}

/** Writes a new grant on `sql` (the store's database, or a transaction's connection); announces nothing. */
export async function insertGrant(sql: Sql, grant: NewGrant, now: Date): Promise<Grant> {
  const record = newGrantRecord(grant.id ?? randomUUID(), grant, now);
  await storeCall('create grant', () => sql.query(
    `INSERT INTO govshare.grants (${COLUMNS}) VALUES ($1, $2, $3, $4::text::jsonb, $5, $6, $7, $8, $9, NULL, NULL, $10)`,
    [record.id, record.consumer, record.resource, JSON.stringify(record.fields), record.raw, record.purpose,
      record.validUntil, record.createdAt, record.applicationId, record.confidentialUntil ?? null]));
  return record;
}

export async function readGrant(sql: Sql, id: string): Promise<Grant | null> {
  const rows = await storeCall('read grant', () => sql.query<GrantRow>(`SELECT ${COLUMNS} FROM govshare.grants WHERE id = $1`, [id]));
  return rows[0] ? decodeGrant(rows[0]) : null;
}

function decodeGrant(row: GrantRow): Grant {
  return {
    id: row.id, consumer: row.consumer, resource: row.resource, fields: row.fields, raw: row.raw, purpose: row.purpose,
    validUntil: row.valid_until, createdAt: row.created_at, revokedAt: row.revoked_at, revokeReason: row.revoke_reason,
    applicationId: row.application_id, confidentialUntil: row.confidential_until,
  };
}
