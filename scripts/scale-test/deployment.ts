/**
 * The deployment the scale test measures, on this machine: the records in PostgreSQL (the local server's
 * `govshare_scale` database, or DATABASE_URL's), coordination through the local Redis under a key prefix
 * of its own, the seven sample subgraphs, N gateway replicas sharing one signing key, JWT secret and audit
 * key, and HAProxy in front with docker/haproxy.cfg's settings.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { ensureDatabase } from '../../bench/databases.ts';
import { LIVENESS_PATH, READINESS_PATH } from '../../gateway/http/health-routes.ts';
import { randomSecret } from '../../gateway/keys/key-file.ts';
import { generateSigningKeyPem, publishedKeySet, signingKeyFromPem } from '../../gateway/keys/index.ts';
import { RECORDS_SCHEMA } from '../../gateway/records/migrate.ts';
import { seedAuditLog } from '../seed-audit.ts';
import { SUBGRAPH_HEALTH_PATH } from '../../subgraphs/kit/server.ts';
import { SAMPLE_SUBGRAPHS } from '../../subgraphs/samples.ts';
import { freePort } from '../../tests/support/ports.ts';
import { ensureHaproxy, startHaproxy, type RunningHaproxy } from './haproxy.ts';
import { startScript, waitUntil, type Started } from './processes.ts';

export interface Replica { name: string; port: number; url: string; process: Started }

export interface Deployment {
  databaseUrl: string;
  redisUrl: string;
  prefix: string;
  jwtSecret: string;
  replicas: Replica[];
  haproxy: RunningHaproxy;
  subgraphs: Started;
  /** Starts replica `index` again on its port, as a restarted pod would be. */
  restart(index: number): Replica;
  stop(): Promise<void>;
}

export interface DeploymentOptions {
  replicas: number;
  /** Records the audit log holds before the replicas start (seed-audit's chain), so that its reads are timed at scale. */
  auditRecords: number;
  log: (message: string) => void;
}

/**
 * A fresh records schema every run: a subgraph published by the previous run would otherwise already be
 * served, and there would be no propagation to measure. The sample data is kept (seeded once).
 */
async function resetRecords(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${RECORDS_SCHEMA} CASCADE`);
  } finally {
    await client.end();
  }
}

export async function startDeployment({ replicas: count, auditRecords, log }: DeploymentOptions): Promise<Deployment> {
  const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/govshare_scale';
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const prefix = `govshare-scale-${randomBytes(4).toString('hex')}:`;
  const dir = mkdtempSync(join(tmpdir(), 'govshare-scale-'));
  const haproxyVersion = ensureHaproxy(log);
  await ensureDatabase(databaseUrl);
  await resetRecords(databaseUrl);
  if (auditRecords > 0) {
    const seeded = await seedAuditLog(databaseUrl, auditRecords, { log });
    log(`audit log: ${seeded.total.toLocaleString('en')} records seeded in ${seeded.seconds.toFixed(0)} s`);
  }

  // One key set for all replicas, as a Secret gives it to every pod; the subgraphs get its public half.
  const keyPath = join(dir, 'gateway.pem');
  const pem = generateSigningKeyPem();
  writeFileSync(keyPath, pem, { mode: 0o600 });
  const jwksPath = join(dir, 'gateway-jwks.json');
  writeFileSync(jwksPath, JSON.stringify(publishedKeySet(await signingKeyFromPem(pem, keyPath), {})));
  const jwtSecret = randomSecret();
  const auditKey = randomSecret();

  const subgraphPorts = await Promise.all(SAMPLE_SUBGRAPHS.map(() => freePort()));
  const subgraphList = SAMPLE_SUBGRAPHS.map((d, i) => `${d.name}=http://127.0.0.1:${subgraphPorts[i]}/graphql`).join(',');
  const coordination = { REDIS_URL: redisUrl, GOVSHARE_REDIS_PREFIX: prefix };
  log(`subgraphs: ${SAMPLE_SUBGRAPHS.length} sample subgraphs on ports ${subgraphPorts.join(', ')} (PostgreSQL ${new URL(databaseUrl).pathname.slice(1)}; the first run seeds it)`);
  const subgraphs = startScript('subgraphs', 'subgraphs/main.ts', ['--all'], {
    ...coordination, DATABASE_URL: databaseUrl, GOVSHARE_SUBGRAPHS: subgraphList, GOVSHARE_GATEWAY_JWKS: jwksPath,
    GOVSHARE_DATA_DIR: join(dir, 'subgraphs'), LOG_LEVEL: 'warn',
  });
  for (const port of subgraphPorts) {
    await waitUntil(async () => (await fetch(`http://127.0.0.1:${port}${SUBGRAPH_HEALTH_PATH}`)).ok, 300_000, `the subgraph on ${port}`, subgraphs);
  }

  const ports = await Promise.all(Array.from({ length: count }, () => freePort()));
  const gatewayEnv = (index: number) => ({
    ...coordination, GATEWAY_PORT: String(ports[index]), GOVSHARE_STATE_DATABASE_URL: databaseUrl, GOVSHARE_SUBGRAPHS: subgraphList,
    GOVSHARE_GATEWAY_KEY: keyPath, GOVSHARE_JWT_SECRET: jwtSecret, GOVSHARE_AUDIT_KEY: auditKey,
    GOVSHARE_DATA_DIR: join(dir, `replica-${index + 1}`), LOG_LEVEL: 'warn',
  });
  const startReplica = (index: number): Replica => {
    mkdirSync(join(dir, `replica-${index + 1}`), { recursive: true });
    const name = `replica-${index + 1}`;
    return { name, port: ports[index]!, url: `http://127.0.0.1:${ports[index]}`, process: startScript(name, 'gateway/main.ts', [], gatewayEnv(index)) };
  };
  // One after the other: the first runs the records' migrations, the others find them done.
  const replicas: Replica[] = [];
  for (let i = 0; i < count; i++) {
    const replica = startReplica(i);
    replicas.push(replica);
    await waitUntil(async () => (await fetch(`${replica.url}${READINESS_PATH}`)).status === 200, 120_000, `${replica.name} to be ready`, replica.process);
    log(`${replica.name}: ready on ${replica.port} (pid ${replica.process.pid})`);
  }

  const [frontPort, statsPort] = [await freePort(), await freePort()];
  const haproxy = await startHaproxy(dir, {
    frontend: { host: '127.0.0.1', port: frontPort }, stats: { host: '127.0.0.1', port: statsPort },
    gateways: replicas.map((r) => ({ name: r.name, host: '127.0.0.1', port: r.port })),
  }, haproxyVersion);
  await waitUntil(async () => [...(await haproxy.servers('gateways')).values()].every((s) => s.status === 'UP'), 15_000, 'HAProxy to see every replica UP');
  await waitUntil(async () => (await fetch(`${haproxy.url}${LIVENESS_PATH}`)).ok, 5000, 'HAProxy to answer');
  log(`haproxy ${haproxyVersion}: ${haproxy.url} → ${replicas.map((r) => r.port).join(', ')}`);

  return {
    databaseUrl, redisUrl, prefix, jwtSecret, replicas, haproxy, subgraphs,
    restart(index) {
      const replica = startReplica(index);
      replicas[index] = replica;
      return replica;
    },
    async stop() {
      // The gateways first: their drain still needs the subgraphs.
      await Promise.all(replicas.map((r) => r.process.stop()));
      await haproxy.stop();
      await subgraphs.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
