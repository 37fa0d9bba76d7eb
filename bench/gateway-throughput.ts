/**
 * Requests/s through each gateway over the same seven subgraphs and data (PostgreSQL), per workload:
 *   lookup1   one subgraph: `person { name birthDate gender }`
 *   join5     one query across five subgraphs (population, legal-entity, credit, social-security,
 *             e-license), six subgraph calls, reading a CONDITIONAL masked field (the headline)
 *   list50    a 50-entity batch with a nested list: `persons(50) { name birthDate enterprises { name creditRating } }`
 * and per gateway:
 *   bare         @apollo/gateway, default settings, over plain subgraphs (no door, no enforcement)
 *   Hive         Hive Gateway (JS planner) and Hive Gateway + router-runtime (Rust planner), defaults, same plain subgraphs
 *   policy off   govshare without its policy layer (no analysis, authorisation, masking, audit)
 *   govshare     everything on: token, share rules and grants, masks, signed subgraph calls, audit write
 * Targets: govshare ≥ 1.5 × bare and ≥ 1.2 × Hive; the policy layer costs ≤ 5 % against policy off.
 * BENCH_WORKLOADS=join5,lookup1 chooses workloads (default all three), BENCH_ROUNDS the rounds (3).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { issueDevToken } from '../gateway/identity/token-issuer.ts';
import { randomSecret } from '../gateway/keys/key-file.ts';
import { persons } from '../subgraphs/sample-data/index.ts';
import { benchSample } from './sample.ts';
import { load, serve } from './processes.ts';

const JOIN5 = `query Bench($id: ID!) { person(idNumber: $id) { name birthDate gender mobile dishonestDebtor
  enterprises { name creditRating insuredEmployeeCount licenses { type status } } } }`;
const LOOKUP1 = 'query Lookup($id: ID!) { person(idNumber: $id) { name birthDate gender } }';
const LIST50 = 'query Batch($ids: [ID!]!) { persons(idNumbers: $ids) { name birthDate enterprises { name creditRating } } }';
const gatewayUrl = `http://127.0.0.1:${process.env.BENCH_GATEWAY_PORT ?? 4300}/graphql`;
const duration = process.env.BENCH_DURATION_MS ?? '8000';
const concurrency = process.env.BENCH_CONCURRENCY ?? '16';

interface Workload { name: string; query: string; bodies: string[]; expect: string }

function workloads(): Workload[] {
  const ids: string[] = [];
  for (const p of persons(benchSample())) { ids.push(p.idNumber); if (ids.length === 400) break; }
  const one = (query: string) => ids.slice(0, 200).map((id) => JSON.stringify({ query, variables: { id } }));
  const all: Workload[] = [
    { name: 'join5', query: JOIN5, bodies: one(JOIN5), expect: '"person":{' },
    { name: 'lookup1', query: LOOKUP1, bodies: one(LOOKUP1), expect: '"person":{' },
    { name: 'list50', query: LIST50, bodies: Array.from({ length: 8 }, (_, i) => JSON.stringify({ query: LIST50, variables: { ids: ids.slice(i * 50, i * 50 + 50) } })), expect: '"persons":[{' },
  ];
  const chosen = (process.env.BENCH_WORKLOADS ?? 'join5,lookup1,list50').split(',').map((w) => w.trim());
  return all.filter((w) => chosen.includes(w.name));
}

export async function gatewayThroughput(): Promise<Record<string, any>> {
  // This run's token key: the gateway processes (bench/serve.ts) inherit it through the environment.
  process.env.BENCH_JWT_SECRET ??= randomSecret();
  const headers = JSON.stringify({ authorization: `Bearer ${await issueDevToken({ department: 'tax', ttlSeconds: 3600, secret: process.env.BENCH_JWT_SECRET })}`, 'x-share-purpose': encodeURIComponent('基准测试') });

  const HIVE = 'Hive Gateway';
  const HIVE_ROUTER = 'Hive Gateway + router-runtime';
  const EMBEDDED = 'govshare, all on (records in PGlite)';
  const ON_SERVER = 'govshare, all on (records in PostgreSQL)';
  const ES256 = 'reference: the same, signing with ES256';
  const NO_DOOR = 'reference: the same, subgraphs without door';
  const scenarios: Array<{ name: string; subgraphs: string; gateway: string; env?: Record<string, string> }> = [
    { name: 'bare @apollo/gateway', subgraphs: 'subgraphs-bare', gateway: 'gateway-bare' },
    ...(process.env.BENCH_PEERS !== '0' ? [
      { name: HIVE, subgraphs: 'subgraphs-bare', gateway: 'gateway-hive' },
      { name: HIVE_ROUTER, subgraphs: 'subgraphs-bare', gateway: 'gateway-hive-router' },
    ] : []),
    { name: 'govshare, policy off', subgraphs: 'subgraphs-govshare', gateway: 'gateway-policy-off' },
    { name: EMBEDDED, subgraphs: 'subgraphs-govshare', gateway: 'gateway-govshare' },
    // The deployment at scale: the records (audit log included) on the PostgreSQL server the subgraphs use.
    ...(process.env.DATABASE_URL ? [{ name: ON_SERVER, subgraphs: 'subgraphs-govshare', gateway: 'gateway-govshare', env: { BENCH_STATE_DATABASE_URL: process.env.DATABASE_URL } }] : []),
    // For reference, not targets: where the v1.1 door's cost goes. The same deployment signing with ES256
    // (CONTRACT §3 allows it), and over the plain subgraphs, which verify nothing (what the subgraphs'
    // signature check and @share enforcement cost the shared cores).
    ...(process.env.DATABASE_URL && process.env.BENCH_REFERENCE !== '0' ? [
      { name: ES256, subgraphs: 'subgraphs-govshare', gateway: 'gateway-govshare', env: { BENCH_STATE_DATABASE_URL: process.env.DATABASE_URL, BENCH_SIGNING: 'ES256' } },
      { name: NO_DOOR, subgraphs: 'subgraphs-bare', gateway: 'gateway-govshare', env: { BENCH_STATE_DATABASE_URL: process.env.DATABASE_URL } },
    ] : []),
  ];
  // Scenarios alternate over several rounds and each reports its median: a single run per scenario
  // mostly measures what else the two cores were doing at that moment. A scenario's processes serve
  // every workload of the round in turn.
  const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
  const chosen = workloads();
  const runs: Array<Record<string, any>> = [];
  for (let round = 1; round <= rounds; round++) for (const scenario of scenarios) {
    // The subgraphs get the scenario's environment too: they must trust the key the gateway signs with.
    const subgraphs = await serve(scenario.subgraphs, scenario.env);
    const gateway = await serve(scenario.gateway, scenario.env);
    try {
      for (const workload of chosen) {
        const cpuBefore = { gateway: gateway.cpuSeconds(), subgraphs: subgraphs.cpuSeconds() };
        const result = await load({ LOAD_URL: gatewayUrl, LOAD_BODIES: JSON.stringify(workload.bodies), LOAD_HEADERS: headers, LOAD_DURATION_MS: duration, LOAD_CONCURRENCY: concurrency, LOAD_EXPECT: workload.expect });
        // CPU per request (warm-up included in both): which process the throughput is bound by.
        const total = result.requests * (1 + Number(process.env.LOAD_WARMUP_MS ?? 2000) / Number(duration));
        const gatewayCpuMs = ((gateway.cpuSeconds() - cpuBefore.gateway) * 1000) / total;
        const subgraphsCpuMs = ((subgraphs.cpuSeconds() - cpuBefore.subgraphs) * 1000) / total;
        runs.push({ workload: workload.name, scenario: scenario.name, round, ...result, gatewayCpuMsPerRequest: gatewayCpuMs, subgraphsCpuMsPerRequest: subgraphsCpuMs,
          gatewayPeakRssMb: gateway.peakRssMb(), subgraphsPeakRssMb: subgraphs.peakRssMb() });
        process.stderr.write(`  [${round}] ${workload.name.padEnd(8)} ${scenario.name.padEnd(42)} ${result.rps.toFixed(0).padStart(6)} req/s  p50 ${result.p50.toFixed(1)} ms  p99 ${result.p99.toFixed(1)} ms  cpu/request: gateway ${gatewayCpuMs.toFixed(2)} ms, subgraphs ${subgraphsCpuMs.toFixed(2)} ms  errors ${result.errors}${result.sample ? `  e.g. ${result.sample}` : ''}\n`);
      }
    } finally {
      await gateway.stop();
      await subgraphs.stop();
    }
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;
  const results = chosen.flatMap((workload) => scenarios.map((scenario) => {
    const mine = runs.filter((r) => r.scenario === scenario.name && r.workload === workload.name);
    return {
      workload: workload.name,
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
  }));
  for (const r of results) process.stderr.write(`  median ${r.workload.padEnd(8)} ${r.scenario.padEnd(42)} ${r.rps.toFixed(0).padStart(6)} req/s  p99 ${r.p99.toFixed(1)} ms  cpu/request: gateway ${r.gatewayCpuMsPerRequest.toFixed(2)} ms, subgraphs ${r.subgraphsCpuMsPerRequest.toFixed(2)} ms\n`);
  // The headline is the deployment with its records on a server when there is one; embedded is reported beside it.
  const headline = scenarios.some((s) => s.name === ON_SERVER) ? ON_SERVER : EMBEDDED;
  const summaries = Object.fromEntries(chosen.map((workload) => {
    const of = (name: string) => results.find((r) => r.workload === workload.name && r.scenario === name);
    const rps = (name: string) => of(name)?.rps ?? NaN;
    const cpu = (name: string) => of(name)?.gatewayCpuMsPerRequest ?? NaN;
    return [workload.name, {
      headline,
      speedupOverBare: rps(headline) / rps('bare @apollo/gateway'),
      speedupOverHive: rps(headline) / rps(HIVE),
      speedupOverHiveRouter: rps(headline) / rps(HIVE_ROUTER),
      policyCost: 1 - rps(headline) / rps('govshare, policy off'),
      p99VersusBare: (of(headline)?.p99 ?? NaN) / (of('bare @apollo/gateway')?.p99 ?? NaN),
      embeddedSpeedupOverBare: rps(EMBEDDED) / rps('bare @apollo/gateway'),
      es256SpeedupOverBare: rps(ES256) / rps('bare @apollo/gateway'),
      withoutDoorSpeedupOverBare: rps(NO_DOOR) / rps('bare @apollo/gateway'),
      // The same comparison in gateway CPU per request, which depends less on the load on the machine.
      gatewayCpuSpeedupOverBare: cpu('bare @apollo/gateway') / cpu(headline),
      policyCpuCost: cpu(headline) / cpu('govshare, policy off') - 1,
    }];
  }));
  const summary = {
    ...(summaries.join5 ?? Object.values(summaries)[0]),
    workloads: summaries,
    targets: { speedupOverBare: '≥ 1.5', speedupOverHive: '≥ 1.2', speedupOverHiveRouter: '≥ 1', policyCost: '≤ 0.05', p99VersusBare: '≤ 1' },
  };
  return { queries: Object.fromEntries(chosen.map((w) => [w.name, w.query])), concurrency: Number(concurrency), durationMs: Number(duration), rounds, runs, results, summary };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const outcome = await gatewayThroughput();
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/gateway-throughput.json', JSON.stringify(outcome, null, 2));
  console.log(JSON.stringify(outcome.summary, null, 2));
}
