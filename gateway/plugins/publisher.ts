import { randomUUID } from 'node:crypto';
import fp from 'fastify-plugin';
import { Publisher } from '../registry/publisher.ts';
import { compositionModeOf } from './composition-mode.ts';
import type { ResolvedOptions } from './options.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** Provider self-service: publish, unpublish, roll back (CONTRACT §6). */
    publisher: Publisher;
  }
}

export const publisherPlugin = fp<ResolvedOptions>(async (app, { config, now }) => {
  app.decorate('publisher', new Publisher({
    registry: app.registry, source: app.source, ...compositionModeOf(config), fetchSdl: app.fetchSdl,
    grants: app.state.grants, audit: app.state.audit, now, requestId: () => randomUUID(),
  }));
}, { name: 'govshare-publisher', dependencies: ['govshare-supergraph', 'govshare-records'] });
