import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, GATEWAY_VARIABLES, loadConfig } from '../gateway/config.ts';
import { SUBGRAPH_VARIABLES } from '../subgraphs/config.ts';
import { allVariables, configTable, TABLE_END, TABLE_START } from '../scripts/config-table.ts';
import { freePort } from './support/ports.ts';
import { spawnScript } from './support/processes.ts';
import { REPO_ROOT } from './support/sample.ts';

const README = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');

/** The rows of README's configuration table: variable → default, as written. */
function readmeRows(): Map<string, string> {
  const block = README.slice(README.indexOf(TABLE_START), README.indexOf(TABLE_END));
  const rows = new Map<string, string>();
  for (const line of block.split('\n')) {
    const cells = line.split(' | ');
    const name = /^\| `([A-Z0-9_]+)`$/.exec(cells[0] ?? '')?.[1];
    if (name) rows.set(name, cells[1]!);
  }
  return rows;
}

describe('one config: the README table is the schemas', () => {
  it('every schema variable is a README row with the same default, and every row is in a schema', () => {
    const rows = readmeRows();
    const variables = allVariables();
    expect(rows.size).toBeGreaterThan(40);
    for (const v of variables) expect(rows.get(v.name), v.name).toBe(v.default);
    const known = new Set(variables.map((v) => v.name));
    for (const name of rows.keys()) expect(known.has(name), `${name} is in README but in no schema`).toBe(true);
    for (const v of [...GATEWAY_VARIABLES, ...SUBGRAPH_VARIABLES]) expect(rows.has(v.name), v.name).toBe(true);
    // And the block is exactly what the script prints (regenerate: npx tsx scripts/config-table.ts --write).
    expect(README).toContain(configTable());
  });

  it('the defaults the table states are the values an empty environment gives', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ host: '127.0.0.1', port: 4000, redisPrefix: 'govshare:', drainMs: 10_000, auditCheckpointSeconds: 60, auditVerifySeconds: 300,
      rateLimit: { perSecond: 1000, burst: 2000 }, subgraphCalls: { timeoutMs: 10_000, concurrency: 256, queue: 1024 },
      calendar: { strict: false }, logging: { level: 'info' } });
    expect(loadConfig({ GOVSHARE_RATE_LIMIT: '5' }).rateLimit).toEqual({ perSecond: 5, burst: 5 });
    expect(Object.isFrozen(c) && Object.isFrozen(c.rateLimit)).toBe(true);
  });

  it('a bad value names the variable; several are all reported; a secret is never repeated', () => {
    expect(() => loadConfig({ GOVSHARE_RATE_LIMIT: 'lots' })).toThrow(/^GOVSHARE_RATE_LIMIT: "lots" is not a number/);
    expect(() => loadConfig({ GATEWAY_PORT: '70000' })).toThrow(/GATEWAY_PORT: "70000" must be at most 65535/);
    expect(() => loadConfig({ GOVSHARE_HOLIDAYS_STRICT: 'yes' })).toThrow(/GOVSHARE_HOLIDAYS_STRICT/);
    expect(() => loadConfig({ LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL/);
    expect(() => loadConfig({ GOVSHARE_PUBLIC_URL: 'ftp://x' })).toThrow(/GOVSHARE_PUBLIC_URL/);
    // A background check of the chain that a typo would silently turn off, or make walk the log every second.
    expect(() => loadConfig({ GOVSHARE_AUDIT_VERIFY_SECONDS: 'hourly' })).toThrow(/GOVSHARE_AUDIT_VERIFY_SECONDS: "hourly" is not a whole number/);
    expect(() => loadConfig({ GOVSHARE_AUDIT_VERIFY_SECONDS: '-1' })).toThrow(/GOVSHARE_AUDIT_VERIFY_SECONDS: "-1" must be at least 0/);
    expect(loadConfig({ GOVSHARE_AUDIT_VERIFY_SECONDS: '0' }).auditVerifySeconds).toBe(0);
    const error = (() => { try { loadConfig({ GOVSHARE_DRAIN_MS: '-1', GOVSHARE_SUBGRAPH_QUEUE: 'x' }); } catch (e) { return e; } })() as ConfigError;
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.problems.map((p) => p.split(':')[0])).toEqual(['GOVSHARE_DRAIN_MS', 'GOVSHARE_SUBGRAPH_QUEUE']);
  });
});

/** Files that may read an environment: the two config modules, and tools that are not the running services. */
const ALLOWED = new Set([
  'gateway/config.ts', 'subgraphs/config.ts',
  'gateway/web/vite.config.ts', 'gateway/web/build.ts', // the web build (a build tool, not the gateway)
  'gateway/execution/apollo.ts', // writes APOLLO_TELEMETRY_DISABLED for Apollo's own reading: no setting
  // The observability work's (LOG_LEVEL, OTEL_*), written at the same time as this: to read `config.logging` instead.
  'protocol/telemetry.ts', 'protocol/request-logging.ts',
]);
/** The entry points hand their process's environment to a config loader, and to nothing else (but telemetry, as above). */
const ENTRY_LINE = /(loadConfig|loadSubgraphConfig)\(process\.env\)|startTelemetry\(process\.env,/;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === 'node_modules' || name === 'dist') return [];
    return statSync(path).isDirectory() ? sources(path) : /\.tsx?$/.test(name) ? [path] : [];
  });
}

describe('one config: nothing else reads the environment', () => {
  it('no file in gateway/, protocol/ or subgraphs/ outside the config modules reads process.env or env.NAME', () => {
    const offenders: string[] = [];
    for (const file of ['gateway', 'protocol', 'subgraphs'].flatMap((d) => sources(join(REPO_ROOT, d)))) {
      const path = relative(REPO_ROOT, file);
      if (ALLOWED.has(path)) continue;
      readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
        const code = line.replace(/\/\/.*$/, '').replace(/^\s*\*.*$/, '');
        if (/process\.env\b|\benv\.[A-Z_]|\benv\[/.test(code) && !ENTRY_LINE.test(code)) offenders.push(`${path}:${i + 1}: ${line.trim()}`);
      });
    }
    expect(offenders).toEqual([]);
  });
});

describe('one config: a bad value stops the start (gateway/main.ts as a process)', () => {
  const cases: Array<[string, string]> = [
    ['GOVSHARE_RATE_LIMIT', 'fast'],
    ['GOVSHARE_SUBGRAPH_TIMEOUT_MS', '-5'],
    ['GOVSHARE_SUBGRAPHS', 'population:http://127.0.0.1:4001/graphql'],
    ['GOVSHARE_LIMITS', '{"depth": 15}'],
    ['GOVSHARE_WORKFLOW', '/nonexistent/workflow.json'],
  ];
  it.each(cases)('%s=%s: exit non-zero within seconds, naming it on stderr, nothing listening', async (name, value) => {
    const port = await freePort();
    const started = Date.now();
    const gateway = spawnScript('gateway/main.ts', [], { GATEWAY_PORT: String(port), [name]: value });
    const code = await Promise.race([gateway.exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 15_000))]);
    if (code === 'timeout') await gateway.kill();
    expect(code).toBe(1);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(gateway.output()).toContain(`configuration: ${name}`);
    expect(gateway.output()).not.toContain('serving supergraph');
    // Nothing listened: the port is still free to take.
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
  }, 30_000);
});
