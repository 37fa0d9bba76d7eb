import type { Redis } from 'ioredis';
import type { StateLog } from './redis-connection.ts';

/**
 * Warns when this Redis can lose what the audit log was told is stored: without AOF a restart loses the
 * latest writes, and an eviction policy other than noeviction may drop records or grants under memory
 * pressure. Only a warning: managed Redis services differ, and the operator decides.
 */
const warned = new Set<string>();

export async function warnIfNotDurable(redis: Redis, url: string, log: StateLog): Promise<void> {
  // Once per process and server: every replica of the stores would otherwise repeat it.
  if (warned.has(url)) return;
  warned.add(url);
  const [persistence, memory] = await Promise.all([redis.info('persistence'), redis.info('memory')]).catch(() => ['', '']);
  const field = (info: string, name: string) => new RegExp(`^${name}:(.*)$`, 'm').exec(info)?.[1]?.trim();
  if (field(persistence, 'aof_enabled') === '0') {
    log('state store: Redis runs without AOF (appendonly no): audit records acknowledged shortly before a Redis crash can be lost');
  }
  const policy = field(memory, 'maxmemory_policy');
  if (policy !== undefined && policy !== 'noeviction') {
    log(`state store: Redis maxmemory-policy is ${policy}: under memory pressure it may evict audit records and grants; use noeviction`);
  }
}
