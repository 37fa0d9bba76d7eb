import fp from 'fastify-plugin';

declare module 'fastify' {
  interface FastifyInstance {
    /** True from the moment `close()` began: `/readyz` answers 503, responses close their connection. */
    readonly draining: boolean;
  }
}

export interface DrainOptions {
  /** How long requests in flight may take to finish once closing began; then their sockets are cut. */
  drainMs: number;
}

/**
 * Closing without losing a request. Fastify's `close()` stops accepting connections and closes idle
 * kept-alive ones at once; this plugin adds what it does not do: every response sent from then on
 * (those of the requests in flight included) says `Connection: close`, so no socket stays open for a
 * next request this process would no longer serve, and after `drainMs` whatever is still open is cut so
 * the process ends within its bound. Fastify's own 503 for requests arriving on a kept-alive socket
 * during the close (no §8 code) is off (`return503OnClosing: false` on the instance): such a request is
 * served like the ones in flight, with its connection closed after it. A response with another request
 * already waiting behind it on the same socket (pipelining) leaves the closing to that one, or Node
 * would drop its answer.
 */
export const drain = fp<DrainOptions>(async (app, { drainMs }) => {
  let draining = false;
  let cut: NodeJS.Timeout | undefined;
  /** Requests received and not yet answered, per connection. */
  const open = new WeakMap<object, number>();
  app.decorate('draining', { getter: () => draining });

  // Callback hooks, not async ones: on every request, a promise less each.
  app.addHook('onRequest', (request, _reply, done) => {
    open.set(request.raw.socket, (open.get(request.raw.socket) ?? 0) + 1);
    done();
  });
  app.addHook('onResponse', (request, _reply, done) => {
    open.set(request.raw.socket, (open.get(request.raw.socket) ?? 1) - 1);
    done();
  });
  app.addHook('preClose', async () => {
    draining = true;
    cut = setTimeout(() => app.server.closeAllConnections(), drainMs);
    cut.unref();
  });
  app.addHook('onSend', (request, reply, payload, done) => {
    if (draining && request.raw.httpVersionMajor === 1 && (open.get(request.raw.socket) ?? 0) <= 1) reply.header('connection', 'close');
    done(null, payload);
  });
  app.addHook('onClose', async () => { clearTimeout(cut); });
}, { name: 'govshare-drain' });
