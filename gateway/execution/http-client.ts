import http from 'node:http';
import https from 'node:https';

export interface PostResult { status: number; body: string }

export interface HttpClientOptions {
  /** Sockets per subgraph origin; the call policy keeps calls in flight at or below this. */
  maxSockets?: number;
  /**
   * A kept-alive socket unused this long is closed by us. It must be shorter than the subgraphs'
   * keep-alive timeout (Fastify's default is 72 s): otherwise the server closes an idle socket just as a
   * burst picks it up, and the request written to it is reset. Setting it also makes Node honour a
   * server's `Keep-Alive: timeout=N` hint (it takes the shorter of the two; with no timeout it ignores it).
   */
  idleSocketMs?: number;
}

export const DEFAULT_IDLE_SOCKET_MS = 30_000;

/** A failure of a call, marked with whether it went out on a socket an earlier call had used. */
export class HttpCallError extends Error {
  constructor(message: string, readonly code: string | undefined, readonly reusedSocket: boolean, options?: ErrorOptions) {
    super(message, options);
    this.name = 'HttpCallError';
  }
}

/**
 * POSTs with Node's own http module over kept-alive connections. Profiled under load, the global
 * `fetch` spent about a fifth of the gateway's CPU in WHATWG streams, abort signals and
 * transferables; subgraph calls need none of that. The deadline is the caller's (`signal`).
 */
export class HttpClient {
  private readonly agents: { 'http:': http.Agent; 'https:': https.Agent };

  constructor({ maxSockets = 256, idleSocketMs = DEFAULT_IDLE_SOCKET_MS }: HttpClientOptions = {}) {
    const options = { keepAlive: true, maxSockets, timeout: idleSocketMs, scheduling: 'lifo' as const };
    this.agents = { 'http:': new http.Agent(options), 'https:': new https.Agent(options) };
  }

  post(url: URL, headers: Record<string, string>, body: string, signal?: AbortSignal): Promise<PostResult> {
    const transport = url.protocol === 'https:' ? https : http;
    return new Promise<PostResult>((resolve, reject) => {
      if (signal?.aborted) return reject(new HttpCallError('call aborted before it was sent', 'ABORT_ERR', false));
      const request = transport.request({
        protocol: url.protocol, hostname: url.hostname, port: url.port, path: `${url.pathname}${url.search}`,
        method: 'POST', agent: this.agents[url.protocol as 'http:' | 'https:'],
        headers: { ...headers, 'content-length': Buffer.byteLength(body) },
      }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          // Answered: a deadline passing from now on must not destroy the socket, which goes back to the pool.
          done();
          resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
        });
        response.on('error', (error: NodeJS.ErrnoException) => fail(error));
      });
      // The deadline tears the call down, socket included (a stalled subgraph's socket is of no further use).
      const onAbort = () => request.destroy(Object.assign(new Error('deadline passed'), { code: 'ABORT_ERR' }));
      const done = () => signal?.removeEventListener('abort', onAbort);
      const fail = (error: NodeJS.ErrnoException) => {
        done();
        reject(new HttpCallError(error.message, error.code, request.reusedSocket, { cause: error }));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      // The agent's socket timeout also fires on a busy socket; the deadline (signal) is what bounds a call.
      request.on('timeout', () => {});
      request.on('error', fail);
      request.end(body);
    });
  }

  close(): void {
    this.agents['http:'].destroy();
    this.agents['https:'].destroy();
  }
}

/**
 * The one failure worth a second try: the peer reset a socket we had kept alive (it closed it as idle
 * while our request was on the way), so the request never reached its handler. A fresh connection that
 * fails says something about the subgraph instead, and is not retried.
 */
export function isResetOfReusedSocket(error: unknown): boolean {
  return error instanceof HttpCallError && error.reusedSocket
    && (error.code === 'ECONNRESET' || error.code === 'EPIPE' || error.message === 'socket hang up');
}
