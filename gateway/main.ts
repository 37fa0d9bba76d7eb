import { gatewayConfigFromEnv } from './config.ts';
import { createGateway } from './app.ts';
import { CompositionFailedError } from './composition/supergraph-source.ts';

const config = gatewayConfigFromEnv(process.env);
const gateway = createGateway({ config, log: (message) => console.log(`[gateway] ${message}`) });

/** Past the drain, Apollo and the stores get this long to close before the process ends regardless. */
const CLOSE_GRACE_MS = 5_000;

// SIGTERM/SIGINT drain (see http/drain.ts): /readyz says 503 at once, no new connection is accepted,
// requests in flight finish within GOVSHARE_DRAIN_MS, then Apollo, the subgraph sockets and the stores close.
// Once per signal: a second Ctrl-C gets Node's default and ends the process at once.
let stopping: Promise<void> | null = null;
const shutdown = (signal: NodeJS.Signals) => { stopping ??= stop(signal); };
const stop = async (signal: NodeJS.Signals) => {
  console.log(`[gateway] ${signal}: draining requests in flight (at most ${config.drainMs} ms), then stopping`);
  const started = Date.now();
  setTimeout(() => {
    console.error(`[gateway] not closed ${config.drainMs + CLOSE_GRACE_MS} ms after ${signal}: exiting anyway`);
    process.exit(1);
  }, config.drainMs + CLOSE_GRACE_MS).unref();
  try {
    await gateway.close();
  } catch (error) {
    console.error(`[gateway] while stopping: ${(error as Error).message}`);
  }
  console.log(`[gateway] stopped in ${Date.now() - started} ms`);
  process.exit(0);
};
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);

try {
  await gateway.start();
  console.log(`[gateway] serving supergraph ${gateway.source.supergraph?.version} at ${gateway.url}/graphql`);
} catch (error) {
  console.error(error instanceof CompositionFailedError ? `[gateway] ${error.message}` : error);
  await gateway.close().catch(() => {});
  process.exit(1);
}
