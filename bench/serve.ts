/**
 * One benchmark process, by role (the orchestrator starts them one scenario at a time):
 *   subgraphs-govshare | subgraphs-bare     the seven samples, BENCH_SUBGRAPH_BASE + i
 *   gateway-govshare | gateway-policy-off   our gateway with or without the policy layer, on BENCH_GATEWAY_PORT
 *   gateway-bare                             @apollo/gateway with default settings behind startStandaloneServer
 *   gateway-hive | gateway-hive-router       Hive Gateway, JS planner or Rust planner (bench/peer-gateways.ts)
 */
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ensureSchemaAndSeed, hostSubgraphs, openDatabase, databaseConfigFromEnv } from '../subgraphs/kit/index.ts';
import { SAMPLE_SUBGRAPHS } from '../subgraphs/samples.ts';
import { benchSample } from './sample.ts';
import { loadSigningKey, publishedKeySet } from '../gateway/keys/index.ts';
import { GENERATED_SIGNING_KEY_FILE } from '../gateway/keys/signing-key.ts';
import { hostBareSubgraphs } from './bare-subgraphs.ts';
import { dropRecordsSchema } from './databases.ts';

const role = process.argv[2];
const base = Number(process.env.BENCH_SUBGRAPH_BASE ?? 4301);
const gatewayPort = Number(process.env.BENCH_GATEWAY_PORT ?? 4300);
const ports = Object.fromEntries(SAMPLE_SUBGRAPHS.map((d, i) => [d.name, base + i]));
const endpoints = SAMPLE_SUBGRAPHS.map((d) => ({ name: d.name, url: `http://127.0.0.1:${ports[d.name]}/graphql` }));
const ready = (what: string) => process.stdout.write(`READY ${what}\n`);
// One signing key for the benchmark's gateway and subgraph processes, generated once under .data/bench/keys.
const benchDataDir = resolve('.data', 'bench');
// BENCH_SIGNING=ES256 measures the contract's other algorithm (a P-256 key, generated once beside it).
const benchKeyFile = process.env.BENCH_SIGNING === 'ES256' ? p256KeyFile() : resolve(benchDataDir, 'keys', GENERATED_SIGNING_KEY_FILE);
function p256KeyFile(): string {
  const file = resolve(benchDataDir, 'keys', 'bench-p256.pem');
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), { mode: 0o600 });
  }
  return file;
}
/** A data folder whose `records/` starts empty: each run's audit log begins at record 1. */
function freshRecordsDir(): string {
  const dir = resolve(benchDataDir, `gateway-${role}`);
  rmSync(resolve(dir, 'records'), { recursive: true, force: true });
  return dir;
}
// Exit (rather than die) on SIGTERM, so --cpu-prof can write its profile.
process.once('SIGTERM', () => process.exit(0));

if (role === 'subgraphs-govshare' || role === 'subgraphs-bare') {
  const db = await openDatabase(databaseConfigFromEnv(process.env, resolve('.data', 'bench', 'pglite')));
  for (const d of SAMPLE_SUBGRAPHS) await ensureSchemaAndSeed(db, d, benchSample());
  if (role === 'subgraphs-govshare') {
    const jwks = publishedKeySet(await loadSigningKey(process.env.BENCH_SIGNING === 'ES256' ? { GOVSHARE_GATEWAY_KEY: benchKeyFile } : {}, benchDataDir), {});
    await hostSubgraphs({ definitions: SAMPLE_SUBGRAPHS, db, sample: benchSample(), ports, gatewayKeys: { jwks } });
  } else {
    await hostBareSubgraphs(SAMPLE_SUBGRAPHS, db, ports);
  }
  ready(role);
} else if (role === 'gateway-govshare' || role === 'gateway-policy-off') {
  const { createGateway } = await import('../gateway/app.ts');
  const { policyOff } = await import('./policy-off.ts');
  if (!process.env.BENCH_JWT_SECRET) throw new Error('BENCH_JWT_SECRET is not set: the orchestrator (bench/run.ts) sets it for the tokens it sends');
  await loadSigningKey({}, benchDataDir);
  const { gatewayConfigFromEnv } = await import('../gateway/config.ts');
  // The records (audit log included) in an embedded PGlite of the benchmark's own, or in schema govshare on
  // the benchmark's PostgreSQL server; emptied per run either way, so runs compare.
  const recordsUrl = process.env.BENCH_STATE_DATABASE_URL;
  if (recordsUrl && !process.env.BENCH_KEEP_RECORDS) await dropRecordsSchema(recordsUrl);
  const gateway = createGateway({
    config: {
      ...gatewayConfigFromEnv({ ...(process.env.LOG_LEVEL ? { LOG_LEVEL: process.env.LOG_LEVEL } : {}), ...(recordsUrl ? { GOVSHARE_STATE_DATABASE_URL: recordsUrl } : {}) }),
      // The background chain check is measured on its own (`npm run bench -- audit-scale`), not inside a load run.
      port: gatewayPort, subgraphs: endpoints, dataDir: freshRecordsDir(), auditVerifySeconds: 0,
    },
    env: { GOVSHARE_GATEWAY_KEY: benchKeyFile, GOVSHARE_JWT_SECRET: process.env.BENCH_JWT_SECRET }, ...(role === 'gateway-policy-off' ? { policyStages: policyOff } : {}),
  });
  await gateway.start();
  // The benchmark's consumer holds a (masked) grant for the CONDITIONAL field the query reads.
  await gateway.state.grants.create({ consumer: 'tax', resource: 'POP-PERSON', fields: ['Person.mobile'], raw: false, purpose: '基准测试',
    validUntil: new Date(Date.now() + 3_600_000).toISOString() }, new Date());
  ready(role);
} else if (role === 'gateway-bare') {
  process.env.APOLLO_TELEMETRY_DISABLED = 'true'; // no traffic may leave this machine, even in a benchmark
  const { ApolloServer } = await import('@apollo/server');
  const { startStandaloneServer } = await import('@apollo/server/standalone');
  const { ApolloGateway, IntrospectAndCompose } = await import('@apollo/gateway');
  const gateway = new ApolloGateway({ supergraphSdl: new IntrospectAndCompose({ subgraphs: endpoints }) });
  const server = new ApolloServer({ gateway });
  await startStandaloneServer(server, { listen: { port: gatewayPort, host: '127.0.0.1' } });
  ready(role);
} else if (role === 'gateway-hive' || role === 'gateway-hive-router') {
  const { startHiveGateway } = await import('./peer-gateways.ts');
  await startHiveGateway({ endpoints, port: gatewayPort, rustPlanner: role === 'gateway-hive-router' });
  ready(role);
} else {
  process.stderr.write(`unknown role ${role}\n`);
  process.exit(2);
}
