import { mkdirSync, readFileSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { indexEntries, type Indexer, type RecordStore, type StoredRecord } from './record-store.ts';

/**
 * Records kept in one JSON file, for state that must survive a restart without Redis (the schema
 * registry in embedded mode). Every change rewrites the file through a rename, so a crash leaves the
 * old or the new file, never half of one. Meant for a few hundred records, not for the audit log.
 */
export class FileRecordStore<T extends StoredRecord> implements RecordStore<T> {
  private readonly records: T[];

  constructor(private readonly file: string, private readonly indexer: Indexer<T>) {
    this.records = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as T[]) : [];
  }

  async createIfAbsent(record: T): Promise<boolean> {
    if (this.records.some((r) => r.id === record.id)) return false;
    this.records.push(structuredClone(record));
    this.save();
    return true;
  }

  async get(id: string): Promise<T | null> {
    const found = this.records.find((r) => r.id === id);
    return found ? structuredClone(found) : null;
  }

  async list(index?: { name: string; value: string }): Promise<T[]> {
    return this.records
      .filter((r) => !index || indexEntries(this.indexer, r).some(([n, v]) => n === index.name && v === index.value))
      .map((r) => structuredClone(r));
  }

  async replaceIf(expected: string, next: T): Promise<boolean> {
    const at = this.records.findIndex((r) => r.id === next.id);
    if (at < 0 || this.records[at]!.status !== expected) return false;
    this.records[at] = structuredClone(next);
    this.save();
    return true;
  }

  private save(): void {
    mkdirSync(dirname(this.file), { recursive: true });
    const temporary = `${this.file}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify(this.records, null, 1));
    renameSync(temporary, this.file);
  }
}
