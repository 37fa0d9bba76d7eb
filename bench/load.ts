/**
 * A closed-loop load generator in its own process: CONCURRENCY clients each send the next request as
 * soon as the previous answer is read, for DURATION ms after a warm-up. Prints one JSON line.
 */
import { quantile } from './quantile.ts';

const url = process.env.LOAD_URL!;
const body = process.env.LOAD_BODIES!;
const headers = JSON.parse(process.env.LOAD_HEADERS ?? '{}') as Record<string, string>;
const concurrency = Number(process.env.LOAD_CONCURRENCY ?? 16);
const duration = Number(process.env.LOAD_DURATION_MS ?? 8000);
const warmup = Number(process.env.LOAD_WARMUP_MS ?? 2000);
const check = process.env.LOAD_EXPECT ?? '';
const bodies = JSON.parse(body) as string[];

async function run(ms: number, record: boolean) {
  const latencies: number[] = [];
  let errors = 0;
  let sample = '';
  let next = 0;
  const end = performance.now() + ms;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (performance.now() < end) {
      const started = performance.now();
      const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: bodies[next++ % bodies.length] });
      const text = await response.text();
      if (!record) continue;
      latencies.push(performance.now() - started);
      if (response.status !== 200 || text.includes('"errors"') || (check && !text.includes(check))) { errors++; sample ||= text.slice(0, 300); }
    }
  }));
  return { latencies, errors, sample };
}

await run(warmup, false);
const rssBefore = process.memoryUsage().rss;
const { latencies, errors, sample } = await run(duration, true);
latencies.sort((a, b) => a - b);
const pick = (q: number) => quantile(latencies, q);
process.stdout.write(`${JSON.stringify({
  requests: latencies.length, rps: latencies.length / (duration / 1000), errors, sample,
  p50: pick(0.5), p99: pick(0.99), loadRssMb: Math.round(Math.max(rssBefore, process.memoryUsage().rss) / 1e6),
})}\n`);
