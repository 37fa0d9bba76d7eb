import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface BenchProcess { child: ChildProcess; peakRssMb(): number; cpuSeconds(): number; stop(): Promise<void> }

/** Starts `bench/serve.ts <role>` and resolves once it prints READY. */
export function serve(role: string, env: Record<string, string> = {}): Promise<BenchProcess> {
  const flags = benchNodeFlags();
  const child = spawn(process.execPath, [...flags, '--import', 'tsx', 'bench/serve.ts', role], { env: { ...process.env, NODE_ENV: 'production', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${role} did not start: ${output.slice(-1000)}`)), 180_000);
    // Only the tail is kept: a gateway logs a line per request, for the whole run.
    const keep = (chunk: Buffer) => { output = (output + chunk).slice(-4000); };
    child.stdout!.on('data', (chunk: Buffer) => {
      keep(chunk);
      if (output.includes(`READY ${role}`)) { clearTimeout(timer); resolve(handle(child)); }
    });
    child.stderr!.on('data', keep);
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`${role} exited ${code}: ${output.slice(-1000)}`)); });
  });
}

function handle(child: ChildProcess): BenchProcess {
  return {
    child,
    peakRssMb: () => peakRssMb(child.pid!),
    cpuSeconds: () => cpuSeconds(child.pid!),
    stop: () => new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.removeAllListeners('exit');
      child.once('close', () => resolve());
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 3000).unref();
    }),
  };
}

/** Peak (VmHWM) and current (VmRSS) resident set of a live process, in MB, as the kernel counts them. */
export function memoryOf(pid: number): { peakMb: number; rssMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string) => Number(status.match(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm'))?.[1] ?? NaN);
  return { peakMb: Math.round(kb('VmHWM') / 1024), rssMb: Math.round(kb('VmRSS') / 1024) };
}

/** The process's peak resident set in MB; 0 once it is gone (an exited child not yet reaped has no VmHWM). */
export function peakRssMb(pid: number): number {
  try {
    const peak = memoryOf(pid).peakMb;
    return Number.isFinite(peak) ? peak : 0;
  } catch {
    return 0;
  }
}

/** User + system CPU time the process has used so far (clock ticks of /proc/<pid>/stat, at 100 Hz). */
export function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** `BENCH_NODE_FLAGS` (space-separated, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`) for the processes under measurement. */
function benchNodeFlags(): string[] {
  return process.env.BENCH_NODE_FLAGS ? process.env.BENCH_NODE_FLAGS.split(' ') : [];
}

/** Runs bench/load.ts in its own process and returns its JSON line. */
export function load(env: Record<string, string>): Promise<Record<string, any>> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/load.ts'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout!.on('data', (chunk) => { output += chunk; });
  return new Promise((resolve, reject) => child.on('close', (code) => {
    try { resolve(JSON.parse(output.trim().split('\n').at(-1)!)); } catch { reject(new Error(`load generator exited ${code}: ${output}`)); }
  }));
}

/** A script of this repository in its own Node process, its stdout and stderr collected. */
export interface ScriptChild { child: ChildProcess; output: () => string; exited: Promise<number | null> }

const REPO = new URL('..', import.meta.url).pathname;

/** Starts `node [flags] [BENCH_NODE_FLAGS] --import tsx <args>` in the repository with `env` added to this process's. */
export function startScript(args: string[], env: Record<string, string>, flags: readonly string[] = []): ScriptChild {
  const child = spawn(process.execPath, [...flags, ...benchNodeFlags(), '--import', 'tsx', ...args], { cwd: REPO, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk) => { output += chunk; });
  child.stderr!.on('data', (chunk) => { output += chunk; });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

/** Resolves with the first match of `pattern` in the child's output; throws if it exits or the time passes first. */
export async function waitForOutput(c: ScriptChild, pattern: RegExp, timeoutMs: number, what: string): Promise<RegExpMatchArray> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const match = c.output().match(pattern);
    if (match) return match;
    if (c.child.exitCode !== null) throw new Error(`${what} exited (${c.child.exitCode}):\n${c.output()}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${c.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** SIGTERM, then SIGKILL after 5 s; resolves once the child has exited. */
export async function stopScript(c: ScriptChild | null): Promise<void> {
  if (!c || c.child.exitCode !== null || c.child.signalCode !== null) return;
  c.child.kill('SIGTERM');
  const timer = setTimeout(() => c.child.kill('SIGKILL'), 5000);
  await c.exited;
  clearTimeout(timer);
}
