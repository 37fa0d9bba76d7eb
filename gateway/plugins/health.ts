import fp from 'fastify-plugin';
import { healthRoutes } from '../http/health-routes.ts';
import { jwksRoute } from '../keys/index.ts';

/** `/healthz`, `/readyz`, `/metrics`, and the signing key's public half at `/.well-known/jwks.json`: no token needed. */
export const healthPlugin = fp(async (app) => {
  const { state } = app;
  await app.register(healthRoutes, {
    source: app.source, metrics: app.metrics, isServing: () => app.isServing(),
    readinessChecks: [async () => state.ping().then(() => null, () => `state store (${state.kind}) does not answer`)],
  });
  // The public half of the signing key, for subgraphs and anyone checking a signed checkpoint.
  await app.register(jwksRoute, { keySet: () => app.keys.keySet });
}, { name: 'govshare-health', dependencies: ['govshare-metrics', 'govshare-keys', 'govshare-records', 'govshare-supergraph', 'govshare-graphql'] });
