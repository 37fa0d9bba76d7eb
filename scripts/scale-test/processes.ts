/**
 * The scale test's child processes: the repository's entry points run as `npm run start:*` runs them
 * (`node --import tsx`, NODE_ENV=production), their output's tail kept for the error message if one
 * does not start, and every one of them ended when the test ends, however it ends.
 */
import { spawn, type ChildProcess } from 'node:child_process';

export interface Started {
  name: string;
  child: ChildProcess;
  pid: number;
  /** The last few KB the process printed. */
  output(): string;
  exited(): boolean;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it is gone. */
  stop(graceMs?: number): Promise<void>;
  /** `kill -9`: no drain, sockets reset, requests in flight lost. */
  kill9(): Promise<void>;
}

const everything = new Set<Started>();

export function startScript(name: string, script: string, args: string[], env: Record<string, string>): Started {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    env: { ...process.env, NODE_ENV: 'production', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => { output = (output + chunk).slice(-6000); };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const started: Started = {
    name,
    child,
    pid: child.pid!,
    output: () => output,
    exited: () => child.exitCode !== null || child.signalCode !== null,
    async stop(graceMs = 8000) {
      everything.delete(started);
      if (started.exited()) return closed;
      child.kill('SIGTERM');
      const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await closed;
      clearTimeout(kill);
    },
    async kill9() {
      everything.delete(started);
      child.kill('SIGKILL');
      await closed;
    },
  };
  everything.add(started);
  return started;
}

/** Ends whatever is still running (the test failed half-way, or was interrupted). */
export async function stopEverything(): Promise<void> {
  await Promise.all([...everything].map((p) => p.stop(3000)));
}

/** Polls `check` until it is true; throws, naming `what` and the process's last output, when the time is up. */
export async function waitUntil(check: () => Promise<boolean>, timeoutMs: number, what: string, process_?: Started): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    if (process_?.exited()) throw new Error(`${process_.name} exited while waiting for ${what}:\n${process_.output()}`);
    if (await check().catch(() => false)) return Date.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${process_ ? `:\n${process_.output()}` : ''}`);
}
