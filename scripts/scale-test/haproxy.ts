/**
 * Debian's HAProxy for the scale test: installed when missing (the script runs as root on the project's
 * machines), started in the foreground on a config made from docker/haproxy.cfg, and asked for each
 * server's state through its stats page.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { localHaproxyConfig, type LocalAddresses } from './haproxy-config.ts';

export interface ServerState {
  status: string;
  retries: number;
  redispatches: number;
  /** Requests sent to it so far (stot), and in progress now (scur). */
  sessions: number;
  current: number;
}

export interface RunningHaproxy {
  url: string;
  version: string;
  /** Each server of `backend` by name, as the stats page says now. */
  servers(backend: string): Promise<Map<string, ServerState>>;
  stop(): Promise<void>;
}

/** `haproxy -v`'s version, after installing the package when there is none. */
export function ensureHaproxy(log: (message: string) => void): string {
  const version = () => spawnSync('haproxy', ['-v'], { encoding: 'utf8' });
  let found = version();
  if (found.error) {
    if (process.getuid?.() !== 0) throw new Error('haproxy is not installed: apt-get install haproxy (or run the scale test as root, which installs it)');
    log('installing haproxy (apt-get install haproxy)');
    const install = () => spawnSync('apt-get', ['install', '-y', '-qq', 'haproxy'], { encoding: 'utf8', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    // A machine whose package lists were never fetched knows no haproxy yet.
    if (install().status !== 0) {
      spawnSync('apt-get', ['update', '-qq'], { encoding: 'utf8' });
      const second = install();
      if (second.status !== 0) throw new Error(`apt-get install haproxy failed: ${second.stderr}`);
    }
    found = version();
  }
  return /HAProxy version (\S+)/.exec(found.stdout)?.[1] ?? 'unknown';
}

export async function startHaproxy(dir: string, addresses: LocalAddresses, version: string): Promise<RunningHaproxy> {
  const config = join(dir, 'haproxy.cfg');
  writeFileSync(config, localHaproxyConfig(readFileSync(new URL('../../docker/haproxy.cfg', import.meta.url), 'utf8'), addresses));
  const check = spawnSync('haproxy', ['-c', '-q', '-f', config], { encoding: 'utf8' });
  if (check.status !== 0) throw new Error(`haproxy -c refused the generated ${config}: ${check.stderr}${check.stdout}`);
  const child: ChildProcess = spawn('haproxy', ['-db', '-f', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer) => { output = (output + chunk).slice(-4000); };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const statsUrl = `http://${addresses.stats.host}:${addresses.stats.port}/stats;csv`;
  const servers = async (backend: string) => {
    const text = await (await fetch(statsUrl)).text();
    const [header, ...rows] = text.trim().split('\n');
    const columns = header!.replace(/^# /, '').split(',');
    const at = (row: string[], name: string) => row[columns.indexOf(name)] ?? '';
    const states = new Map<string, ServerState>();
    for (const row of rows.map((r) => r.split(','))) {
      if (at(row, 'pxname') !== backend || at(row, 'svname') === 'BACKEND') continue;
      states.set(at(row, 'svname'), { status: at(row, 'status'), retries: Number(at(row, 'wretr')), redispatches: Number(at(row, 'wredis')), sessions: Number(at(row, 'stot')), current: Number(at(row, 'scur')) });
    }
    return states;
  };
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`haproxy exited ${child.exitCode}: ${output}`);
    if (await fetch(statsUrl).then((r) => r.ok, () => false)) break;
    if (Date.now() > deadline) throw new Error(`haproxy's stats did not answer: ${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url: `http://${addresses.frontend.host}:${addresses.frontend.port}`,
    version,
    servers,
    stop: () => new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('close', () => resolve());
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 3000).unref();
    }),
  };
}
