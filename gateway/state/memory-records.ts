import { indexEntries, type Indexer, type RecordStore, type StoredRecord } from './record-store.ts';

export class MemoryRecordStore<T extends StoredRecord> implements RecordStore<T> {
  private readonly records = new Map<string, T>();
  private readonly order: string[] = [];

  constructor(private readonly indexer: Indexer<T>) {}

  async createIfAbsent(record: T): Promise<boolean> {
    if (this.records.has(record.id)) return false;
    this.records.set(record.id, structuredClone(record));
    this.order.push(record.id);
    return true;
  }

  async get(id: string): Promise<T | null> {
    const record = this.records.get(id);
    return record ? structuredClone(record) : null;
  }

  async list(index?: { name: string; value: string }): Promise<T[]> {
    const out: T[] = [];
    for (const id of this.order) {
      const record = this.records.get(id)!;
      if (!index || indexEntries(this.indexer, record).some(([n, v]) => n === index.name && v === index.value)) out.push(structuredClone(record));
    }
    return out;
  }

  async replaceIf(expected: string, next: T): Promise<boolean> {
    const current = this.records.get(next.id);
    if (!current || current.status !== expected) return false;
    this.records.set(next.id, structuredClone(next));
    return true;
  }
}
