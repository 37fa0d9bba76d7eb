/**
 * `npm start`: the seven sample subgraphs (one process, one embedded database) and the gateway
 * (another process, so the two share the machine's cores), then prints the URLs once `/readyz`
 * answers 200. Ctrl-C stops both.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gatewayConfigFromEnv } from '../gateway/config.ts';
import { keysDir, loadSigningKey, publishedKeySet } from '../gateway/keys/index.ts';
import { ensureWebBuilt } from '../gateway/web/build.ts';

const config = gatewayConfigFromEnv(process.env);
const dataDir = config.dataDir!;
const gatewayUrl = `http://${config.host}:${config.port}`;
const children: ChildProcess[] = [];

function start(name: string, script: string, args: string[] = [], env: NodeJS.ProcessEnv = {}): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    stdio: ['ignore', 'inherit', 'inherit'],
    // graphql-js's development checks cost milliseconds per request; tests run without this.
    env: { NODE_ENV: 'production', ...process.env, ...env },
  });
  child.on('exit', (code, signal) => {
    if (stopping) return;
    console.error(`[start] ${name} exited (${signal ?? code}); stopping`);
    stop(code ?? 1);
  });
  children.push(child);
  return child;
}

let stopping = false;
function stop(code = 0): void {
  stopping = true;
  for (const child of children) child.kill('SIGTERM');
  setTimeout(() => process.exit(code), 500).unref();
}
process.once('SIGINT', () => stop(0));
process.once('SIGTERM', () => stop(0));

// The playground and catalog app are built on install (npm's prepare); rebuilt here only when missing or stale.
await ensureWebBuilt().catch((error: Error) => console.error(`[start] web app not built (${error.message}); /playground and /catalog will build on first visit`));
// The gateway's signing key (generated under the data dir at first start, or GOVSHARE_GATEWAY_KEY) is
// loaded here first, so the subgraphs get its public half before either process starts: they verify
// with the public JWKS only and never hold anything that can sign. The gateway reuses the same key.
const signing = await loadSigningKey(process.env, dataDir, (message) => console.log(`[start] ${message}`));
const subgraphEnv: NodeJS.ProcessEnv = {};
if (!process.env.GOVSHARE_GATEWAY_JWKS_URL && !process.env.GOVSHARE_GATEWAY_JWKS) {
  const jwksFile = join(keysDir(dataDir), 'gateway-jwks.json');
  writeFileSync(jwksFile, `${JSON.stringify(publishedKeySet(signing, process.env), null, 2)}\n`);
  subgraphEnv.GOVSHARE_GATEWAY_JWKS = jwksFile;
}
start('subgraphs', 'subgraphs/main.ts', ['--all'], subgraphEnv);
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
