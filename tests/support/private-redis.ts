import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from './plain-subgraph.ts';
import { waitFor } from './processes.ts';

export interface PrivateRedis { url: string; port: number; stop(): Promise<void>; start(): Promise<void> }

/** A redis-server of the test's own on a spare port, so it can be killed without touching anyone else's. */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  let child: ChildProcess | null = null;
  const start = async () => {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    const { Redis } = await import('ioredis');
    await waitFor(async () => {
      const probe = new Redis({ port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      probe.on('error', () => {});
      try { await probe.connect(); return (await probe.ping()) === 'PONG'; } finally { probe.disconnect(); }
    }, 10_000, `redis-server on ${port}`);
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    start,
    async stop() {
      const c = child as ChildProcess | null;
      if (!c || c.exitCode !== null || c.signalCode !== null) return;
      const exited = new Promise((resolve) => c.once('exit', resolve));
      c.kill('SIGKILL');
      await exited;
    },
  };
}
