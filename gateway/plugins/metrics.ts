import fp from 'fastify-plugin';
import { createGatewayMetrics, type GatewayMetrics } from '../http/metrics.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** The gateway's Prometheus registry and its instruments. */
    metrics: GatewayMetrics;
  }
}

/** One metrics registry per gateway: two gateways in one process (tests) never share counters. */
export const metricsPlugin = fp(async (app) => {
  app.decorate('metrics', createGatewayMetrics());
}, { name: 'govshare-metrics' });
