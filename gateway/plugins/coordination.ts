import fp from 'fastify-plugin';
import { RateLimiter, type DepartmentRateLimiter } from '../http/rate-limit.ts';
import { SharedRateLimiter } from '../http/shared-rate-limit.ts';
import { GrantCache } from '../state/grant-cache.ts';
import type { ResolvedOptions } from './options.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** Grants per department, invalidated on every replica by the grant-change announcements. */
    grantCache: GrantCache;
    /** Requests per second per department: one bucket for all replicas with Redis, this replica's own without. */
    rateLimiter: DepartmentRateLimiter;
  }
}

/** What replicas share besides the records: the grant cache's invalidation and the rate limit. */
export const coordinationPlugin = fp<ResolvedOptions>(async (app, { config, log }) => {
  const grantCache = new GrantCache(app.state.grants);
  // With Redis one bucket per department for all replicas (fails open to this replica's own when Redis is away).
  const rateLimiter: DepartmentRateLimiter = config.redisUrl
    ? new SharedRateLimiter({ redisUrl: config.redisUrl, redisCluster: config.redisCluster, prefix: config.redisPrefix, ratePerSecond: config.rateLimit.perSecond, burst: config.rateLimit.burst, log })
    : new RateLimiter(config.rateLimit.perSecond, config.rateLimit.burst);
  app.decorate('grantCache', grantCache);
  app.decorate('rateLimiter', rateLimiter);
  app.addHook('onClose', async () => {
    grantCache.close();
    await rateLimiter.close?.();
  });
}, { name: 'govshare-coordination', dependencies: ['govshare-records'] });
