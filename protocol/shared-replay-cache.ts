import { Redis } from 'ioredis';

/** How long the check of one signature may take before the subgraph refuses the request. */
export const REPLAY_CACHE_TIMEOUT_MS = 500;

export type SharedUse = 'first' | 'replayed' | 'unavailable';

/**
 * Single use of a gateway signature across every replica of one subgraph (CONTRACT §3 v1.1): the
 * process-local `ReplayGuard` alone would let a captured signature be replayed once on each replica
 * behind a load balancer. One Redis round trip per call: `SET <jti key> 1 NX PX <until expiry>`, which
 * only the first replica to see the jti can set. Fails closed: when Redis does not answer, the request
 * is refused ('unavailable') — this is a provider's door, and an unverifiable single use is none.
 */
export class SharedReplayCache {
  private readonly redis: Redis;

  constructor(redisUrl: string, private readonly prefix = 'govshare:', private readonly now = () => Date.now()) {
    this.redis = new Redis(redisUrl, {
      lazyConnect: true,
      connectionName: 'govshare-replay-cache',
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      // Resending a SET NX after a reconnect would make the first use of a jti look like a replay.
      autoResendUnfulfilledCommands: false,
      commandTimeout: REPLAY_CACHE_TIMEOUT_MS,
      connectTimeout: 1_000,
      retryStrategy: () => 300,
    });
    // Failures show up as 'unavailable' on each use; the event needs a listener or ioredis prints each retry.
    this.redis.on('error', () => {});
  }

  async connect(): Promise<void> {
    await this.redis.connect();
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
    if (this.redis.status === 'ready') await this.redis.quit().catch(() => undefined);
    this.redis.disconnect();
  }
}
