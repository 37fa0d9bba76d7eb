import { MemoryAuditLog } from './memory-audit.ts';
import { MemoryGrantStore } from './memory-grants.ts';
import { RedisAuditLog } from './redis-audit.ts';
import { closeRedisConnection, createRedisConnection, storeCall, type StateLog } from './redis-connection.ts';
import { warnIfNotDurable } from './redis-durability.ts';
import { RedisGrantStore } from './redis-grants.ts';
import type { StateStores } from './types.ts';
import type { Indexer, StoredRecord } from './record-store.ts';
import { join } from 'node:path';
import { MemoryRecordStore } from './memory-records.ts';
import { FileRecordStore } from './file-records.ts';
import { memoryEvents, redisEvents } from './events.ts';
import { RedisRecordStore } from './redis-records.ts';

export * from './types.ts';
export type { RecordStore, StoredRecord, Indexer } from './record-store.ts';
export { GrantCache, PolicyUnavailableError } from './grant-cache.ts';
export { canonicalJson, chainHash, GENESIS_HASH } from './audit-chain.ts';

export interface StateStoreOptions {
  /** Redis for state shared by every gateway replica; in-process state when absent or empty. */
  redisUrl?: string;
  /** Prepended to every Redis key and channel. Default `govshare:`. */
  prefix?: string;
  /** Where outages and recoveries are reported (once each). Default console.warn. */
  log?: StateLog;
  /** In-process state only: where durable record stores keep their files. Without it nothing is written. */
  dataDir?: string;
}

/** Opens the platform's state. With Redis, rejects (StoreUnavailableError) unless Redis answers now. */
export async function createStateStores(options: StateStoreOptions = {}): Promise<StateStores> {
  if (!options.redisUrl) return memoryStores(options.dataDir);
  return redisStores(options.redisUrl, options.prefix ?? 'govshare:', options.log ?? ((message) => console.warn(message)));
}

function memoryStores(dataDir?: string): StateStores {
  const recordStores = new Map<string, unknown>();
  return {
    kind: 'memory',
    grants: new MemoryGrantStore(),
    audit: new MemoryAuditLog(),
    events: memoryEvents(),
    records: <T extends StoredRecord>(kind: string, indexer: Indexer<T>, _orderOf: unknown, options: { durable?: boolean } = {}) => {
      if (!recordStores.has(kind)) {
        recordStores.set(kind, options.durable && dataDir
          ? new FileRecordStore(join(dataDir, 'state', `${kind}.json`), indexer)
          : new MemoryRecordStore(indexer));
      }
      return recordStores.get(kind) as unknown as MemoryRecordStore<T>;
    },
    ping: async () => {},
    close: async () => {},
  };
}

async function redisStores(url: string, prefix: string, log: StateLog): Promise<StateStores> {
  const redis = createRedisConnection(url, 'state', log);
  const subscriber = createRedisConnection(url, 'state-events', log);
  const close = async () => { await Promise.all([closeRedisConnection(redis), closeRedisConnection(subscriber)]); };
  try {
    await storeCall('connect', () => Promise.all([redis.connect(), subscriber.connect()]));
    const grants = new RedisGrantStore(redis, subscriber, prefix);
    const audit = new RedisAuditLog(redis, prefix);
    await Promise.all([grants.start(), audit.start(), warnIfNotDurable(redis, url, log)]);
    return {
      kind: 'redis',
      grants,
      audit,
      records: (kind, indexer, orderOf) => new RedisRecordStore(redis, prefix, kind, indexer, orderOf),
      events: redisEvents(redis, subscriber, prefix),
      ping: async () => { await storeCall('ping', () => redis.ping()); },
      close,
    };
  } catch (error) {
    // A failed first connect would otherwise keep retrying in the background forever.
    await close();
    throw error;
  }
}
