import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { AuditLog } from '../state/types.ts';

/** The gateway's Prometheus metrics, one registry per gateway instance (no global state). */
export function createGatewayMetrics() {
  const registry = new Registry();
  // process_cpu_seconds_total, process_resident_memory_bytes, nodejs_eventloop_lag_seconds, … beside the gateway's own.
  collectDefaultMetrics({ register: registry });
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
    denials: new Counter({
      name: 'govshare_gateway_denials_total', help: 'Requests refused, by CONTRACT §8 code',
      labelNames: ['code'], registers: [registry],
    }),
    auditWrite: new Histogram({
      name: 'govshare_gateway_audit_write_seconds', help: 'Time from an audit append to its commit (group commit included)',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers: [registry],
    }),
    subgraphCall: new Histogram({
      name: 'govshare_gateway_subgraph_call_seconds', help: 'Subgraph call duration (queue wait included), by subgraph',
      labelNames: ['subgraph'], buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers: [registry],
    }),
    supergraphSwaps: new Counter({
      name: 'govshare_gateway_supergraph_swaps_total', help: 'Supergraphs served since start', registers: [registry],
    }),
    // The audit chain as this replica last checked it (gateway/audit/chain-watch.ts): an alert rule wants
    // `govshare_audit_chain_intact == 0`, and a check time that stops moving.
    auditChainIntact: withValue(new Gauge({
      name: 'govshare_audit_chain_intact', help: 'Whether the last check found the audit chain intact against its signed checkpoints (1) or broken (0); NaN before the first check', registers: [registry],
    }), NaN),
    auditChainChecked: new Gauge({
      name: 'govshare_audit_chain_checked_timestamp_seconds', help: 'When the audit chain was last checked to the end (intact or broken)', registers: [registry],
    }),
    auditChainChecks: new Counter({
      name: 'govshare_audit_chain_checks_total', help: 'Checks of the audit chain, by result (intact, broken, failed: the records could not be read)',
      labelNames: ['result'], registers: [registry],
    }),
  };
}
export type GatewayMetrics = ReturnType<typeof createGatewayMetrics>;

/** An unlabelled gauge reads 0 until set: for the chain, 0 is the alarm, so it starts at NaN instead. */
function withValue(gauge: Gauge, value: number): Gauge {
  gauge.set(value);
  return gauge;
}

/** The audit log with each append timed into `govshare_gateway_audit_write_seconds`; everything else passed through. */
export function timedAuditLog(audit: AuditLog, histogram: Histogram): AuditLog {
  return {
    async append(entry) {
      const stop = histogram.startTimer();
      try {
        return await audit.append(entry);
      } finally {
        stop();
      }
    },
    page: (query) => audit.page(query),
    verify: (options) => audit.verify(options),
    withVerifyLease: (work) => audit.withVerifyLease(work),
    get checkpoints() { return audit.checkpoints; },
    get subjects() { return audit.subjects; },
    onCommitted: (listener) => audit.onCommitted(listener),
    counts: (departments) => audit.counts(departments),
  };
}
