/**
 * `npm run start:subgraph -- <name>` serves one sample subgraph on its port (or `SUBGRAPH_PORT`);
 * `-- --all` serves all seven in one process over one database (what `npm start` uses).
 */
import { resolve } from 'node:path';
import { databaseConfigFromEnv, hostSubgraphs, openDatabase } from './kit/index.ts';
import { gatewayKeysFromEnv, sharedReplayFromEnv } from './kit/gateway-signature.ts';
import { sampleOptionsFromEnv } from './sample-data/index.ts';
import { loadSubgraph, SAMPLE_SUBGRAPHS } from './samples.ts';

const arg = process.argv[2];
if (!arg) {
  console.error(`usage: npm run start:subgraph -- <${SAMPLE_SUBGRAPHS.map((d) => d.name).join('|')}|--all>`);
  process.exit(2);
}
// Before anything else: without the gateway's public key a subgraph would have no door to keep.
const gatewayKeys = (() => {
  try {
    return gatewayKeysFromEnv(process.env);
  } catch (error) {
    console.error(`[subgraphs] refusing to start: ${(error as Error).message}`);
    return process.exit(2);
  }
})();
const all = arg === '--all';
const definitions = all ? SAMPLE_SUBGRAPHS : [await loadSubgraph(arg)];
const dataDir = resolve(process.env.GOVSHARE_DATA_DIR || '.data', 'pglite', all ? 'all' : arg);
const dbConfig = databaseConfigFromEnv(process.env, dataDir);
const log = (message: string) => console.log(`[subgraphs] ${message}`);

log(dbConfig.kind === 'postgres' ? 'database: PostgreSQL (DATABASE_URL)' : `database: embedded PGlite at ${dataDir}`);
const db = await openDatabase(dbConfig);
log('jwksUrl' in gatewayKeys ? `verifying the gateway's signatures with ${gatewayKeys.jwksUrl}` : `verifying the gateway's signatures with ${process.env.GOVSHARE_GATEWAY_JWKS}`);
const ports = !all && process.env.SUBGRAPH_PORT ? { [arg]: Number(process.env.SUBGRAPH_PORT) } : {};
const sharedReplay = await sharedReplayFromEnv(process.env).catch((error: Error) => {
  console.error(`[subgraphs] refusing to start: REDIS_URL is set but the shared replay cache does not answer (${error.message})`);
  return process.exit(2);
});
if (sharedReplay) log('single use of gateway signatures shared by all replicas through Redis (REDIS_URL)');
const hosted = await hostSubgraphs({
  definitions, db, sample: sampleOptionsFromEnv(process.env), ports, log, gatewayKeys, ...(sharedReplay ? { sharedReplay } : {}),
  host: process.env.SUBGRAPH_HOST ?? '127.0.0.1',
});
for (const h of hosted) log(`${h.name} ready at ${h.url}`);

const shutdown = async () => {
  await Promise.all(hosted.map((h) => h.app.close()));
  await sharedReplay?.close();
  await db.close();
  process.exit(0);
};
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);
