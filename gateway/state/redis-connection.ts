import { Redis } from 'ioredis';

export type StateLog = (message: string) => void;

/** How long a command (or a connection attempt) may take before Redis counts as unavailable. */
export const REDIS_TIMEOUT_MS = 1000;
const RECONNECT_EVERY_MS = 300;

/**
 * An ioredis connection tuned to fail fast and fail closed: while Redis is away, commands reject at once
 * (no offline queue) or after REDIS_TIMEOUT_MS, rather than waiting for it to come back; in the background
 * it keeps reconnecting so the store recovers by itself. Not connected yet: call `connect()`.
 */
export function createRedisConnection(url: string, role: string, log: StateLog): Redis {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectionName: `govshare-${role}`,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    // A command that timed out has already been reported as failed; resending it after a reconnect would
    // deliver an announcement twice, long after it mattered.
    autoResendUnfulfilledCommands: false,
    commandTimeout: REDIS_TIMEOUT_MS,
    connectTimeout: REDIS_TIMEOUT_MS,
    retryStrategy: () => RECONNECT_EVERY_MS,
  });
  // Without an 'error' listener ioredis reports every failed reconnect; one line per outage is enough.
  let down = false;
  redis.on('error', (error: Error) => {
    if (down) return;
    down = true;
    log(`state store (${role}): Redis unavailable (${error.message}); reconnecting every ${RECONNECT_EVERY_MS} ms`);
  });
  redis.on('ready', () => {
    if (!down) return;
    down = false;
    log(`state store (${role}): Redis reachable again`);
  });
  return redis;
}

/** Closes a connection whether or not Redis is there (QUIT needs a live connection; disconnect does not). */
export async function closeRedisConnection(redis: Redis): Promise<void> {
  if (redis.status === 'ready') await redis.quit().catch(() => undefined);
  redis.disconnect();
}
