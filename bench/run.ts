/**
 * `npm run bench`: speed and memory, measured rather than asserted in timed tests.
 *   1. gateway throughput: govshare (all on) vs bare @apollo/gateway vs govshare with the policy layer off
 *   2. comparisons: 10,000 claims end to end against PostgreSQL with 1,000,000 persons, and the
 *      streaming CLI over 1,000,000 claims (needs DATABASE_URL or the local govshare_big database:
 *      `DATABASE_URL=postgres://…/govshare_big npm run seed -- --persons 1000000` first)
 * Results go to bench/results/*.json. `npm run bench -- throughput` or `-- compare` runs one part.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { gatewayThroughput } from './gateway-throughput.ts';

const only = process.argv[2];
mkdirSync('bench/results', { recursive: true });

if (!only || only === 'throughput') {
  console.log('gateway throughput (one query across five subgraphs, CONDITIONAL masked field, 16 concurrent clients)');
  const outcome = await gatewayThroughput();
  writeFileSync('bench/results/gateway-throughput.json', JSON.stringify(outcome, null, 2));
  const { speedupOverBare, policyCost, gatewayCpuSpeedupOverBare, policyCpuCost } = outcome.summary as Record<string, number>;
  console.log(`  govshare / bare @apollo/gateway: ${speedupOverBare!.toFixed(2)}× requests/s (target ≥ 1.5×); ${gatewayCpuSpeedupOverBare!.toFixed(2)}× less gateway CPU per request`);
  console.log(`  policy layer cost vs policy off: ${(policyCost! * 100).toFixed(1)} % requests/s (target ≤ 5 %); ${(policyCpuCost! * 100).toFixed(1)} % gateway CPU per request`);
}

if (!only || only === 'compare') {
  console.log('\ncomparisons (bench/compare.ts)');
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/compare.ts', ...process.argv.slice(3)], { stdio: 'inherit' });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) process.exitCode = code ?? 1;
}
