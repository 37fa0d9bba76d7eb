import { closeRedisClient, createRedisClient, onRedisDown, type RedisClient, type RedisTarget, type RedisTuning } from '../../protocol/redis-client.ts';

export type StateLog = (message: string) => void;
export type { RedisClient, RedisTarget } from '../../protocol/redis-client.ts';

/** How long a command (or a connection attempt) may take before Redis counts as unavailable. */
export const REDIS_TIMEOUT_MS = 1000;
export const RECONNECT_EVERY_MS = 300;

/** The coordination's connections: fail fast and closed (see `createRedisClient`), a command tried once more after a reconnect. */
export function coordinationTuning(role: string): RedisTuning {
  return { role, commandTimeoutMs: REDIS_TIMEOUT_MS, connectTimeoutMs: REDIS_TIMEOUT_MS, reconnectEveryMs: RECONNECT_EVERY_MS, maxRetriesPerRequest: 1 };
}

/**
 * A coordination connection to one server or a cluster (`createRedisClient`), which reports each outage
 * and each recovery once. Not connected yet: call `connectRedisClient()`.
 */
export function createRedisConnection(target: RedisTarget, role: string, log: StateLog): RedisClient {
  const redis = createRedisClient(target, coordinationTuning(role));
  // Without an 'error' listener ioredis reports every failed reconnect; one line per outage is enough.
  let down = false;
  const lost = (error: Error) => {
    if (down) return;
    down = true;
    log(`state store (${role}): Redis unavailable (${error.message}); reconnecting every ${RECONNECT_EVERY_MS} ms`);
  };
  onRedisDown(redis, lost);
  redis.on('ready', () => {
    if (!down) return;
    down = false;
    log(`state store (${role}): Redis reachable again`);
  });
  return redis;
}

/** Closes a connection whether or not Redis is there. */
export const closeRedisConnection = closeRedisClient;
