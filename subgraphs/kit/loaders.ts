import DataLoader from 'dataloader';
import { badUserInput } from '../../protocol/errors.ts';
import type { Sql } from './sql.ts';

/**
 * One row per key. `text` selects with `= ANY($1)` over the whole batch, so N keys cost one
 * round trip; results come back in key order with `null` for unknown keys.
 */
export function rowByKey<R extends Record<string, unknown>>(
  sql: Sql, text: string, keyColumn: keyof R & string,
): DataLoader<string, R | null> {
  return new DataLoader<string, R | null>(async (keys) => {
    const rows = await sql.query<R>(text, [keys]);
    const byKey = new Map<string, R>();
    for (const row of rows) byKey.set(String(row[keyColumn]), row);
    return keys.map((key) => byKey.get(key) ?? null);
  });
}

/** Many rows per key (one-to-many), in the order the query returns them; `[]` for keys without rows. */
export function rowsByKey<R extends Record<string, unknown>>(
  sql: Sql, text: string, keyColumn: keyof R & string,
): DataLoader<string, R[]> {
  return new DataLoader<string, R[]>(async (keys) => {
    const rows = await sql.query<R>(text, [keys]);
    const byKey = new Map<string, R[]>();
    for (const row of rows) {
      const key = String(row[keyColumn]);
      const list = byKey.get(key);
      if (list) list.push(row); else byKey.set(key, [row]);
    }
    return keys.map((key) => byKey.get(key) ?? []);
  });
}

/** Batch lookups (CONTRACT §5) take at most this many keys. */
export const MAX_BATCH_KEYS = 1000;

/**
 * A batch lookup field (`persons(idNumbers:)`): results in input order, `null` for unknown keys, one
 * query for the whole batch, and more than MAX_BATCH_KEYS keys refused with BAD_USER_INPUT.
 */
export function loadBatch<V>(loader: DataLoader<string, V | null>, keys: readonly string[], field: string): Promise<Array<V | null | Error>> {
  if (keys.length > MAX_BATCH_KEYS) throw badUserInput(`${field} takes at most ${MAX_BATCH_KEYS} keys, got ${keys.length}`);
  return loader.loadMany(keys);
}
