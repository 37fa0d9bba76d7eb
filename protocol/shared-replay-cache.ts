import { closeRedisClient, connectRedisClient, createRedisClient, onRedisDown, redisTarget, type RedisClient, type RedisTarget } from './redis-client.ts';

/** How long the check of one signature may take before the subgraph refuses the request. */
export const REPLAY_CACHE_TIMEOUT_MS = 500;

export type SharedUse = 'first' | 'replayed' | 'unavailable';

/**
 * Single use of a gateway signature across every replica of one subgraph (CONTRACT §3 v1.1): the
 * process-local `ReplayGuard` alone would let a captured signature be replayed once on each replica
 * behind a load balancer. One Redis round trip per call: `SET <jti key> 1 NX PX <until expiry>`, which
 * only the first replica to see the jti can set. Fails closed: when Redis does not answer, the request
 * is refused ('unavailable') — this is a provider's door, and an unverifiable single use is none.
 * On a Redis Cluster each jti is one key on its slot's master; while that master fails over, the uses
 * whose keys live there are refused, the others are not.
 */
export class SharedReplayCache {
  private readonly redis: RedisClient;

  /** `redis`: a `REDIS_URL` setting (one server, or a cluster's nodes comma-separated) or its parsed form. */
  constructor(redis: string | RedisTarget, private readonly prefix = 'govshare:', private readonly now = () => Date.now()) {
    // No retry after a reconnect (maxRetriesPerRequest 0, and the client never re-sends a failed command):
    // a SET NX sent twice would make the first use of a jti look like a replay.
    this.redis = createRedisClient(typeof redis === 'string' ? redisTarget(redis) : redis, {
      role: 'replay-cache', commandTimeoutMs: REPLAY_CACHE_TIMEOUT_MS, connectTimeoutMs: 1_000, reconnectEveryMs: 300, maxRetriesPerRequest: 0,
    });
    // Failures show up as 'unavailable' on each use; the events need a listener or ioredis prints each retry.
    onRedisDown(this.redis, () => {});
  }

  async connect(): Promise<void> {
    await connectRedisClient(this.redis);
  }

  /** Keyed by audience and jti: a jti is single use per subgraph, as the signature it belongs to. */
  key(audience: string, jti: string): string {
    return `${this.prefix}jti:${audience}:${jti}`;
  }

  /** `expiresAt` in epoch seconds: until then a second use is a replay, after it the expiry check refuses anyway. */
  async use(audience: string, jti: string, expiresAt: number): Promise<SharedUse> {
    const ttlMs = Math.max(1_000, Math.ceil(expiresAt * 1000 - this.now()));
    try {
      const set = await this.redis.set(this.key(audience, jti), '1', 'PX', ttlMs, 'NX');
      return set === 'OK' ? 'first' : 'replayed';
    } catch {
      return 'unavailable';
    }
  }

  async close(): Promise<void> {
    await closeRedisClient(this.redis);
  }
}
