import { ConfigError, loadConfig, type GatewayConfig } from './config.ts';

// The only read of the environment: a bad value stops here, naming the variable, before anything listens.
const config: Readonly<GatewayConfig> = (() => {
  try {
    return loadConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const problem of error.problems) console.error(`[gateway] configuration: ${problem}`);
    console.error('[gateway] not started: see README "Configuration"');
    return process.exit(1);
  }
})();
// The gateway's modules load only once the configuration holds: a bad value is reported in a fraction of
// the second that loading Apollo, the composition and PGlite takes.
const { startTelemetry } = await import('../protocol/telemetry.ts');
const { createGateway } = await import('./app.ts');
const { CompositionFailedError } = await import('./composition/supergraph-source.ts');
// Traces only with OTEL_EXPORTER_OTLP_ENDPOINT (checked above), registered before the gateway makes a span.
const telemetry = await startTelemetry(process.env, 'govshare-gateway');
// No `log`: the gateway's lines are JSON on stdout (LOG_LEVEL); the lines below stay plain, for people.
const gateway = createGateway({ config });

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
  await telemetry?.shutdown().catch(() => {}); // the last spans, exported before the process ends
  console.log(`[gateway] stopped in ${Date.now() - started} ms`);
  process.exit(0);
};
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);
// SIGHUP reads the signing key and the published keys again: a key rotation without a restart (README
// "Rotating the gateway's key"). A file that cannot be read changes nothing: the keys in use stay.
process.on('SIGHUP', () => {
  gateway.reloadKeys().catch((error: Error) => console.error(`[gateway] SIGHUP: keys not reloaded, still signing with the previous key: ${error.message}`));
});

try {
  await gateway.start();
  console.log(`[gateway] serving supergraph ${gateway.source.supergraph?.version} at ${gateway.url}/graphql`);
} catch (error) {
  console.error(error instanceof CompositionFailedError ? `[gateway] ${error.message}` : error);
  await gateway.close().catch(() => {});
  process.exit(1);
}
