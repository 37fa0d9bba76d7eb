import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import { messageDestination, requestLoggerOptions } from '../protocol/request-logging.ts';
import { auditCheckpointsPlugin } from './audit/checkpoints-plugin.ts';
import { drain } from './http/drain.ts';
import { coordinationPlugin } from './plugins/coordination.ts';
import { graphqlPlugin } from './plugins/graphql.ts';
import { healthPlugin } from './plugins/health.ts';
import { identityPlugin } from './plugins/identity.ts';
import { keysPlugin } from './plugins/keys.ts';
import { metricsPlugin } from './plugins/metrics.ts';
import { resolveOptions, type GatewayOptions } from './plugins/options.ts';
import { platformPlugin } from './plugins/platform.ts';
import { publisherPlugin } from './plugins/publisher.ts';
import { recordsPlugin } from './plugins/records.ts';
import { supergraphPlugin } from './plugins/supergraph.ts';
import { webPlugin } from './plugins/web.ts';

export type { GatewayOptions } from './plugins/options.ts';
export { originOf } from './http/origin.ts';

/**
 * The gateway as a tree of Fastify plugins, each declaring what it needs and decorating the instance
 * with what it provides; Fastify starts them in dependency order and closes them in reverse (the HTTP
 * server drains first, the records close last). Nothing listens yet: `app.listen()` does, or
 * `app.inject()` in tests. `app.serving` settles once the first supergraph is served.
 */
export async function buildGateway(options: GatewayOptions): Promise<FastifyInstance> {
  const resolved = resolveOptions(options);
  const { config } = resolved;
  // 10,000 comparison claims with addresses are about 2–3 MB of JSON.
  // return503OnClosing off: during a drain, requests on kept-alive sockets are served (`http/drain.ts`).
  // JSON lines (pino) at LOG_LEVEL (`config.logging`): to `logDestination`, else to the `log` function a test collects
  // messages with, else stdout. One id per request, made here and never taken from the client
  // (requestIdHeader off): the lines' `reqId`, the audit record's `requestId`, the signature's `rid`, `x-request-id`.
  const destination = options.logDestination ?? (options.log ? messageDestination(options.log) : undefined);
  // One line per request, written when it is answered (`request completed`, with method, path, status and
  // time), instead of Fastify's two: at a few hundred requests a second the second line was 1–2 % of the CPU.
  const app = Fastify({
    logger: requestLoggerOptions(config.logging?.level ?? 'info', destination),
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: () => randomUUID(), requestIdHeader: false,
    bodyLimit: 4 * 1024 * 1024, return503OnClosing: false,
    // Opening and migrating the records (PGlite on a busy machine, a partitioned audit log of millions
    // of rows) may take longer than Fastify's 10 s per plugin; each step bounds its own waits instead.
    pluginTimeout: 0,
  });
  // The plugins' `log(message)` is the instance's logger: one stream of lines, redacted alike.
  resolved.log = (message) => app.log.info(message);
  app.addHook('onResponse', async (request, reply) => {
    request.log.info({ req: request, res: reply, responseTime: reply.elapsedTime }, 'request completed');
  });
  // A plugin that fails (a bad GOVSHARE_WORKFLOW, records that do not open) leaves those before it running: the
  // checkpointer's timer, the records. They are closed as on any close before the error is passed on.
  try {
    await app.register(drain, { drainMs: config.drainMs });
    await app.register(metricsPlugin);
    await app.register(keysPlugin, resolved);
    await app.register(recordsPlugin, resolved);
    await app.register(auditCheckpointsPlugin, resolved);
    await app.register(coordinationPlugin, resolved);
    await app.register(identityPlugin, resolved);
    await app.register(supergraphPlugin);
    await app.register(publisherPlugin, resolved);
    await app.register(platformPlugin, resolved);
    await app.register(graphqlPlugin, resolved);
    await app.register(healthPlugin);
    await app.register(webPlugin, resolved);
  } catch (error) {
    await app.close().catch(() => {});
    throw error;
  }
  return app;
}

