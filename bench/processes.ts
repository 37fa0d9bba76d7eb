import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface BenchProcess { child: ChildProcess; peakRssMb(): number; cpuSeconds(): number; stop(): Promise<void> }

/** Starts `bench/serve.ts <role>` and resolves once it prints READY. */
export function serve(role: string, env: Record<string, string> = {}): Promise<BenchProcess> {
  const flags = process.env.BENCH_NODE_FLAGS ? process.env.BENCH_NODE_FLAGS.split(' ') : [];
  const child = spawn(process.execPath, [...flags, '--import', 'tsx', 'bench/serve.ts', role], { env: { ...process.env, NODE_ENV: 'production', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${role} did not start: ${output.slice(-1000)}`)), 180_000);
    child.stdout!.on('data', (chunk) => {
      output += chunk;
      if (output.includes(`READY ${role}`)) { clearTimeout(timer); resolve(handle(child)); }
    });
    child.stderr!.on('data', (chunk) => { output += chunk; });
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

/** The process's peak resident set in MB; 0 once it is gone. */
export function peakRssMb(pid: number): number {
  try {
    return memoryOf(pid).peakMb;
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

/** Runs bench/load.ts in its own process and returns its JSON line. */
export function load(env: Record<string, string>): Promise<Record<string, any>> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/load.ts'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout!.on('data', (chunk) => { output += chunk; });
  return new Promise((resolve, reject) => child.on('close', (code) => {
    try { resolve(JSON.parse(output.trim().split('\n').at(-1)!)); } catch { reject(new Error(`load generator exited ${code}: ${output}`)); }
  }));
}
