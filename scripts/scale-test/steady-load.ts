/**
 * Runs load.ts against HAProxy for the whole scale test and keeps what it reports: each failed request
 * with its send and answer times, the running count, and the summary once stopped.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface Failure { at: number; startedAt: number; status: number; what: string }
export interface Tick { at: number; requests: number; failed: number }
export interface LoadSummary { requests: number; failed: number; seconds: number; rps: number; p50: number; p99: number; concurrency: number; thinkMs: number }

export interface SteadyLoad {
  failures: Failure[];
  /** The latest running count (once a second). */
  latest(): Tick | undefined;
  stop(): Promise<LoadSummary>;
}

export function startLoad(env: Record<string, string>): SteadyLoad {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/scale-test/load.ts'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  const failures: Failure[] = [];
  let tick: Tick | undefined;
  let summary: LoadSummary | undefined;
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const message = JSON.parse(line) as { failure?: Failure; tick?: Tick; summary?: LoadSummary };
    if (message.failure) failures.push(message.failure);
    if (message.tick) tick = message.tick;
    if (message.summary) summary = message.summary;
  });
  const closed = new Promise<number | null>((resolve) => child.once('close', resolve));
  return {
    failures,
    latest: () => tick,
    async stop() {
      child.kill('SIGTERM');
      const code = await closed;
      if (!summary) throw new Error(`the load generator exited ${code} without a summary`);
      return summary;
    },
  };
}
