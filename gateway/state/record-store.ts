/**
 * A small document store for the platform's workflow records (applications, data issues, catalog
 * history): create, read, list by index, and compare-and-set on `status`, so two concurrent
 * decisions on one record yield exactly one winner on every backend.
 */
export interface StoredRecord { id: string; status: string }

export interface RecordStore<T extends StoredRecord> {
  /** Stores a new record; false when the id exists already (the stored one is kept). */
  createIfAbsent(record: T): Promise<boolean>;
  get(id: string): Promise<T | null>;
  /** All records, or those whose index `name` has `value`; oldest first. */
  list(index?: { name: string; value: string }): Promise<T[]>;
  /** Replaces the record only if its stored status is still `expected`; false otherwise. */
  replaceIf(expected: string, next: T): Promise<boolean>;
  /** Replaces the record only if the stored one still equals `current` (as read); false otherwise. */
  replaceIfUnchanged(current: T, next: T): Promise<boolean>;
}

/** Which index values a record is listed under: name → value(s). */
export type Indexer<T> = (record: T) => Record<string, string | readonly string[]>;

export function indexEntries<T>(indexer: Indexer<T>, record: T): Array<[string, string]> {
  const entries: Array<[string, string]> = [];
  for (const [name, value] of Object.entries(indexer(record))) {
    for (const v of typeof value === 'string' ? [value] : value) entries.push([name, v]);
  }
  return entries;
}
