import { Cluster, Redis, type RedisOptions } from 'ioredis';

/** Either client: the callers use only commands both have (and `defineCommand`, `status`, `quit`). */
export type RedisClient = Redis | Cluster;

/**
 * Where Redis is, read from `REDIS_URL` and `REDIS_CLUSTER`. One `redis://` (or `rediss://`) URL is one
 * server; a Redis Cluster is several full URLs separated by commas, any few of its nodes (the client
 * discovers the others): `redis://10.0.0.1:7000,redis://10.0.0.2:7000,redis://10.0.0.3:7000`. One URL with
 * `REDIS_CLUSTER=true` is a cluster too (a single start-up node).
 */
export interface RedisTarget {
  readonly urls: readonly string[];
  readonly cluster: boolean;
}

export interface RedisNodeAddress { host: string; port: number }

/** How one user of Redis wants its connection to behave when Redis is slow or away. */
export interface RedisTuning {
  /** Shown by CLIENT LIST as `govshare-<role>`. */
  role: string;
  /** A command not answered within this many ms is failed; what a failure means is the caller's. */
  commandTimeoutMs: number;
  connectTimeoutMs: number;
  /** While the server (every node of a cluster) is unreachable, it is tried again this often, for ever. */
  reconnectEveryMs: number;
  /**
   * Whether a command whose connection dropped is sent once more after the reconnect (1) or fails (0);
   * on a cluster, whether it is retried on the node that took over (its answer may have been lost after
   * it was executed: a SET NX sent twice would look like a replay).
   */
  maxRetriesPerRequest: number;
}

/** `REDIS_CLUSTER`: unset is "decide by the number of URLs"; anything but true/false stops the start-up. */
export function redisClusterFlag(value: string | undefined): boolean | undefined {
  const text = value?.trim().toLowerCase();
  if (!text) return undefined;
  if (text === 'true' || text === '1') return true;
  if (text === 'false' || text === '0') return false;
  throw new Error(`REDIS_CLUSTER: "${value}" is not true or false`);
}

/** Checks the setting's form at start-up, naming the variable, rather than at the first command. */
export function redisTarget(setting: string, cluster?: boolean): RedisTarget {
  const urls = setting.split(',').map((part) => part.trim()).filter(Boolean);
  if (urls.length === 0) throw new Error('REDIS_URL is empty');
  const parsed = urls.map(parseRedisUrl);
  if (urls.length > 1 && cluster === false) {
    throw new Error('REDIS_URL names several nodes but REDIS_CLUSTER=false: several nodes are one Redis Cluster\'s start-up nodes');
  }
  const isCluster = cluster ?? urls.length > 1;
  if (isCluster) {
    const [first] = parsed;
    for (const url of parsed) {
      // One set of credentials for all nodes: the nodes the client discovers get the first URL's.
      if (url.username !== first!.username || url.password !== first!.password || url.protocol !== first!.protocol) {
        throw new Error('REDIS_URL: every node of a Redis Cluster needs the same scheme, user and password');
      }
      if (url.pathname.length > 1 && url.pathname !== '/0') throw new Error(`REDIS_URL: a Redis Cluster has database 0 only, not ${url.pathname.slice(1)}`);
    }
  }
  return { urls, cluster: isCluster };
}

// `REDIS_URL` / `REDIS_CLUSTER` are read by the configs (gateway/config.ts, subgraphs/config.ts) with these.

function parseRedisUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`REDIS_URL: "${text}" is not a URL (one server: redis://host:6379; a cluster: redis://h1:7000,redis://h2:7000,…)`);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new Error(`REDIS_URL: "${text}" is not a redis:// or rediss:// URL (a cluster's nodes are full URLs: redis://h1:7000,redis://h2:7000,…)`);
  }
  return url;
}

/** How a command that met a failover is retried: every 100 ms, on a refreshed slot map, until its timeout. */
const CLUSTER_RETRY_DELAY_MS = 100;

/**
 * The one place a Redis client is made. Not connected yet: call `connect()`. Fails fast either way:
 * no offline queue (while Redis is away a command rejects at once), every command bounded by
 * `commandTimeoutMs`, and reconnecting in the background so the caller recovers by itself.
 *
 * On a cluster: every command goes to the master of its key's slot (`scaleReads: 'master'`: the
 * replay cache's SET NX and the token bucket must see the latest write, not a replica's lag). A
 * command the cluster refused (CLUSTERDOWN, TRYAGAIN, MOVED) is retried on the refreshed slot map;
 * one whose master went away mid-command only when `maxRetriesPerRequest` allows a resend. Either way
 * the retries stop at about the command's timeout, so nothing is executed long after it was reported
 * failed.
 */
export function createRedisClient(target: RedisTarget, tuning: RedisTuning): RedisClient {
  const common = {
    connectionName: `govshare-${tuning.role}`,
    maxRetriesPerRequest: tuning.maxRetriesPerRequest,
    // A command reported as failed is not sent again later, when it no longer matters or would count twice.
    autoResendUnfulfilledCommands: false,
    commandTimeout: tuning.commandTimeoutMs,
    connectTimeout: tuning.connectTimeoutMs,
  } satisfies RedisOptions;
  if (!target.cluster) {
    return new Redis(target.urls[0]!, { ...common, lazyConnect: true, enableOfflineQueue: false, retryStrategy: () => tuning.reconnectEveryMs });
  }
  const cluster = new Cluster([...target.urls], {
    lazyConnect: true,
    scaleReads: 'master',
    enableOfflineQueue: false,
    enableReadyCheck: true,
    // Every node unreachable: try the start-up nodes again at the single server's pace, for ever.
    clusterRetryStrategy: () => tuning.reconnectEveryMs,
    retryDelayOnFailover: tuning.maxRetriesPerRequest > 0 ? CLUSTER_RETRY_DELAY_MS : 0,
    // Not executed (the cluster said no): safe to retry for any command.
    retryDelayOnClusterDown: CLUSTER_RETRY_DELAY_MS,
    retryDelayOnTryAgain: CLUSTER_RETRY_DELAY_MS,
    maxRedirections: Math.max(4, Math.ceil(tuning.commandTimeoutMs / CLUSTER_RETRY_DELAY_MS) + 1),
    // At least 2 s: a start-up that keeps the event loop busy for a second must not count as an outage.
    slotsRefreshTimeout: Math.max(2_000, tuning.connectTimeoutMs),
    // Besides each MOVED and each lost node: a promoted replica is found within this even when idle.
    slotsRefreshInterval: 2_000,
    redisOptions: { ...common, ...nodeCredentials(target) },
  });
  // ioredis opens a node's connection at its first command, and without an offline queue refuses the
  // commands that meet it still connecting: a burst at a new node would fail as if Redis were away. So
  // each node is connected as soon as the cluster is ready (a promoted replica is one of them) or, later,
  // as soon as it is found. Not before ready: the ready check itself would meet them connecting.
  const warm = (node: Redis) => {
    if (node.status === 'wait') node.connect().catch(() => {});
  };
  cluster.on('ready', () => { for (const node of cluster.nodes('all')) warm(node); });
  cluster.on('+node', (node: Redis) => { if (cluster.status === 'ready') warm(node); });
  return cluster;
}

/** How long a cluster may take to be ready at start-up (e.g. while a failover completes) before the start fails. */
const CLUSTER_READY_TIMEOUT_MS = 5_000;

/**
 * Connects a client made by `createRedisClient`; rejects when Redis does not answer now (it keeps
 * reconnecting in the background: `closeRedisClient` stops it). A cluster resolves once it is ready and
 * its nodes are connected; ioredis' own promise never settles when the cluster's ready check fails
 * (CLUSTERDOWN, mid-failover), so the 'ready' event is awaited instead, CLUSTER_READY_TIMEOUT_MS at most.
 */
export async function connectRedisClient(client: RedisClient): Promise<void> {
  if (!(client instanceof Cluster)) {
    await client.connect();
    return;
  }
  await new Promise<void>((resolve, reject) => {
    let lastError: Error | null = null;
    const settle = (error?: Error) => {
      clearTimeout(timer);
      client.off('ready', onReady);
      if (error) reject(error);
      else resolve();
    };
    const onReady = () => settle();
    // A first attempt that failed is tried again (clusterRetryStrategy): only the deadline gives up.
    const timer = setTimeout(() => settle(new Error(`the Redis Cluster is not ready after ${CLUSTER_READY_TIMEOUT_MS} ms${lastError ? ` (${lastError.message})` : ''}`)), CLUSTER_READY_TIMEOUT_MS);
    client.once('ready', onReady);
    client.connect().catch((error: Error) => { lastError = error; });
  });
  // Each node answers (or is given up on after the command timeout) before the first command is sent.
  await Promise.all(client.nodes('all').map((node) => node.ping().catch(() => undefined)));
}

/**
 * A connection to one server, or to one node of a cluster, that does not reconnect by itself (it ends
 * instead): for a subscriber that chooses the next node itself (`nodesOf`).
 */
export function createNodeConnection(target: RedisTarget, node: RedisNodeAddress | null, tuning: RedisTuning): Redis {
  const options = {
    connectionName: `govshare-${tuning.role}`,
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    commandTimeout: tuning.commandTimeoutMs,
    connectTimeout: tuning.connectTimeoutMs,
    retryStrategy: () => null,
  } satisfies RedisOptions;
  if (!target.cluster || !node) return new Redis(target.urls[0]!, options);
  return new Redis({ ...options, ...nodeCredentials(target), host: node.host, port: node.port });
}

/**
 * The nodes a subscriber may listen on, the start-up nodes first (in the order given), then those the
 * client has discovered since (a promoted replica, a node added later). One server: just itself (null).
 */
export function nodesOf(target: RedisTarget, client: RedisClient): Array<RedisNodeAddress | null> {
  if (!target.cluster) return [null];
  const seen = new Set<string>();
  const nodes: RedisNodeAddress[] = [];
  const add = (host: string, port: number) => {
    const key = `${host}:${port}`;
    if (seen.has(key)) return;
    seen.add(key);
    nodes.push({ host, port });
  };
  for (const text of target.urls) {
    const url = new URL(text);
    add(url.hostname.replace(/^\[|\]$/g, ''), Number(url.port || 6379));
  }
  if (client instanceof Cluster) {
    for (const node of client.nodes('all')) add(node.options.host ?? '127.0.0.1', node.options.port ?? 6379);
  }
  return nodes;
}

/**
 * Calls `listener` when the client's 'error' event means Redis is away. A cluster that is still ready
 * also reports a failed refresh of its slot map that way (retried by itself; the commands still
 * flow), and each lost node as 'node error' (its slots' commands fail, and say so themselves).
 */
export function onRedisDown(client: RedisClient, listener: (error: Error) => void): void {
  client.on('error', (error: Error) => {
    if (client instanceof Cluster && client.status === 'ready') return;
    listener(error);
  });
  client.on('node error', () => {});
}

/** Closes a client whether or not Redis is there (QUIT needs a live connection; disconnect does not). */
export async function closeRedisClient(client: RedisClient): Promise<void> {
  if (client.status === 'ready') await client.quit().catch(() => undefined);
  client.disconnect();
}

function nodeCredentials(target: RedisTarget): Pick<RedisOptions, 'username' | 'password' | 'tls'> {
  const url = new URL(target.urls[0]!);
  return {
    ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
    ...(url.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}
