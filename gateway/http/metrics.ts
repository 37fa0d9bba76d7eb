import { Counter, Histogram, Registry } from 'prom-client';

/** The gateway's Prometheus metrics, one registry per gateway instance (no global state). */
export function createGatewayMetrics() {
  const registry = new Registry();
  return {
    registry,
    requests: new Counter({
      name: 'govshare_gateway_requests_total', help: 'GraphQL requests by HTTP status class',
      labelNames: ['status'], registers: [registry],
    }),
    duration: new Histogram({
      name: 'govshare_gateway_request_duration_seconds', help: 'GraphQL request duration',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5], registers: [registry],
    }),
    supergraphSwaps: new Counter({
      name: 'govshare_gateway_supergraph_swaps_total', help: 'Supergraphs served since start', registers: [registry],
    }),
  };
}
export type GatewayMetrics = ReturnType<typeof createGatewayMetrics>;
