import type { Redis } from 'ioredis';
import { indexEntries, type Indexer, type RecordStore, type StoredRecord } from './record-store.ts';
import { LuaScript, storeCall } from './redis-connection.ts';

/*
 * Layout under `<prefix><kind>:`: `r:<id>` hash { data: JSON, status }, `all` sorted set (score: creation
 * order), `ix:<name>:<value>` sets of ids. Status sits in its own field so compare-and-set needs no JSON in Lua.
 */

/** KEYS: record, all, index sets…; ARGV: id, status, data, order. */
const CREATE = new LuaScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'data', ARGV[3], 'status', ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[1])
for i = 3, #KEYS do redis.call('SADD', KEYS[i], ARGV[1]) end
return 1
`);

/** KEYS: record; ARGV: expected status, new status, new data. */
const REPLACE_IF = new LuaScript(`
if redis.call('HGET', KEYS[1], 'status') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'data', ARGV[3], 'status', ARGV[2])
return 1
`);

/** KEYS: a set or sorted set of ids; ARGV: record key prefix, 'z' for a sorted set. One round trip for a whole list. */
const LIST = new LuaScript(`
local ids
if ARGV[2] == 'z' then ids = redis.call('ZRANGE', KEYS[1], 0, -1) else ids = redis.call('SMEMBERS', KEYS[1]) end
local out = {}
for _, id in ipairs(ids) do
  local data = redis.call('HGET', ARGV[1] .. id, 'data')
  if data then out[#out + 1] = data end
end
return out
`);

export class RedisRecordStore<T extends StoredRecord> implements RecordStore<T> {
  private readonly base: string;

  constructor(private readonly redis: Redis, prefix: string, kind: string, private readonly indexer: Indexer<T>,
    private readonly orderOf: (record: T) => number) {
    this.base = `${prefix}${kind}:`;
  }

  async createIfAbsent(record: T): Promise<boolean> {
    const keys = [this.recordKey(record.id), `${this.base}all`,
      ...indexEntries(this.indexer, record).map(([n, v]) => `${this.base}ix:${n}:${v}`)];
    const created = await storeCall('create record', () =>
      CREATE.run(this.redis, keys, [record.id, record.status, JSON.stringify(record), this.orderOf(record)]));
    return created === 1;
  }

  async get(id: string): Promise<T | null> {
    const data = await storeCall('read record', () => this.redis.hget(this.recordKey(id), 'data'));
    return data ? JSON.parse(data) as T : null;
  }

  async list(index?: { name: string; value: string }): Promise<T[]> {
    const key = index ? `${this.base}ix:${index.name}:${index.value}` : `${this.base}all`;
    const rows = await storeCall('list records', () => LIST.run(this.redis, [key], [`${this.base}r:`, index ? 's' : 'z'])) as string[];
    const records = rows.map((row) => JSON.parse(row) as T);
    return index ? records.sort((a, b) => this.orderOf(a) - this.orderOf(b)) : records;
  }

  async replaceIf(expected: string, next: T): Promise<boolean> {
    const replaced = await storeCall('update record', () =>
      REPLACE_IF.run(this.redis, [this.recordKey(next.id)], [expected, next.status, JSON.stringify(next)]));
    return replaced === 1;
  }

  private recordKey(id: string): string {
    return `${this.base}r:${id}`;
  }
}
