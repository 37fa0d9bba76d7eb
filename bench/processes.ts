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

/** VmHWM: the process's peak resident set, as the kernel counted it. */
export function peakRssMb(pid: number): number {
  try {
    const match = readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmHWM:\s+(\d+) kB/);
    return match ? Math.round(Number(match[1]) / 1024) : 0;
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
