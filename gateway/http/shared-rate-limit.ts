import { closeRedisClient, connectRedisClient, createRedisClient, onRedisDown, redisTarget, type RedisClient } from '../../protocol/redis-client.ts';
import { RateLimiter, type DepartmentRateLimiter } from './rate-limit.ts';

/**
 * One token bucket per department in Redis, shared by every gateway replica: N replicas allow the rate
 * once, not N times. The bucket's clock is Redis' own (`TIME`), so replicas with skewed clocks agree.
 * KEYS[1] the department's bucket (a hash: tokens, at); ARGV rate per second, burst. Returns the seconds
 * to wait, 0 when the request may pass. The script touches KEYS[1] only and builds no key name, so on a
 * Redis Cluster it runs on that key's master (Redis 5+ replicates its effects, so TIME before a write is
 * allowed).
 */
const TOKEN_BUCKET = `
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local b = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(b[1])
local at = tonumber(b[2])
if tokens == nil or at == nil then
  tokens = burst
  at = now
end
tokens = math.min(burst, tokens + math.max(0, now - at) * rate / 1000)
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
else
  wait = math.max(1, math.ceil((1 - tokens) / rate))
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
return wait
`;

/** A rate-limit check may hold a request this long; past it the request is decided locally. */
export const SHARED_LIMIT_TIMEOUT_MS = 200;
/** After Redis failed, this replica decides alone for this long before it asks Redis again. */
export const SHARED_LIMIT_RETRY_MS = 1_000;

export interface SharedRateLimiterOptions {
  /** `REDIS_URL`: one server, or a cluster's nodes comma-separated (`protocol/redis-client.ts`). */
  redisUrl: string;
  /** `REDIS_CLUSTER`; unset, several URLs are a cluster. */
  redisCluster?: boolean;
  /** The deployment's key prefix (`GOVSHARE_REDIS_PREFIX`). */
  prefix: string;
  ratePerSecond: number;
  burst: number;
  log?: (message: string) => void;
  now?: () => number;
}

/**
 * The shared bucket, one Redis round trip per request at most:
 * - a local bucket with the same rate and burst answers first: when this replica alone has used up a
 *   department's tokens, the shared bucket is empty too, and the refusal costs no round trip (the
 *   runaway client the limit is for). A request the shared bucket refuses gives its local token back,
 *   so the local bucket counts only requests let through, and never refuses one the shared one would pass;
 * - while Redis does not answer, the limit FAILS OPEN to the local bucket, with a warning once per
 *   outage: each replica then limits on its own (N × the rate, as before there was Redis). Unlike the
 *   records (grants, audit) nothing is served wrongly by that, and an outage of the coordination store
 *   must not stop every department's requests; a slow Redis is not waited on longer than
 *   SHARED_LIMIT_TIMEOUT_MS, and after a failure it is left alone for SHARED_LIMIT_RETRY_MS.
 */
export class SharedRateLimiter implements DepartmentRateLimiter {
  private readonly redis: RedisClient;
  private readonly local: RateLimiter;
  private readonly log: (message: string) => void;
  private readonly now: () => number;
  private localUntil = 0;
  private down = false;
  private readonly connected: Promise<void>;

  constructor(private readonly options: SharedRateLimiterOptions) {
    this.log = options.log ?? (() => {});
    this.now = options.now ?? (() => performance.now());
    this.local = new RateLimiter(options.ratePerSecond, options.burst, this.now);
    this.redis = createRedisClient(redisTarget(options.redisUrl, options.redisCluster), {
      role: 'rate-limit', commandTimeoutMs: SHARED_LIMIT_TIMEOUT_MS, connectTimeoutMs: 1_000, reconnectEveryMs: 500, maxRetriesPerRequest: 0,
    });
    this.redis.defineCommand('govshareTokenBucket', { numberOfKeys: 1, lua: TOKEN_BUCKET });
    // A cluster's lost node is not one: the commands for its slots fail (an outage for those) until its replica took over.
    onRedisDown(this.redis, (error) => this.outage(`connection lost: ${error.message}`));
    this.connected = connectRedisClient(this.redis).catch(() => this.outage('cannot connect'));
  }

  /** Resolves once the first connection attempt is over (connected or not: then the limit is local until it is). */
  ready(): Promise<void> {
    return this.connected;
  }

  /**
   * One key per department. The hash tag (the department) chooses the key's cluster slot; the script
   * touches this key alone, so one slot per call whatever the tag.
   */
  key(department: string): string {
    return `${this.options.prefix}ratelimit:{${department}}`;
  }

  async take(department: string): Promise<number> {
    if (this.options.ratePerSecond <= 0) return 0;
    const local = this.local.take(department);
    if (local > 0) return local;
    if (this.now() < this.localUntil) return 0;
    let wait: number;
    try {
      wait = Number(await (this.redis as RedisClient & { govshareTokenBucket(key: string, rate: number, burst: number): Promise<number> })
        .govshareTokenBucket(this.key(department), this.options.ratePerSecond, this.options.burst));
    } catch (error) {
      this.outage((error as Error).message);
      return 0;
    }
    if (this.down) {
      this.down = false;
      this.log('rate limits: Redis answers again; the limit is shared by all replicas again');
    }
    if (wait > 0) this.local.refund(department);
    return wait;
  }

  async close(): Promise<void> {
    await closeRedisClient(this.redis);
  }

  private outage(reason: string): void {
    this.localUntil = this.now() + SHARED_LIMIT_RETRY_MS;
    if (this.down) return;
    this.down = true;
    this.log(`WARNING: rate limits: Redis does not answer (${reason}); each replica limits on its own until it does`);
  }
}
