/**
 * `npm start`: the seven sample subgraphs (one process, one embedded database) and the gateway
 * (another process, so the two share the machine's cores), then prints the URLs once `/readyz`
 * answers 200. Ctrl-C stops both: the gateway first (it drains its requests in flight, which still need
 * the subgraphs), then the subgraphs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gatewayConfigFromEnv } from '../gateway/config.ts';
import { recordsDir } from '../gateway/records/open-records.ts';
import { keysDir, loadSigningKey, publishedKeySet } from '../gateway/keys/index.ts';
import { ensureWebBuilt } from '../gateway/web/build.ts';

const config = gatewayConfigFromEnv(process.env);
const dataDir = config.dataDir!;
const gatewayUrl = `http://${config.host}:${config.port}`;
const children: ChildProcess[] = [];

function start(name: string, script: string, args: string[] = [], env: NodeJS.ProcessEnv = {}, detached = false): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    stdio: ['ignore', 'inherit', 'inherit'],
    detached,
    // graphql-js's development checks cost milliseconds per request; tests run without this.
    env: { NODE_ENV: 'production', ...process.env, ...env },
  });
  child.on('exit', (code, signal) => {
    if (stopping) return;
    console.error(`[start] ${name} exited (${signal ?? code}); stopping`);
    void stop(code ?? 1);
  });
  children.push(child);
  return child;
}

let stopping = false;
async function stop(code = 0): Promise<void> {
  if (stopping) return;
  stopping = true;
  const [subgraphs, gateway] = children;
  // The gateway bounds its own drain (GOVSHARE_DRAIN_MS, then 5 s to close); this bound only backs it up.
  await stopChild(gateway, config.drainMs + 6_000);
  await stopChild(subgraphs, 10_000);
  process.exit(code);
}

function stopChild(child: ChildProcess | undefined, boundMs: number): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), boundMs);
    child.once('exit', () => { clearTimeout(kill); resolve(); });
    child.kill('SIGTERM');
  });
}
// A terminal's Ctrl-C reaches the gateway too (same process group) and starts its drain; the subgraphs
// run in a process group of their own so that they keep answering until the gateway has exited.
// A second signal stops at once: nothing may outlive this script (the subgraphs' group would).
const onSignal = () => {
  if (!stopping) return void stop(0);
  for (const child of children) child.kill('SIGKILL');
  process.exit(130);
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);
// The gateway takes SIGHUP as "reload the keys"; this script's own SIGHUP (its terminal closed) still stops everything.
process.on('SIGHUP', onSignal);

// The playground and catalog app are built on install (npm's prepare); rebuilt here only when missing or stale.
await ensureWebBuilt().catch((error: Error) => console.error(`[start] web app not built (${error.message}); /playground and /catalog will build on first visit`));
// The gateway's signing key (generated under the data dir at first start, or GOVSHARE_GATEWAY_KEY) is
// loaded here first, so the subgraphs get its public half before either process starts: they verify
// with the public JWKS only and never hold anything that can sign. The gateway reuses the same key.
const signing = await loadSigningKey(process.env, dataDir, (message) => console.log(`[start] ${message}`));
const subgraphEnv: NodeJS.ProcessEnv = {};
if (!process.env.GOVSHARE_GATEWAY_JWKS_URL && !process.env.GOVSHARE_GATEWAY_JWKS) {
  // With GOVSHARE_GATEWAY_KEY set nothing was generated, so the keys folder may not exist yet.
  mkdirSync(keysDir(dataDir), { recursive: true, mode: 0o700 });
  const jwksFile = join(keysDir(dataDir), 'gateway-jwks.json');
  writeFileSync(jwksFile, `${JSON.stringify(publishedKeySet(signing, process.env), null, 2)}\n`);
  subgraphEnv.GOVSHARE_GATEWAY_JWKS = jwksFile;
}
await prepareEmbeddedClusters([
  ...(process.env.DATABASE_URL ? [] : [join(dataDir, 'pglite', 'all')]), // subgraphs/main.ts --all
  ...(config.recordsUrl ? [] : [recordsDir(dataDir)]),
]);
start('subgraphs', 'subgraphs/main.ts', ['--all'], subgraphEnv, true);
start('gateway', 'gateway/main.ts');

const started = Date.now();
for (;;) {
  if (stopping) break;
  const ready = await fetch(`${gatewayUrl}/readyz`).then((r) => r.ok, () => false);
  if (ready) {
    console.log([
      '',
      `govshare is ready (${((Date.now() - started) / 1000).toFixed(1)} s)`,
      `  GraphQL     ${gatewayUrl}/graphql`,
      `  Playground  ${gatewayUrl}/playground`,
      `  Catalog     ${gatewayUrl}/catalog`,
      `  Health      ${gatewayUrl}/healthz  ${gatewayUrl}/readyz  ${gatewayUrl}/metrics`,
      `  Exports     ${gatewayUrl}/catalog/export.jsonld  ${gatewayUrl}/catalog/export.csv`,
      ...config.subgraphs.map((s) => `  subgraph    ${s.name.padEnd(16)} ${s.url}`),
      '  (subgraphs answer the gateway\'s signed calls only: anyone else gets 401)',
      '',
      'Get a token: npm run token -- --dept tax',
      '',
    ].join('\n'));
    break;
  }
  await new Promise((resolve) => setTimeout(resolve, 300));
}

/**
 * A fresh data folder needs two empty PostgreSQL clusters, the subgraphs' and the gateway's records.
 * PGlite's initdb peaks near 800 MB and takes seconds of CPU; the two processes running one each at the
 * same moment made a fresh start peak at 1.8 GB on two busy cores. Instead: one initdb, in a child
 * process that gives its memory back when it exits, copied into every folder that has no cluster yet (a
 * closed cluster is a plain folder; the tests copy theirs the same way).
 */
async function prepareEmbeddedClusters(dirs: string[]): Promise<void> {
  const missing = dirs.filter((dir) => !existsSync(dir) || readdirSync(dir).length === 0);
  if (missing.length < 2) return; // one alone: its process runs initdb itself at no extra cost
  const template = join(dataDir, `.initdb-${process.pid}`);
  rmSync(template, { recursive: true, force: true });
  const started = Date.now();
  const script = `const { PGlite } = await import(${JSON.stringify(import.meta.resolve('@electric-sql/pglite'))}); await (await PGlite.create({ dataDir: process.argv[1] })).close();`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script, template], { stdio: ['ignore', 'inherit', 'inherit'] });
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  if (code !== 0) {
    // Not fatal: each process then creates its own cluster, as before.
    console.error(`[start] could not prepare the embedded databases (initdb exited ${code}); each process creates its own`);
    rmSync(template, { recursive: true, force: true });
    return;
  }
  for (const dir of missing) {
    mkdirSync(join(dir, '..'), { recursive: true });
    rmSync(dir, { recursive: true, force: true });
    cpSync(template, dir, { recursive: true });
  }
  rmSync(template, { recursive: true, force: true });
  console.log(`[start] created the embedded databases (one initdb, ${((Date.now() - started) / 1000).toFixed(1)} s)`);
}
