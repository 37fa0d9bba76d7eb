/**
 * The scale test's steady load, in its own process (as bench/load.ts): SCALE_LOAD_CONCURRENCY clients,
 * each sending its next request SCALE_LOAD_THINK_MS after the previous answer was read, through HAProxy,
 * until SIGTERM. The pause keeps the load below what the machine can do: a replica being restarted must
 * get CPU, as a new pod gets a node's, rather than queue behind a saturating load on two shared cores.
 * Prints one JSON line per failed request as it happens (`{ "failure": { at, startedAt, status, what } }`),
 * one a second with the counts so far (`{ "tick": … }`), and a summary line when it stops. Times are epoch milliseconds, comparable with the orchestrator's.
 */
import { quantile } from '../../bench/quantile.ts';

const url = process.env.SCALE_LOAD_URL!;
const body = process.env.SCALE_LOAD_BODY!;
const headers = JSON.parse(process.env.SCALE_LOAD_HEADERS ?? '{}') as Record<string, string>;
const expect = process.env.SCALE_LOAD_EXPECT ?? '';
const concurrency = Number(process.env.SCALE_LOAD_CONCURRENCY ?? 8);
const thinkMs = Number(process.env.SCALE_LOAD_THINK_MS ?? 0);

let stopping = false;
process.once('SIGTERM', () => { stopping = true; });

const latencies: number[] = [];
let failed = 0;
const started = Date.now();

async function client(): Promise<void> {
  while (!stopping) {
    const startedAt = Date.now();
    const clock = performance.now();
    let status = 0;
    let what = '';
    try {
      const response = await fetch(url, {
        method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body, signal: AbortSignal.timeout(15_000),
      });
      status = response.status;
      const text = await response.text();
      if (status !== 200 || !text.includes(expect) || text.includes('"errors"')) what = text.slice(0, 200);
    } catch (error) {
      what = (error as Error).cause ? String((error as Error & { cause: Error }).cause.message ?? (error as Error).cause) : (error as Error).message;
    }
    latencies.push(performance.now() - clock);
    if (what) {
      failed++;
      process.stdout.write(`${JSON.stringify({ failure: { at: Date.now(), startedAt, status, what } })}\n`);
    }
    if (thinkMs > 0) await new Promise((resolve) => setTimeout(resolve, thinkMs));
  }
}

const ticker = setInterval(() => process.stdout.write(`${JSON.stringify({ tick: { at: Date.now(), requests: latencies.length, failed } })}\n`), 1000);
await Promise.all(Array.from({ length: concurrency }, client));
clearInterval(ticker);
const seconds = (Date.now() - started) / 1000;
latencies.sort((a, b) => a - b);
const pick = (q: number) => Math.round(quantile(latencies, q) * 10) / 10;
process.stdout.write(`${JSON.stringify({
  summary: { requests: latencies.length, failed, seconds, rps: Math.round(latencies.length / seconds), p50: pick(0.5), p99: pick(0.99), concurrency, thinkMs },
})}\n`);
