/**
 * Requests/s of one query across five subgraphs (population, legal-entity, credit, social-security,
 * e-license) reading a CONDITIONAL masked field, through:
 *   bare         @apollo/gateway, default settings, over plain subgraphs (no door, no enforcement)
 *   policy off   govshare without its policy layer (no analysis, authorisation, masking, audit)
 *   govshare     everything on: token, share rules and grants, masks, signed subgraph calls, audit write
 * Targets: govshare ≥ 1.5 × bare; the policy layer costs ≤ 5 % against policy off.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { issueDevToken } from '../gateway/identity/token-issuer.ts';
import { randomSecret } from '../gateway/keys/key-file.ts';
import { persons, DEFAULT_SAMPLE } from '../subgraphs/sample-data/index.ts';
import { load, serve } from './processes.ts';

const QUERY = `query Bench($id: ID!) { person(idNumber: $id) { name birthDate gender mobile dishonestDebtor
  enterprises { name creditRating insuredEmployeeCount licenses { type status } } } }`;
const gatewayUrl = `http://127.0.0.1:${process.env.BENCH_GATEWAY_PORT ?? 4300}/graphql`;
const duration = process.env.BENCH_DURATION_MS ?? '8000';
const concurrency = process.env.BENCH_CONCURRENCY ?? '16';

export async function gatewayThroughput(): Promise<Record<string, any>> {
  const ids: string[] = [];
  for (const p of persons(DEFAULT_SAMPLE)) { ids.push(p.idNumber); if (ids.length === 200) break; }
  const bodies = JSON.stringify(ids.map((id) => JSON.stringify({ query: QUERY, variables: { id } })));
  // This run's token key: the gateway processes (bench/serve.ts) inherit it through the environment.
  process.env.BENCH_JWT_SECRET ??= randomSecret();
  const headers = JSON.stringify({ authorization: `Bearer ${await issueDevToken({ department: 'tax', ttlSeconds: 3600, secret: process.env.BENCH_JWT_SECRET })}`, 'x-share-purpose': encodeURIComponent('基准测试') });

  const EMBEDDED = 'govshare, all on (records in PGlite)';
  const ON_SERVER = 'govshare, all on (records in PostgreSQL)';
  const scenarios: Array<{ name: string; subgraphs: string; gateway: string; env?: Record<string, string> }> = [
    { name: 'bare @apollo/gateway', subgraphs: 'subgraphs-bare', gateway: 'gateway-bare' },
    { name: 'govshare, policy off', subgraphs: 'subgraphs-govshare', gateway: 'gateway-policy-off' },
    { name: EMBEDDED, subgraphs: 'subgraphs-govshare', gateway: 'gateway-govshare' },
    // The deployment at scale: the records (audit log included) on the PostgreSQL server the subgraphs use.
    ...(process.env.DATABASE_URL ? [{ name: ON_SERVER, subgraphs: 'subgraphs-govshare', gateway: 'gateway-govshare', env: { BENCH_STATE_DATABASE_URL: process.env.DATABASE_URL } }] : []),
  ];
  // Scenarios alternate over several rounds and each reports its median: a single run per scenario
  // mostly measures what else the two cores were doing at that moment.
  const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
  const runs: Array<Record<string, any>> = [];
  for (let round = 1; round <= rounds; round++) for (const scenario of scenarios) {
    const subgraphs = await serve(scenario.subgraphs);
    const gateway = await serve(scenario.gateway, scenario.env);
    try {
      const cpuBefore = { gateway: gateway.cpuSeconds(), subgraphs: subgraphs.cpuSeconds() };
      const result = await load({ LOAD_URL: gatewayUrl, LOAD_BODIES: bodies, LOAD_HEADERS: headers, LOAD_DURATION_MS: duration, LOAD_CONCURRENCY: concurrency, LOAD_EXPECT: '"person":{' });
      // CPU per request (warm-up included in both): which process the throughput is bound by.
      const total = result.requests * (1 + Number(process.env.LOAD_WARMUP_MS ?? 2000) / Number(duration));
      const gatewayCpuMs = ((gateway.cpuSeconds() - cpuBefore.gateway) * 1000) / total;
      const subgraphsCpuMs = ((subgraphs.cpuSeconds() - cpuBefore.subgraphs) * 1000) / total;
      runs.push({ scenario: scenario.name, round, ...result, gatewayCpuMsPerRequest: gatewayCpuMs, subgraphsCpuMsPerRequest: subgraphsCpuMs,
        gatewayPeakRssMb: gateway.peakRssMb(), subgraphsPeakRssMb: subgraphs.peakRssMb() });
      process.stderr.write(`  [${round}] ${scenario.name.padEnd(38)} ${result.rps.toFixed(0).padStart(6)} req/s  p50 ${result.p50.toFixed(1)} ms  p99 ${result.p99.toFixed(1)} ms  cpu/request: gateway ${gatewayCpuMs.toFixed(2)} ms, subgraphs ${subgraphsCpuMs.toFixed(2)} ms  errors ${result.errors}${result.sample ? `  e.g. ${result.sample}` : ''}\n`);
    } finally {
      await gateway.stop();
      await subgraphs.stop();
    }
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;
  const results = scenarios.map((scenario) => {
    const mine = runs.filter((r) => r.scenario === scenario.name);
    return {
      scenario: scenario.name,
      rps: median(mine.map((r) => r.rps)),
      p50: median(mine.map((r) => r.p50)),
      p99: median(mine.map((r) => r.p99)),
      errors: mine.reduce((sum, r) => sum + r.errors, 0),
      gatewayCpuMsPerRequest: median(mine.map((r) => r.gatewayCpuMsPerRequest)),
      subgraphsCpuMsPerRequest: median(mine.map((r) => r.subgraphsCpuMsPerRequest)),
      gatewayPeakRssMb: Math.max(...mine.map((r) => r.gatewayPeakRssMb)),
      subgraphsPeakRssMb: Math.max(...mine.map((r) => r.subgraphsPeakRssMb)),
    };
  });
  for (const r of results) process.stderr.write(`  median ${r.scenario.padEnd(38)} ${r.rps.toFixed(0).padStart(6)} req/s  cpu/request: gateway ${r.gatewayCpuMsPerRequest.toFixed(2)} ms, subgraphs ${r.subgraphsCpuMsPerRequest.toFixed(2)} ms\n`);
  const rps = (name: string) => results.find((r) => r.scenario === name)?.rps ?? NaN;
  const p99 = (name: string) => results.find((r) => r.scenario === name)?.p99 ?? NaN;
  // The headline is the deployment with its records on a server when there is one; embedded is reported beside it.
  const headline = scenarios.some((s) => s.name === ON_SERVER) ? ON_SERVER : EMBEDDED;
  const summary = {
    headline,
    speedupOverBare: rps(headline) / rps('bare @apollo/gateway'),
    policyCost: 1 - rps(headline) / rps('govshare, policy off'),
    p99VersusBare: p99(headline) / p99('bare @apollo/gateway'),
    embeddedSpeedupOverBare: rps(EMBEDDED) / rps('bare @apollo/gateway'),
    targets: { speedupOverBare: '≥ 1.5', policyCost: '≤ 0.05', p99VersusBare: '≤ 1' },
  };
  const cpu = (name: string) => results.find((r) => r.scenario === name)?.gatewayCpuMsPerRequest ?? NaN;
  Object.assign(summary, {
    // The same comparison in gateway CPU per request, which depends less on the load on the machine.
    gatewayCpuSpeedupOverBare: cpu('bare @apollo/gateway') / cpu(headline),
    policyCpuCost: cpu(headline) / cpu('govshare, policy off') - 1,
  });
  return { query: QUERY, concurrency: Number(concurrency), durationMs: Number(duration), rounds, runs, results, summary };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const outcome = await gatewayThroughput();
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/gateway-throughput.json', JSON.stringify(outcome, null, 2));
  console.log(JSON.stringify(outcome.summary, null, 2));
}
