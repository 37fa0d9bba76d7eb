/**
 * `npm run bench`: speed and memory, measured rather than asserted in timed tests.
 *   1. gateway throughput: govshare (all on) vs bare @apollo/gateway vs govshare with the policy layer off
 *   2. comparisons: 10,000 claims end to end against PostgreSQL with 1,000,000 persons, and the
 *      streaming CLI over 1,000,000 claims (BENCH_COMPARE_DATABASE_URL, default the local govshare_big,
 *      seeded with a million persons on first use: about 100 s)
 *   3. start-up: `npm start` ready on a fresh and on a warm data folder, and the memory of everything it starts
 *   4. `-- audit-scale` only when named: the audit log at 10,000,000 records (bench/audit-scale.ts)
 * Results go to bench/results/*.json. `npm run bench -- throughput`, `-- compare` or `-- startup` runs one part.
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
  if (process.env.BENCH_DATABASE_URL) {
    // A benchmark's own database: created when missing, like the default one.
    await ensureDatabase(process.env.BENCH_DATABASE_URL, 2000);
    return process.env.BENCH_DATABASE_URL;
  }
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
  console.log('gateway throughput (lookup1, join5 and list50 through govshare, bare @apollo/gateway and Hive Gateway; 16 concurrent clients)');
  const databaseUrl = await benchDatabaseUrl();
  if (databaseUrl) process.env.DATABASE_URL = databaseUrl;
  const outcome = await gatewayThroughput();
  writeFileSync('bench/results/gateway-throughput.json', JSON.stringify(outcome, null, 2));
  const workloads = (outcome.summary as { workloads: Record<string, Record<string, number | string>> }).workloads;
  const x = (value: number | string | undefined) => (typeof value === 'number' && Number.isFinite(value) ? `${value.toFixed(2)}×` : '—');
  for (const [name, w] of Object.entries(workloads)) {
    console.log(`  ${name}: ${w.headline} / bare @apollo/gateway ${x(w.speedupOverBare)} requests/s (target ≥ 1.5×), / Hive Gateway ${x(w.speedupOverHive)} (≥ 1.2×), / Hive + router-runtime ${x(w.speedupOverHiveRouter)} (≥ 1×); `
      + `p99 ${x(w.p99VersusBare)} bare's (≤ 1); policy layer ${(100 * Number(w.policyCost)).toFixed(1)} % (≤ 5 %); ${x(w.gatewayCpuSpeedupOverBare)} less gateway CPU per request than bare`);
  }
}

if (!only || only === 'startup') {
  console.log('\nstart-up time and memory of npm start (bench/startup.ts)');
  const { startupBench, startupTable } = await import('./startup.ts');
  const result = await startupBench();
  writeFileSync('bench/results/startup.json', JSON.stringify(result, null, 2));
  console.log(startupTable(result));
}

// Only when named: seeding its 10,000,000-record log takes tens of minutes the first time.
if (only === 'audit-scale') {
  console.log('\nthe audit log at scale (bench/audit-scale.ts)');
  const { auditScale, auditScaleTable } = await import('./audit-scale.ts');
  const result = await auditScale();
  writeFileSync('bench/results/audit-scale.json', JSON.stringify(result, null, 2));
  console.log(auditScaleTable(result));
}

if (!only || only === 'compare') {
  console.log('\ncomparisons (bench/compare.ts)');
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/compare.ts', ...process.argv.slice(3)], { stdio: 'inherit' });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) process.exitCode = code ?? 1;
  console.log('\nsealed comparisons (bench/sealed-compare.ts)'); await (await import('./sealed-compare.ts')).sealedCompareBench();
}
