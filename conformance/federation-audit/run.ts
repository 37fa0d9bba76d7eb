/**
 * The audit's runner starts this (through run.sh) once per test suite: `node --import tsx run.ts <suite>`.
 * It starts govshare in conformance mode over that suite's subgraphs, and in front of it a proxy that adds
 * the department token (`npm run token`), because the audit's test runner sends no Authorization header
 * and govshare answers 401 to a request without one. One process: the runner's SIGTERM stops both.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createGateway } from '../../gateway/app.ts';
import { ConfigError, loadConfig } from '../../gateway/config.ts';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const suite = process.argv[2];
if (!suite) throw new Error('usage: run.ts <test suite id>');

const auditPort = Number(process.env.CONFORMANCE_AUDIT_PORT ?? 4280);
const frontPort = Number(process.env.CONFORMANCE_GATEWAY_PORT ?? 4290);
const gatewayPort = frontPort + 1;
const department = process.env.CONFORMANCE_DEPARTMENT ?? 'tax';
// One data dir per front port: two runs on different ports do not share records.
const dataDir = join(here, '.data', String(frontPort));

const subgraphs = await fetch(`http://127.0.0.1:${auditPort}/${suite}/subgraphs`, { headers: { accept: 'application/json' } })
  .then((r) => r.json() as Promise<Array<{ name: string; url: string }>>);

// Each suite composes its own subgraphs only: the records (and with them the schema registry, which would
// keep the previous suite's subgraphs) start empty; the keys stay, so one token serves every suite.
rmSync(join(dataDir, 'records'), { recursive: true, force: true });
mkdirSync(dataDir, { recursive: true });

const env: NodeJS.ProcessEnv = {
  ...process.env,
  GOVSHARE_CONFORMANCE: '1',
  GOVSHARE_DATA_DIR: dataDir,
  GOVSHARE_SUBGRAPHS: subgraphs.map((s) => `${s.name}=${s.url.replace('//localhost:', '//127.0.0.1:')}`).join(','),
  GATEWAY_HOST: '127.0.0.1',
  GATEWAY_PORT: String(gatewayPort),
  GOVSHARE_RATE_LIMIT: '0',
  LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
};
let config;
try {
  config = loadConfig(env);
} catch (error) {
  if (error instanceof ConfigError) for (const problem of error.problems) console.error(`[conformance] ${problem}`);
  process.exit(1);
}
const gateway = createGateway({ config });
await gateway.start();

const token = departmentToken();
const front = createServer((incoming, outgoing) => {
  const headers = { ...incoming.headers, host: `127.0.0.1:${gatewayPort}` };
  headers.authorization ??= `Bearer ${token}`;
  const upstream = request({ host: '127.0.0.1', port: gatewayPort, method: incoming.method, path: incoming.url, headers }, (answer) => {
    outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(outgoing);
  });
  upstream.on('error', () => { outgoing.writeHead(502).end(); });
  incoming.pipe(upstream);
});
await new Promise<void>((listening) => front.listen(frontPort, '127.0.0.1', listening));
console.log(`[conformance] ${suite}: govshare (conformance mode) on :${gatewayPort}, with the ${department} token on :${frontPort}`);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  front.close();
  front.closeAllConnections();
  await gateway.close().catch(() => {});
  process.exit(0);
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);

/**
 * A consumer token from `npm run token`, signed with the key the gateway generated under the data dir;
 * kept for half an hour (tokens live an hour) so that not every suite pays for a second process.
 */
function departmentToken(): string {
  const cached = join(dataDir, 'conformance-token');
  if (existsSync(cached) && Date.now() - statSync(cached).mtimeMs < 30 * 60_000) return readFileSync(cached, 'utf8').trim();
  const fresh = execFileSync('npm', ['run', '--silent', 'token', '--', '--dept', department, '--ttl', '1h'], {
    cwd: root, env: { ...env }, encoding: 'utf8',
  }).trim().split('\n').pop()!;
  writeFileSync(cached, fresh, { mode: 0o600 });
  return fresh;
}
