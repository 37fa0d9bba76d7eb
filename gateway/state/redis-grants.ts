import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { GrantChangeListeners } from './grant-changes.ts';
import { newGrantRecord, sortGrants } from './grant-records.ts';
import { LuaScript, storeCall } from './redis-connection.ts';
import type { Grant, GrantStore, NewGrant } from './types.ts';

/*
 * Layout under the prefix:
 *   grant:<id>                hash: data (the grant as created, JSON), consumer, revokedAt, revokeReason
 *   grants:consumer:<code>    set of ids      grants:resource:<code>  set of ids      grants:all  set of ids
 *   grants:changed            pub/sub channel carrying the consumer code of every change
 * Revocation lives in its own hash fields so "revoke once" is an HSETNX, with no JSON rewritten inside Lua.
 */

/** Every grant of each id set in KEYS, as [data, revokedAt, revokeReason] rows: one round trip for any number of sets. */
const GRANTS_IN_SETS = new LuaScript(`
local out = {}
for k = 1, #KEYS do
  local rows = {}
  for _, id in ipairs(redis.call('SMEMBERS', KEYS[k])) do
    local row = redis.call('HMGET', ARGV[1] .. id, 'data', 'revokedAt', 'revokeReason')
    if row[1] then rows[#rows + 1] = row end
  end
  out[k] = rows
end
return out
`);

/** Revokes unless already revoked; announces only a real change. Returns {changed, data, revokedAt, revokeReason} or nil. */
const REVOKE = new LuaScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local changed = redis.call('HSETNX', KEYS[1], 'revokedAt', ARGV[1])
if changed == 1 then
  redis.call('HSET', KEYS[1], 'revokeReason', ARGV[2])
  redis.call('PUBLISH', ARGV[3], redis.call('HGET', KEYS[1], 'consumer'))
end
local row = redis.call('HMGET', KEYS[1], 'data', 'revokedAt', 'revokeReason')
return {changed, row[1], row[2], row[3]}
`);

type GrantRow = [string | null, string | null, string | null];

export class RedisGrantStore implements GrantStore {
  private readonly changes = new GrantChangeListeners();
  private live = false;
  readonly channel: string;

  /**
   * `redis` runs commands; `subscriber` is a second connection that only listens on the change channel
   * (a subscribed connection can run nothing else). Call `start()` once both are connected.
   */
  constructor(private readonly redis: Redis, private readonly subscriber: Redis, private readonly prefix: string) {
    this.channel = `${prefix}grants:changed`;
  }

  /** Subscribes, and re-subscribes after every reconnect: notifications count as live only once Redis confirms. */
  async start(): Promise<void> {
    this.subscriber.on('message', (channel: string, consumer: string) => {
      if (channel === this.channel) this.changes.emit(consumer);
    });
    this.subscriber.on('close', () => { this.live = false; });
    this.subscriber.on('ready', () => {
      this.subscriber.subscribe(this.channel).then(() => { this.live = this.subscriber.status === 'ready'; }, () => { this.live = false; });
    });
    await storeCall('subscribe to grant changes', () => this.subscriber.subscribe(this.channel));
    this.live = true;
  }

  async create(grant: NewGrant, now: Date): Promise<Grant> {
    const record = newGrantRecord(grant.id ?? randomUUID(), grant, now);
    await storeCall('create grant', () => this.redis.multi()
      .hset(this.grantKey(record.id), { data: JSON.stringify(record), consumer: record.consumer })
      .sadd(this.consumerKey(record.consumer), record.id)
      .sadd(this.resourceKey(record.resource), record.id)
      .sadd(this.allKey(), record.id)
      .publish(this.channel, record.consumer)
      .exec()
      .then(failedTransaction));
    // Our own pub/sub message follows, but this replica's cache must not wait for it.
    this.changes.emit(record.consumer);
    return record;
  }

  async get(id: string): Promise<Grant | null> {
    const row = await storeCall('read grant', () => this.redis.hmget(this.grantKey(id), 'data', 'revokedAt', 'revokeReason'));
    return decodeGrant(row as GrantRow);
  }

  async forConsumers(consumers: readonly string[]): Promise<Map<string, Grant[]>> {
    const unique = [...new Set(consumers)];
    const result = new Map<string, Grant[]>();
    if (unique.length === 0) return result;
    const sets = await this.grantsInSets(unique.map((consumer) => this.consumerKey(consumer)));
    unique.forEach((consumer, i) => result.set(consumer, sets[i]!));
    return result;
  }

  async list(filter: { consumer?: string; resource?: string } = {}): Promise<Grant[]> {
    const key = filter.consumer !== undefined ? this.consumerKey(filter.consumer)
      : filter.resource !== undefined ? this.resourceKey(filter.resource) : this.allKey();
    const [grants] = await this.grantsInSets([key]);
    return grants!.filter((grant) => filter.resource === undefined || grant.resource === filter.resource);
  }

  async revoke(id: string, reason: string, now: Date): Promise<Grant | null> {
    const reply = await storeCall('revoke grant', () =>
      REVOKE.run(this.redis, [this.grantKey(id)], [now.toISOString(), reason, this.channel])) as [number, ...GrantRow] | null;
    if (reply === null) return null;
    const [changed, ...row] = reply;
    const grant = decodeGrant(row);
    if (grant && changed === 1) this.changes.emit(grant.consumer);
    return grant;
  }

  onChange(listener: (consumer: string) => void): () => void {
    return this.changes.add(listener);
  }

  notificationsLive(): boolean {
    return this.live && this.subscriber.status === 'ready';
  }

  private async grantsInSets(keys: string[]): Promise<Grant[][]> {
    const reply = await storeCall('read grants', () => GRANTS_IN_SETS.run(this.redis, keys, [`${this.prefix}grant:`])) as GrantRow[][];
    return reply.map((rows) => sortGrants(rows.map(decodeGrant).filter((grant): grant is Grant => grant !== null)));
  }

  private grantKey(id: string): string { return `${this.prefix}grant:${id}`; }
  private consumerKey(consumer: string): string { return `${this.prefix}grants:consumer:${consumer}`; }
  private resourceKey(resource: string): string { return `${this.prefix}grants:resource:${resource}`; }
  private allKey(): string { return `${this.prefix}grants:all`; }
}

function decodeGrant([data, revokedAt, revokeReason]: GrantRow): Grant | null {
  if (data === null) return null;
  return { ...(JSON.parse(data) as Grant), revokedAt: revokedAt ?? null, revokeReason: revokeReason ?? null };
}

/** EXEC reports per-command errors in its reply instead of rejecting. */
function failedTransaction(replies: Array<[Error | null, unknown]> | null): void {
  if (replies === null) throw new Error('transaction aborted');
  const failed = replies.find(([error]) => error !== null);
  if (failed) throw failed[0];
}
