import { randomUUID } from 'node:crypto';
import { GrantChangeListeners } from './grant-changes.ts';
import { newGrantRecord, sortGrants } from './grant-records.ts';
import type { Grant, GrantStore, NewGrant } from './types.ts';

/** Grants held in this process: for `npm start` without Redis, where there is only one gateway. */
export class MemoryGrantStore implements GrantStore {
  private readonly grants = new Map<string, Grant>();
  private readonly changes = new GrantChangeListeners();

  async create(grant: NewGrant, now: Date): Promise<Grant> {
    const record = newGrantRecord(grant.id ?? randomUUID(), grant, now);
    this.grants.set(record.id, record);
    this.changes.emit(record.consumer);
    return structuredClone(record);
  }

  async get(id: string): Promise<Grant | null> {
    const grant = this.grants.get(id);
    return grant ? structuredClone(grant) : null;
  }

  async forConsumers(consumers: readonly string[]): Promise<Map<string, Grant[]>> {
    const wanted = new Set(consumers);
    const result = new Map<string, Grant[]>([...wanted].map((consumer) => [consumer, []]));
    for (const grant of this.grants.values()) if (wanted.has(grant.consumer)) result.get(grant.consumer)!.push(structuredClone(grant));
    for (const list of result.values()) sortGrants(list);
    return result;
  }

  async list(filter: { consumer?: string; resource?: string } = {}): Promise<Grant[]> {
    const matching = [...this.grants.values()].filter((grant) =>
      (filter.consumer === undefined || grant.consumer === filter.consumer)
      && (filter.resource === undefined || grant.resource === filter.resource));
    return sortGrants(matching.map((grant) => structuredClone(grant)));
  }

  async revoke(id: string, reason: string, now: Date): Promise<Grant | null> {
    const grant = this.grants.get(id);
    if (!grant) return null;
    if (grant.revokedAt === null) {
      grant.revokedAt = now.toISOString();
      grant.revokeReason = reason;
      this.changes.emit(grant.consumer);
    }
    return structuredClone(grant);
  }

  onChange(listener: (consumer: string) => void): () => void {
    return this.changes.add(listener);
  }

  notificationsLive(): boolean {
    return true;
  }
}
