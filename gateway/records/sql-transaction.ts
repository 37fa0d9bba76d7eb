import type { Database } from '../../subgraphs/kit/sql.ts';
import type { RecordStore, StoredRecord } from '../state/record-store.ts';
import { storeUnavailable } from '../state/store-call.ts';
import type { StateTransaction } from '../state/types.ts';
import { insertGrant, readGrant, type SqlGrantStore } from './sql-grants.ts';
import { SqlRecordStore } from './sql-records.ts';

/**
 * Runs `work` in one database transaction (StateStores.transaction). The work's own refusal (already
 * decided, bad input) is rethrown as it is; a failure of the database itself, COMMIT included, becomes
 * StoreUnavailableError. Grant changes are announced only once committed, so no replica reloads too early.
 */
export async function runTransaction<T>(db: Database, grants: SqlGrantStore, work: (tx: StateTransaction) => Promise<T>): Promise<T> {
  const changed = new Set<string>();
  let refusal: { error: unknown } | null = null;
  let result: T;
  try {
    result = await db.transaction(async (sql) => {
      const tx: StateTransaction = {
        records: <R extends StoredRecord>(store: RecordStore<R>): RecordStore<R> => {
          if (!(store instanceof SqlRecordStore)) throw new Error('only record stores of this state can join its transactions');
          return store.using(sql) as RecordStore<R>;
        },
        grants: {
          async create(grant, now) {
            const created = await insertGrant(sql, grant, now);
            changed.add(created.consumer);
            return created;
          },
          get: (id) => readGrant(sql, id),
        },
      };
      try {
        return await work(tx);
      } catch (error) {
        refusal = { error };
        throw error;
      }
    });
  } catch (error) {
    if (refusal !== null && (refusal as { error: unknown }).error === error) throw error;
    throw storeUnavailable('commit', error);
  }
  for (const consumer of changed) grants.announce(consumer);
  return result;
}
