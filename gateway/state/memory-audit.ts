import { ChainVerifier, GENESIS_HASH, sealRecord } from './audit-chain.ts';
import { auditRecordMatches, pageSize, pageUpperBound, queryIndexes, recordIndexes } from './audit-query.ts';
import type { AuditChainStatus, AuditEntry, AuditLog, AuditPage, AuditQuery, AuditRecord } from './types.ts';

/** The audit log held in this process, with the same chaining and paging as the Redis one. */
export class MemoryAuditLog implements AuditLog {
  private readonly records: AuditRecord[] = [];
  /** Index name (see audit-query.ts) → its records in seq order, so restricted pages skip other departments' records. */
  private readonly indexes = new Map<string, AuditRecord[]>();

  async append(entry: AuditEntry): Promise<AuditRecord> {
    const previous = this.records.at(-1);
    const record = sealRecord(entry, this.records.length + 1, previous?.hash ?? GENESIS_HASH);
    this.records.push(record);
    for (const index of recordIndexes(record)) {
      const list = this.indexes.get(index);
      if (list) list.push(record); else this.indexes.set(index, [record]);
    }
    // The caller gets the stored record itself: nothing downstream writes to it, and a copy per
    // request was a measurable share of the audit's cost.
    return record;
  }

  async page(query: AuditQuery): Promise<AuditPage> {
    const upper = pageUpperBound(query.after);
    const first = pageSize(query.first);
    const candidates = this.smallestCandidateList(queryIndexes(query));
    const found: AuditRecord[] = [];
    for (let i = lastIndexBelow(candidates, upper); i >= 0 && found.length <= first; i--) {
      const record = candidates[i]!;
      if (auditRecordMatches(record, query)) found.push(record);
    }
    const records = found.slice(0, first).map((record) => structuredClone(record));
    return { records, nextCursor: found.length > first ? records.at(-1)!.id : null };
  }

  async counts(departments: readonly string[]): Promise<Map<string, { consumed: number; served: number }>> {
    return new Map(departments.map((d) => [d, {
      consumed: this.indexes.get(`by-consumer:${d}`)?.length ?? 0,
      served: this.indexes.get(`by-provider:${d}`)?.length ?? 0,
    }]));
  }

  async verify(): Promise<AuditChainStatus> {
    const verifier = new ChainVerifier();
    for (const record of this.records) if (!verifier.add(record, record.id)) break;
    return verifier.finish(this.records.length);
  }

  private smallestCandidateList(indexes: string[]): AuditRecord[] {
    if (indexes.length === 0) return this.records;
    let smallest: AuditRecord[] | undefined;
    for (const index of indexes) {
      const list = this.indexes.get(index) ?? [];
      if (!smallest || list.length < smallest.length) smallest = list;
    }
    return smallest!;
  }
}

/** Position of the last record with seq < upper in a seq-ordered list (binary search), or -1. */
function lastIndexBelow(records: AuditRecord[], upper: number): number {
  let lo = 0;
  let hi = records.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (records[mid]!.seq < upper) lo = mid + 1; else hi = mid;
  }
  return lo - 1;
}
