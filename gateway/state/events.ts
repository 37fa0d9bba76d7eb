import { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';
import { storeCall } from './redis-connection.ts';

/** Announcements every gateway replica of a deployment hears (e.g. "a new supergraph version"). */
export interface StateEvents {
  publish(topic: string, message: string): Promise<void>;
  subscribe(topic: string, listener: (message: string) => void): () => void;
}

export function memoryEvents(): StateEvents {
  const emitter = new EventEmitter();
  return {
    async publish(topic, message) { emitter.emit(topic, message); },
    subscribe(topic, listener) {
      emitter.on(topic, listener);
      return () => emitter.off(topic, listener);
    },
  };
}

/**
 * Redis pub/sub on the state's subscriber connection. Delivery is best effort (a replica that was
 * disconnected misses messages), so listeners must also poll what they follow.
 */
export function redisEvents(redis: Redis, subscriber: Redis, prefix: string): StateEvents {
  const emitter = new EventEmitter();
  const subscribed = new Set<string>();
  subscriber.on('message', (channel: string, message: string) => {
    if (channel.startsWith(prefix)) emitter.emit(channel.slice(prefix.length), message);
  });
  subscriber.on('ready', () => {
    for (const topic of subscribed) subscriber.subscribe(prefix + topic).catch(() => {});
  });
  return {
    async publish(topic, message) {
      await storeCall('publish event', () => redis.publish(prefix + topic, message));
    },
    subscribe(topic, listener) {
      emitter.on(topic, listener);
      if (!subscribed.has(topic)) {
        subscribed.add(topic);
        subscriber.subscribe(prefix + topic).catch(() => {});
      }
      return () => emitter.off(topic, listener);
    },
  };
}
