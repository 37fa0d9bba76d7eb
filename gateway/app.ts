import type { FastifyInstance } from 'fastify';
import type { SupergraphSource } from './composition/supergraph-source.ts';
import type { KeyReload } from './keys/index.ts';
import { buildGateway, originOf, type GatewayOptions } from './server.ts';
import type { StateStores } from './state/index.ts';

export type { GatewayOptions } from './server.ts';

/** A gateway built, listening and serving in one call: what tests and benchmarks start and stop. */
export interface Gateway {
  /** The instance; available once `start` resolved. */
  readonly app: FastifyInstance;
  readonly source: SupergraphSource;
  readonly state: StateStores;
  /** Builds the plugin tree, listens (health answers at once), then resolves when the first supergraph is served. */
  start(): Promise<void>;
  /** Reads the signing key and the published keys again (SIGHUP in `main.ts`); rejects, changing nothing, if they cannot be read. */
  reloadKeys(): Promise<KeyReload>;
  close(): Promise<void>;
  readonly url: string;
}

/**
 * `buildGateway` + `listen` behind the interface tests and benchmarks use; `main.ts` does the same
 * steps itself. Nothing here but the order of those two calls.
 */
export function createGateway(options: GatewayOptions): Gateway {
  let app: FastifyInstance | null = null;
  const started = (): FastifyInstance => {
    if (!app) throw new Error('gateway not started');
    return app;
  };
  return {
    get app() { return started(); },
    get source() { return started().source; },
    get state() { return started().state; },
    get url() { return app ? originOf(app, options.config.host) : ''; },
    async start() {
      app = await buildGateway(options);
      await app.listen({ host: options.config.host, port: options.config.port });
      await app.serving;
    },
    // Through the instance's logger, like every other message (a test's `log` receives it from there).
    reloadKeys: () => reloadKeys(started(), (message) => started().log.info(message)),
    async close() { await app?.close(); },
  };
}

/** A key rotation without a restart (README "Rotating the gateway's key"), said in the log. */
export async function reloadKeys(app: FastifyInstance, log: (message: string) => void): Promise<KeyReload> {
  const reload = await app.keys.reload();
  const { signing, retired, published } = reload;
  log(`keys reloaded: signing subgraph calls with ${signing.alg} key ${signing.kid} (${signing.source})${retired ? `; the previous key ${retired.kid} stays published until ${retired.until.toISOString()}` : ''}; published: ${published.join(', ')}`);
  return reload;
}
