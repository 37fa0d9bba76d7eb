import { join } from 'node:path';
import { openDatabase } from '../../subgraphs/kit/database.ts';
import type { Database } from '../../subgraphs/kit/sql.ts';
import { storeCall } from '../state/store-call.ts';
import { migrate } from './migrate.ts';

/** Where the records are: an open database (tests, or a host sharing its own), a server, or embedded under a data folder. */
export type RecordsLocation =
  | { database: Database }
  | { url: string }
  | { dataDir: string };

/** The embedded records' folder: one PGlite for all of the gateway's records, beside its keys. */
export function recordsDir(dataDir: string): string {
  return join(dataDir, 'records');
}

/** A server that does not answer counts as down after this long, rather than holding requests. */
const CONNECT_TIMEOUT_MS = 2000;
const QUERY_TIMEOUT_MS = 5000;

/**
 * Opens (when it is not handed one) and migrates the records' database. `owned` says whether closing the
 * state closes it. Rejects with StoreUnavailableError when the database cannot be reached.
 */
export async function openRecords(location: RecordsLocation): Promise<{ db: Database; owned: boolean }> {
  const opened = 'database' in location
    ? { db: location.database, owned: false }
    : {
      db: await storeCall('open the records database', () => openDatabase('url' in location
        ? { kind: 'postgres', url: location.url, poolSize: 10, connectTimeoutMs: CONNECT_TIMEOUT_MS, queryTimeoutMs: QUERY_TIMEOUT_MS }
        : { kind: 'pglite', dataDir: recordsDir(location.dataDir) })),
      owned: true,
    };
  try {
    await storeCall('migrate the records database', () => 'url' in location ? migrateUnhurried(location.url) : migrate(opened.db));
  } catch (error) {
    if (opened.owned) await opened.db.close().catch(() => {});
    throw error;
  }
  return opened;
}

/**
 * Migrations on a connection of their own without the per-query timeout: one may rewrite a whole table
 * (003 moves every audit record into the monthly partitions), which takes longer than a request may.
 */
async function migrateUnhurried(url: string): Promise<number[]> {
  const db = await openDatabase({ kind: 'postgres', url, poolSize: 1, connectTimeoutMs: CONNECT_TIMEOUT_MS });
  try {
    return await migrate(db);
  } finally {
    await db.close();
  }
}
