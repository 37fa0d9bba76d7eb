import { EventEmitter } from 'node:events';
import { connectRedisClient, nodesOf } from '../../protocol/redis-client.ts';
import { closeRedisConnection, createRedisConnection, type RedisTarget, type StateLog } from './redis-connection.ts';
import { RedisSubscriber } from './redis-subscriber.ts';
import { storeCall } from './store-call.ts';

/** Announcements every gateway replica of a deployment hears (e.g. "a new supergraph version"). */
export interface StateEvents {
  publish(topic: string, message: string): Promise<void>;
  subscribe(topic: string, listener: (message: string) => void): () => void;
}

/**
 * How the replicas of one deployment tell each other that something changed. Nothing here is a record:
 * a lost announcement delays a cache's refresh, it loses no data (every listener also polls or ages out).
 */
export interface Coordination {
  readonly kind: 'process' | 'redis';
  events: StateEvents;
  /** Whether announcements are heard from and sent to the other replicas right now (always true within one process). */
  live(): boolean;
  close(): Promise<void>;
}

/** One process: announcements are an EventEmitter. */
export function processCoordination(): Coordination {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  return {
    kind: 'process',
    events: {
      async publish(topic, message) { emitter.emit(topic, message); },
      subscribe(topic, listener) {
        emitter.on(topic, listener);
        return () => emitter.off(topic, listener);
      },
    },
    live: () => true,
    close: async () => { emitter.removeAllListeners(); },
  };
}

/**
 * Redis pub/sub (`REDIS_URL`, one server or a cluster): one connection publishes, a second only listens
 * (`RedisSubscriber`: a subscribed connection can run nothing else; on a cluster it follows the nodes
 * through a failover). `topics` are subscribed before this resolves, so `live()` is true from the
 * start; after a reconnect it turns true again only once Redis has confirmed every subscription.
 * Channels are not keys: on a cluster classic PUBLISH reaches every node whatever the slots.
 */
export async function redisCoordination(target: RedisTarget, prefix: string, log: StateLog, topics: readonly string[]): Promise<Coordination> {
  const redis = createRedisConnection(target, 'coordination', log);
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  const subscriber = new RedisSubscriber(target, () => nodesOf(target, redis), (channel, message) => {
    if (channel.startsWith(prefix)) emitter.emit(channel.slice(prefix.length), message);
  }, log);
  const close = async () => { await Promise.all([closeRedisConnection(redis), subscriber.close()]); };
  try {
    await storeCall('connect to Redis', async () => {
      await connectRedisClient(redis);
      await subscriber.start(topics.map((topic) => prefix + topic));
    });
  } catch (error) {
    // A failed first connect would otherwise keep retrying in the background forever.
    await close();
    throw error;
  }
  return {
    kind: 'redis',
    events: {
      async publish(topic, message) {
        await storeCall('publish event', () => redis.publish(prefix + topic, message));
      },
      subscribe(topic, listener) {
        emitter.on(topic, listener);
        subscriber.subscribe(prefix + topic);
        return () => emitter.off(topic, listener);
      },
    },
    // Both connections: while this replica cannot publish, it is as cut off as when it cannot hear.
    live: () => subscriber.live() && redis.status === 'ready',
    close,
  };
}
