import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './ports.ts';

const run = promisify(execFile);

/** Whether redis-server and redis-cli are installed (CI installs them; a fresh machine may not have them). */
export function redisClusterAvailable(): boolean {
  return ['redis-server', 'redis-cli'].every((bin) => spawnSync(bin, ['--version'], { stdio: 'ignore' }).status === 0);
}

export interface ClusterNodeInfo {
  id: string;
  port: number;
  role: 'master' | 'replica';
  /** The master's id, for a replica. */
  masterId: string | null;
  failed: boolean;
  /** Slot ranges served, for a master: [first, last] inclusive. */
  slots: Array<[number, number]>;
}

export interface TestRedisCluster {
  ports: readonly number[];
  /** `REDIS_URL` in the cluster form: every node as a full URL, comma-separated, `first` (a port) first. */
  url(first?: number): string;
  /** Runs redis-cli against one node (`-c`: follows MOVED, for keys). */
  cli(port: number, args: readonly string[], follow?: boolean): Promise<string>;
  nodes(): Promise<ClusterNodeInfo[]>;
  /** The master serving `key`'s slot now. */
  masterOf(key: string): Promise<ClusterNodeInfo>;
  /** kill -9 of one node. */
  kill(port: number): Promise<void>;
  /** Until a replica serves `slot` as master and every live node says cluster_state:ok; the promoted node and how long it took. */
  waitForFailover(slot: number, lostPort: number, timeoutMs?: number): Promise<{ promoted: ClusterNodeInfo; ms: number }>;
  stop(): Promise<void>;
}

/**
 * A Redis Cluster of the test's own: 6 redis-server processes on spare ports in a temp folder, then
 * `redis-cli --cluster create … --cluster-replicas 1` (3 masters, a replica each). `nodeTimeoutMs` is
 * how long a master may be silent before its replica takes over (the failover's main cost).
 */
export async function startRedisCluster(options: { nodeTimeoutMs?: number } = {}): Promise<TestRedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'govshare-redis-cluster-'));
  // A node's bus port is its own spare port too (`--cluster-port`), not port + 10000 (maybe taken, maybe past 65535).
  const taken = new Set<number>();
  const spare = async () => {
    for (;;) {
      const port = await freePort();
      if (!taken.has(port)) { taken.add(port); return port; }
    }
  };
  const ports: number[] = [];
  const buses: number[] = [];
  for (let i = 0; i < 6; i++) { ports.push(await spare()); buses.push(await spare()); }
  const children = new Map<number, ChildProcess>();
  const stop = async () => {
    await Promise.all([...children.keys()].map((port) => kill(port)));
    rmSync(dir, { recursive: true, force: true });
  };
  const kill = async (port: number) => {
    const child = children.get(port);
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  };
  const cli = async (port: number, args: readonly string[], follow = false) =>
    (await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...(follow ? ['-c'] : []), ...args], { timeout: 5000 })).stdout.trim();
  const alive = () => ports.filter((port) => { const c = children.get(port); return c && c.exitCode === null && c.signalCode === null; });
  const nodes = async (): Promise<ClusterNodeInfo[]> => {
    let lastError: unknown;
    for (const port of alive()) {
      try { return parseClusterNodes(await cli(port, ['CLUSTER', 'NODES'])); } catch (error) { lastError = error; }
    }
    throw lastError ?? new Error('no redis node alive');
  };
  const keyslot = async (key: string) => Number(await cli(alive()[0]!, ['CLUSTER', 'KEYSLOT', key]));
  const ownerOf = (all: ClusterNodeInfo[], slot: number) =>
    all.find((n) => n.role === 'master' && !n.failed && n.slots.some(([a, b]) => slot >= a && slot <= b));

  try {
    for (let i = 0; i < 6; i++) {
      const port = ports[i]!;
      const child = spawn('redis-server', [
        '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--daemonize', 'no',
        '--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`, '--cluster-port', String(buses[i]!),
        '--cluster-node-timeout', String(options.nodeTimeoutMs ?? 1000),
      ], { stdio: 'ignore' });
      children.set(port, child);
    }
    for (const port of ports) await until(async () => (await cli(port, ['PING'])) === 'PONG', 5000, `redis-server on ${port}`);
    await run('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '1', '--cluster-yes'], { timeout: 30_000 });
    for (const port of ports) {
      await until(async () => (await cli(port, ['CLUSTER', 'INFO'])).includes('cluster_state:ok'), 20_000, `cluster_state:ok on ${port}`);
    }
    // Every replica in sync with its master: otherwise a failover has nothing to promote.
    await until(async () => {
      const all = await nodes();
      if (all.filter((n) => n.role === 'master').length !== 3 || all.filter((n) => n.role === 'replica').length !== 3) return false;
      for (const replica of all.filter((n) => n.role === 'replica')) {
        if (!(await cli(replica.port, ['INFO', 'replication'])).includes('master_link_status:up')) return false;
      }
      return true;
    }, 20_000, 'the replicas to sync');
  } catch (error) {
    await stop();
    throw error;
  }

  return {
    ports,
    url: (first) => [...(first ? [first] : []), ...ports.filter((p) => p !== first)].map((p) => `redis://127.0.0.1:${p}`).join(','),
    cli,
    nodes,
    async masterOf(key) {
      const slot = await keyslot(key);
      const owner = ownerOf(await nodes(), slot);
      if (!owner) throw new Error(`no master serves slot ${slot}`);
      return owner;
    },
    kill,
    async waitForFailover(slot, lostPort, timeoutMs = 30_000) {
      const started = Date.now();
      let promoted: ClusterNodeInfo | undefined;
      await until(async () => {
        const owner = ownerOf(await nodes(), slot);
        if (!owner || owner.port === lostPort) return false;
        for (const port of alive()) if (!(await cli(port, ['CLUSTER', 'INFO'])).includes('cluster_state:ok')) return false;
        promoted = owner;
        return true;
      }, timeoutMs, `a replica to take over slot ${slot}`, 20);
      return { promoted: promoted!, ms: Date.now() - started };
    },
    stop,
  };
}

/** `CLUSTER NODES`: `<id> <ip:port@bus> <flags> <master> <ping> <pong> <epoch> <link> <slot>…`. */
export function parseClusterNodes(text: string): ClusterNodeInfo[] {
  return text.split('\n').map((line) => line.trim()).filter(Boolean).map((line) => {
    const [id, address, flags, master, , , , , ...slots] = line.split(' ');
    const port = Number(address!.split('@')[0]!.split(':').pop());
    const flagList = flags!.split(',');
    return {
      id: id!,
      port,
      role: flagList.includes('master') ? 'master' as const : 'replica' as const,
      masterId: master === '-' ? null : master!,
      failed: flagList.includes('fail') || flagList.includes('fail?'),
      slots: slots.filter((s) => !s.startsWith('[')).map((s) => {
        const [a, b] = s.split('-');
        return [Number(a), Number(b ?? a)] as [number, number];
      }),
    };
  });
}

async function until(check: () => Promise<boolean>, timeoutMs: number, what: string, everyMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
