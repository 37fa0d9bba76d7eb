import fp from 'fastify-plugin';
import { webRoutes } from '../web/web-routes.ts';
import type { ResolvedOptions } from './options.ts';

/** The playground and the catalog app, built assets only; the dev sign-in exists only with a generated JWT key. */
export const webPlugin = fp<ResolvedOptions>(async (app, { log }) => {
  // Dev sign-in only with the generated key: with a configured one it would mint real tokens for anyone.
  const devSecret = app.keys.tokens.generatedSecret;
  await app.register(webRoutes, { devTokens: devSecret !== null, ...(devSecret ? { jwtSecret: devSecret } : {}), departments: app.departments.departments, log });
}, { name: 'govshare-web', dependencies: ['govshare-keys', 'govshare-identity'] });
