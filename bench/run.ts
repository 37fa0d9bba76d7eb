/**
 * `npm run bench`: speed and memory, measured rather than asserted in timed tests.
 *   1. gateway throughput: govshare (all on) vs bare @apollo/gateway vs govshare with the policy layer off
 *   2. comparisons: 10,000 claims end to end against PostgreSQL with 1,000,000 persons, and the
 *      streaming CLI over 1,000,000 claims (BENCH_COMPARE_DATABASE_URL, default the local govshare_big,
 *      seeded with a million persons on first use: about 100 s)
 * Results go to bench/results/*.json. `npm run bench -- throughput` or `-- compare` runs one part.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { gatewayThroughput } from './gateway-throughput.ts';
import { ensureDatabase } from './databases.ts';

const only = process.argv[2];
mkdirSync('bench/results', { recursive: true });

/**
 * The throughput run puts the sample subgraphs on PostgreSQL when it can: with embedded PGlite the
 * database runs as WebAssembly inside the subgraph process that both gateways share, and that process,
 * not the gateways, then sets the pace. `BENCH_DATABASE_URL` or `DATABASE_URL` choose the server;
 * otherwise a `govshare_bench` database on the local server, created when missing.
 */
async function benchDatabaseUrl(): Promise<string | undefined> {
  if (process.env.BENCH_DATABASE_URL) return process.env.BENCH_DATABASE_URL;
  if (process.env.DATABASE_URL) return process.env.DATABASE_URL;
  const url = 'postgres://postgres@127.0.0.1:5432/govshare_bench';
  try {
    await ensureDatabase(url, 2000);
    return url;
  } catch {
    console.log('  (no local PostgreSQL: the subgraphs run on embedded PGlite, which bounds both gateways)');
    return undefined;
  }
}

if (!only || only === 'throughput') {
  console.log('gateway throughput (one query across five subgraphs, CONDITIONAL masked field, 16 concurrent clients)');
  const databaseUrl = await benchDatabaseUrl();
  if (databaseUrl) process.env.DATABASE_URL = databaseUrl;
  const outcome = await gatewayThroughput();
  writeFileSync('bench/results/gateway-throughput.json', JSON.stringify(outcome, null, 2));
  const { speedupOverBare, policyCost, gatewayCpuSpeedupOverBare, policyCpuCost, p99VersusBare, embeddedSpeedupOverBare } = outcome.summary as Record<string, number>;
  console.log(`  ${(outcome.summary as { headline: string }).headline} / bare @apollo/gateway: ${speedupOverBare!.toFixed(2)}× requests/s (target ≥ 1.5×); ${gatewayCpuSpeedupOverBare!.toFixed(2)}× less gateway CPU per request; p99 ${p99VersusBare!.toFixed(2)}× bare's (target ≤ 1)`);
  console.log(`  records in embedded PGlite / bare: ${embeddedSpeedupOverBare!.toFixed(2)}× requests/s`);
  console.log(`  policy layer cost vs policy off: ${(policyCost! * 100).toFixed(1)} % requests/s (target ≤ 5 %); ${(policyCpuCost! * 100).toFixed(1)} % gateway CPU per request`);
}

if (!only || only === 'compare') {
  console.log('\ncomparisons (bench/compare.ts)');
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/compare.ts', ...process.argv.slice(3)], { stdio: 'inherit' });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) process.exitCode = code ?? 1;
}
