import type { Redis } from 'ioredis';
import { closeRedisClient, createNodeConnection, type RedisNodeAddress } from '../../protocol/redis-client.ts';
import { coordinationTuning, RECONNECT_EVERY_MS, type RedisTarget, type StateLog } from './redis-connection.ts';

/**
 * The listening half of the coordination: one connection in subscriber mode (it can run nothing else).
 * Classic pub/sub is broadcast to every node of a Redis Cluster, so one connection to any node hears
 * every announcement; when that node goes (killed, failed over, restarted), the next known node is
 * tried at once and every channel is subscribed again there. One server: the same, on itself.
 *
 * `live()` is true only while a connection has confirmed every subscription: between two connections
 * an announcement may be missed, and the grant cache must know that to stop trusting itself. (ioredis'
 * own cluster subscriber re-subscribes too, but says nothing about the gap, and connects without the
 * timeouts below.)
 */
export class RedisSubscriber {
  private readonly channels = new Set<string>();
  private connection: Redis | null = null;
  private confirmed = false;
  private down = false;
  private closed = false;
  /** Which of `nodes()` to try next: after a lost node, the one after it. */
  private next = 0;
  private retry: NodeJS.Timeout | null = null;

  constructor(
    private readonly target: RedisTarget,
    private readonly nodes: () => Array<RedisNodeAddress | null>,
    private readonly onMessage: (channel: string, message: string) => void,
    private readonly log: StateLog,
    private readonly role = 'coordination-events',
  ) {}

  /** Resolves once a node has confirmed `channels` (each known node tried once); rejects if none does. */
  async start(channels: readonly string[]): Promise<void> {
    for (const channel of channels) this.channels.add(channel);
    const candidates = this.nodes();
    let failure: unknown = new Error('no Redis node to subscribe on');
    for (let i = 0; i < candidates.length; i++) {
      try {
        await this.listenOn(candidates[i]!);
        this.next = i + 1;
        return;
      } catch (error) {
        failure = error;
      }
    }
    throw failure;
  }

  /** Remembered for every later connection; subscribed now when a connection is up. */
  subscribe(channel: string): void {
    if (this.channels.has(channel)) return;
    this.channels.add(channel);
    const connection = this.connection;
    // A subscription that fails drops the connection: the next one subscribes everything again.
    connection?.subscribe(channel).catch(() => connection.disconnect());
  }

  live(): boolean {
    return this.confirmed && this.connection?.status === 'ready';
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    const connection = this.connection;
    this.connection = null;
    if (connection) await closeRedisClient(connection);
  }

  private async listenOn(node: RedisNodeAddress | null): Promise<void> {
    const connection = createNodeConnection(this.target, node, coordinationTuning(this.role));
    let lastError: Error | null = null;
    connection.on('error', (error: Error) => { lastError = error; });
    connection.on('message', (channel: string, message: string) => this.onMessage(channel, message));
    connection.on('close', () => {
      if (this.connection === connection) this.confirmed = false;
    });
    connection.once('end', () => {
      if (this.connection !== connection) return;
      this.connection = null;
      this.lost(lastError?.message ?? 'connection closed');
      this.schedule(0);
    });
    const subscribed = [...this.channels];
    try {
      await connection.connect();
      if (subscribed.length) await connection.subscribe(...subscribed);
      if (connection.status !== 'ready') throw new Error('connection closed while subscribing');
    } catch (error) {
      connection.disconnect();
      throw error;
    }
    if (this.closed) {
      connection.disconnect();
      return;
    }
    this.connection = connection;
    this.confirmed = true;
    // Channels added while this connection was subscribing.
    const missed = [...this.channels].filter((channel) => !subscribed.includes(channel));
    if (missed.length) connection.subscribe(...missed).catch(() => connection.disconnect());
    if (this.down) {
      this.down = false;
      this.log(`state store (${this.role}): Redis reachable again${node ? ` (listening on ${node.host}:${node.port})` : ''}`);
    }
  }

  private lost(reason: string): void {
    if (this.down) return;
    this.down = true;
    this.log(`state store (${this.role}): Redis unavailable (${reason}); ${this.target.cluster ? 'trying the next node' : 'reconnecting'} every ${RECONNECT_EVERY_MS} ms`);
  }

  /** The next node at once after a lost connection, then every RECONNECT_EVERY_MS until one answers. */
  private schedule(delayMs: number): void {
    if (this.closed || this.retry) return;
    this.retry = setTimeout(() => {
      this.retry = null;
      const candidates = this.nodes();
      const node = candidates[this.next % candidates.length] ?? null;
      this.next += 1;
      this.listenOn(node).catch((error: Error) => {
        this.lost(error.message);
        this.schedule(RECONNECT_EVERY_MS);
      });
    }, delayMs);
  }
}
