import DataLoader from 'dataloader';
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
