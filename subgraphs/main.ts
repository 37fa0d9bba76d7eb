/**
 * `npm run start:subgraph -- <name>` serves one sample subgraph on its port (or `SUBGRAPH_PORT`);
 * `-- --all` serves all seven in one process over one database (what `npm start` uses).
 */
import { join } from 'node:path';
import { ConfigError } from '../gateway/config.ts';
import { loadSubgraphConfig, type SubgraphHostConfig } from './config.ts';
import { databaseConfig, hostSubgraphs, openDatabase } from './kit/index.ts';
import { gatewayKeysFor, sharedReplayFor } from './kit/gateway-signature.ts';
import { loadSubgraph, SAMPLE_SUBGRAPHS } from './samples.ts';
import { startTelemetry } from '../protocol/telemetry.ts';

const arg = process.argv[2];
if (!arg) {
  console.error(`usage: npm run start:subgraph -- <${SAMPLE_SUBGRAPHS.map((d) => d.name).join('|')}|--all>`);
  process.exit(2);
}
// The only read of the environment, then, before anything else, the gateway's public key: without it
// a subgraph would have no door to keep.
const config: Readonly<SubgraphHostConfig> = (() => {
  try {
    return loadSubgraphConfig(process.env);
  } catch (error) {
    const problems = error instanceof ConfigError ? error.problems : [(error as Error).message];
    for (const problem of problems) console.error(`[subgraphs] configuration: ${problem}`);
    return process.exit(2);
  }
})();
const gatewayKeys = (() => {
  try {
    return gatewayKeysFor(config);
  } catch (error) {
    console.error(`[subgraphs] refusing to start: ${(error as Error).message}`);
    return process.exit(2);
  }
})();
const telemetry = await startTelemetry(process.env, 'govshare-subgraphs');
const all = arg === '--all';
const definitions = all ? SAMPLE_SUBGRAPHS : [await loadSubgraph(arg)];
const dataDir = join(config.dataDir, 'pglite', all ? 'all' : arg);
const dbConfig = databaseConfig(config.databaseUrl, dataDir);
const log = (message: string) => console.log(`[subgraphs] ${message}`);

log(dbConfig.kind === 'postgres' ? 'database: PostgreSQL (DATABASE_URL)' : `database: embedded PGlite at ${dataDir}`);
const db = await openDatabase(dbConfig);
log('jwksUrl' in gatewayKeys ? `verifying the gateway's signatures with ${gatewayKeys.jwksUrl}` : `verifying the gateway's signatures with ${config.gatewayJwksFile}`);
// With --all, a subgraph named in GOVSHARE_SUBGRAPHS listens on that URL's port, so that `npm start` (which
// hands both processes the same environment) can be moved off 4001–4007 with GOVSHARE_SUBGRAPHS alone.
const ports = all ? portsOf(config.subgraphUrls) : config.port !== undefined ? { [arg]: config.port } : {};
const sharedReplay = await sharedReplayFor(config).catch((error: Error) => {
  console.error(`[subgraphs] refusing to start: REDIS_URL is set but the shared replay cache does not answer (${error.message})`);
  return process.exit(2);
});
if (sharedReplay) log('single use of gateway signatures shared by all replicas through Redis (REDIS_URL)');
const hosted = await hostSubgraphs({
  definitions, db, sample: config.sample, ports, log, gatewayKeys, ...(sharedReplay ? { sharedReplay } : {}),
  unknownKeyBudget: config.unknownKeyBudget, host: config.host,
});
for (const h of hosted) log(`${h.name} ready at ${h.url}`);

const shutdown = async () => {
  await Promise.all(hosted.map((h) => h.app.close()));
  await sharedReplay?.close();
  await db.close();
  await telemetry?.shutdown().catch(() => {});
  process.exit(0);
};
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);

/** The subgraphs named in GOVSHARE_SUBGRAPHS → the port of each URL that names one. */
function portsOf(urls: SubgraphHostConfig['subgraphUrls']): Record<string, number> {
  const ports: Record<string, number> = {};
  for (const { name, url } of urls) {
    const port = new URL(url).port;
    if (port) ports[name] = Number(port);
  }
  return ports;
}
