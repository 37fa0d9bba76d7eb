import { startAuditMaintenance } from '../records/audit-partitions.ts';
import { archiveExpiredMonths, type AuditRetention } from '../records/audit-retention.ts';
import { openRecords, recordsDir, type RecordsLocation } from '../records/open-records.ts';
import { SqlAuditLog } from '../records/sql-audit.ts';
import { GRANTS_TOPIC, SqlGrantStore } from '../records/sql-grants.ts';
import { runTransaction } from '../records/sql-transaction.ts';
import { SqlRecordStore } from '../records/sql-records.ts';
import { redisTarget } from '../../protocol/redis-client.ts';
import { processCoordination, redisCoordination, type Coordination } from './events.ts';
import type { StateLog } from './redis-connection.ts';
import type { Indexer, RecordStore, StoredRecord } from './record-store.ts';
import { storeCall } from './store-call.ts';
import { probeWritable } from './writable-probe.ts';
import type { StateStores } from './types.ts';

export * from './types.ts';
export type { RecordStore, StoredRecord, Indexer } from './record-store.ts';
export type { Coordination, StateEvents } from './events.ts';
export { GrantCache, PolicyUnavailableError } from './grant-cache.ts';
export { canonicalJson, chainHash, GENESIS_HASH } from './audit-chain.ts';
export { recordsDir, type RecordsLocation } from '../records/open-records.ts';

/** Topics every replica listens to from the start (the schema registry's is gateway/registry's). */
const KNOWN_TOPICS = [GRANTS_TOPIC, 'registry:changed'];

export interface StateStoreOptions {
  /** Where the records live (CONTRACT §9): an open database, a PostgreSQL URL, or embedded under a data folder. */
  records: RecordsLocation;
  /** Redis for the replicas' announcements (`REDIS_URL`: one URL, or a cluster's nodes comma-separated); within this process when absent or empty. */
  redisUrl?: string;
  /** `REDIS_CLUSTER`: a cluster even with one URL (true); unset, several URLs are a cluster. */
  redisCluster?: boolean;
  /** Prepended to every Redis channel. Default `govshare:`. */
  prefix?: string;
  /** Announcements shared with other stores in this process (tests standing in for replicas); closed by its owner. */
  coordination?: Coordination;
  /** Where outages and recoveries are reported (once each). Default console.warn. */
  log?: StateLog;
  /** Archive and drop audit months past this retention (GOVSHARE_AUDIT_RETENTION_DAYS); absent, everything is kept. */
  auditRetention?: AuditRetention;
}

/** Opens the platform's state; rejects (StoreUnavailableError) unless the records (and Redis, if configured) answer now. */
export async function createStateStores(options: StateStoreOptions): Promise<StateStores> {
  const log = options.log ?? ((message) => console.warn(message));
  const { db, owned } = await openRecords(options.records);
  let coordination: Coordination;
  try {
    coordination = options.coordination
      ?? (options.redisUrl
        ? await redisCoordination(redisTarget(options.redisUrl, options.redisCluster), options.prefix ?? 'govshare:', log, KNOWN_TOPICS)
        : processCoordination());
  } catch (error) {
    if (owned) await db.close().catch(() => {});
    throw error;
  }
  // Month partitions now and daily, and retention if configured (records/audit-partitions.ts); stopped on close.
  const retention = options.auditRetention;
  const maintenance = await startAuditMaintenance(db, { log, ...(retention ? { retention: (now, signal) => archiveExpiredMonths(db, { ...retention, now, log, signal }) } : {}) });
  const grants = new SqlGrantStore(db, coordination, log);
  const probeDir = owned && 'dataDir' in options.records ? recordsDir(options.records.dataDir) : null;
  const recordStores = new Map<string, SqlRecordStore<StoredRecord>>();
  return {
    kind: db.kind,
    coordination: coordination.kind,
    grants,
    audit: new SqlAuditLog(db),
    events: coordination.events,
    records: <T extends StoredRecord>(kind: string, indexer: Indexer<T>, orderOf: (record: T) => number) => {
      if (!recordStores.has(kind)) recordStores.set(kind, new SqlRecordStore(db, kind, indexer, orderOf) as unknown as SqlRecordStore<StoredRecord>);
      return recordStores.get(kind) as unknown as RecordStore<T>;
    },
    transaction: (work) => runTransaction(db, grants, work),
    // The records only: while Redis is away the data still flows (the grant cache reads through), so a
    // coordination outage must not take every replica out of the load balancer.
    async ping() {
      await storeCall('ping the records database', () => db.query('SELECT 1'));
      // Embedded: a full or read-only disk fails PGlite's writes but not its reads (writable-probe.ts).
      if (probeDir) await storeCall('write to the records folder', () => probeWritable(probeDir));
    },
    async close() {
      await maintenance.stop();
      grants.close();
      if (!options.coordination) await coordination.close();
      if (owned) await db.close();
    },
  };
}
