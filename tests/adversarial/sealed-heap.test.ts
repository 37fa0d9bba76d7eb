/**
 * Attack class: sealed comparisons (issue 17), the memory side. A gateway that served a sealed job holds
 * none of its claim values, in its heap or its log lines; the same job in clear, as the control, leaves
 * claims in the heap for the same search to find. In a file and a process of its own (vitest.config.ts,
 * project `isolated`): a heap snapshot's cost grows with everything the process holds, and the integration
 * suites share one process.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeHeapSnapshot } from 'node:v8';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type Gateway } from '../../gateway/app.ts';
import { gatewayConfigFromEnv } from '../../gateway/config.ts';
import { generatedJwtSecretPath, loadSigningKey, publishedKeySet } from '../../gateway/keys/index.ts';
import { readOrCreateKeyFile } from '../../gateway/keys/key-file.ts';
import type { StateStores } from '../../gateway/state/index.ts';
import { WELL_KNOWN } from '../support/fixtures.ts';
import { testJwtSecret } from '../support/keys.ts';
import { freePort } from '../support/ports.ts';
import { spawnScript, waitFor, type Spawned } from '../support/processes.ts';
import { pgliteTemplateDir, REPO_ROOT } from '../support/sample.ts';
import { copyPgliteDataDir } from '../support/databases.ts';
import { openPrivateState } from '../support/stack.ts';
import { testToken } from '../support/tokens.ts';

const CONSUMER = 'civil-affairs';
const PURPOSE = '低保核对';

describe('a gateway that served a sealed job holds none of its claim values', () => {
  // The gateway runs in this process; the provider and the consumer (the CLI) in processes of their own, and the
  // claims files are written by another: this process meets a claim value only through the gateway, or when it
  // reads the files, after its heap snapshots are taken.
  const ROWS = 6_000;
  let dir: string;
  let subgraphs: Spawned | undefined;
  let gateway: Gateway | undefined;
  let state: StateStores | undefined;
  const lines: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'govshare-sealed-memory-'));
    const dataDir = join(dir, 'gateway');
    mkdirSync(dataDir);
    readOrCreateKeyFile(generatedJwtSecretPath(dataDir), testJwtSecret);
    const signing = await loadSigningKey({}, dataDir);
    const jwksFile = join(dir, 'jwks.json');
    writeFileSync(jwksFile, JSON.stringify(publishedKeySet(signing, {})));
    const subgraphData = join(dir, 'subgraphs');
    if (existsSync(pgliteTemplateDir())) {
      copyPgliteDataDir(pgliteTemplateDir(), join(subgraphData, 'pglite', 'population'));
    }
    const port = await freePort();
    subgraphs = spawnScript('subgraphs/main.ts', ['population'], {
      GOVSHARE_GATEWAY_JWKS: jwksFile, SUBGRAPH_PORT: String(port), GOVSHARE_DATA_DIR: subgraphData,
      GOVSHARE_SAMPLE_PERSONS: '300', GOVSHARE_SEED: '42', DATABASE_URL: '', REDIS_URL: '', LOG_LEVEL: 'warn',
    });
    await waitFor(async () => subgraphs!.output().includes('population ready at'), 120_000, 'the population subgraph');
    state = await openPrivateState('pglite');
    const config = gatewayConfigFromEnv({ LOG_LEVEL: 'trace' });
    gateway = createGateway({
      // A heap snapshot stops this process for seconds, and the gateway's subgraph deadline with it: a long one here.
      config: { ...config, dataDir, port: 0, subgraphs: [{ name: 'population', url: `http://127.0.0.1:${port}/graphql` }],
        subgraphCalls: { ...config.subgraphCalls, timeoutMs: 600_000 } },
      env: {}, state, logDestination: { write: (line) => { lines.push(line); } },
    });
    await gateway.start();
    await state.grants.create({ consumer: CONSUMER, resource: 'POP-PERSON', fields: ['Query.verifyPersons'], raw: false, purpose: PURPOSE,
      validUntil: new Date(Date.now() + 3_600_000).toISOString() }, new Date());
    for (const name of ['sealed.csv', 'plain.csv']) {
      const written = spawnSync(process.execPath, ['--import', 'tsx', 'tests/support/sealed-claims-csv.ts', join(dir, name), String(ROWS)], { cwd: REPO_ROOT, encoding: 'utf8' });
      expect(written.status, written.stderr).toBe(0);
    }
  }, 240_000);
  afterAll(async () => {
    await gateway?.close();
    await state?.close();
    await subgraphs?.kill();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /**
   * Runs the CLI over `input` and writes heap snapshots of this process while its batches are at the gateway
   * (each once a new batch's results are in and the CLI still runs), then, when `after`, one after it finished.
   * With `enough`, snapshots stop early once one satisfies it.
   */
  async function jobWithSnapshots(name: string, extra: string[], during: number, after: boolean, enough?: (file: string) => boolean): Promise<string[]> {
    const results = join(dir, `${name}-results.csv`);
    const cli = spawnScript('scripts/compare.ts', ['--resource', 'POP-PERSON', '--in', join(dir, `${name}.csv`), '--out', results,
      '--gateway', gateway!.url, '--purpose', PURPOSE, '--batch', '500', ...extra], { GOVSHARE_TOKEN: await testToken(CONSUMER) });
    const snapshots: string[] = [];
    let seen = 0;
    while (cli.child.exitCode === null && snapshots.length < during) {
      const rows = existsSync(results) ? readFileSync(results, 'latin1').split('\n').length : 0;
      if (rows > seen + 500) {
        seen = rows;
        const file = writeHeapSnapshot(join(dir, `${name}-${snapshots.length}.heapsnapshot`));
        snapshots.push(file);
        if (enough?.(file)) break;
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(await cli.exited, cli.output()).toBe(0);
    expect(snapshots.length, 'snapshots taken while the job ran').toBeGreaterThan(0);
    if (after) snapshots.push(writeHeapSnapshot(join(dir, `${name}-after.heapsnapshot`)));
    expect(readFileSync(results, 'utf8').split('\r\n').filter(Boolean)).toHaveLength(ROWS + 1);
    return snapshots;
  }

  /** A claims file's values: ID numbers, the markers in names and addresses, and addresses without one. */
  function needles(name: string) {
    const rows = readFileSync(join(dir, `${name}.csv`), 'utf8').split('\r\n').slice(1).filter(Boolean).map((l) => l.split(','));
    const known = JSON.stringify(WELL_KNOWN);
    return {
      ids: new Set(rows.map((r) => r[0]!)),
      markers: new Set(rows.flatMap((r) => [r[1]!, r[3]!]).flatMap((v) => v.match(/SEAL[A-Z]{12}/g) ?? [])),
      addresses: [...new Set(rows.filter((r) => !r[1]!.includes('SEAL')).map((r) => r[3]!))].filter((v) => v.length >= 8 && !known.includes(v)).slice(0, 40),
    };
  }

  // The heap as V8 writes it: JSON strings, non-ASCII characters as \uXXXX; ASCII runs stay whole.
  const found = (text: string, pattern: RegExp, wanted: Set<string>) => [...new Set(text.match(pattern) ?? [])].filter((m) => wanted.has(m));
  const escaped = (value: string) => [...value].map((c) => (c.charCodeAt(0) < 128 ? c : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)).join('');

  it('finds no ID number, name or address of the job in the gateway\'s heap, during the job or after, nor in its log lines', async () => {
    // Each snapshot of this process (every suite's modules are loaded in it) costs seconds: two during
    // the sealed job and one after it.
    const sealedSnapshots = await jobWithSnapshots('sealed', [], 2, true);
    const sealedLines = lines.length;
    // The control: the same kind of job in clear, through the same gateway, snapshots taken the same way
    // until one holds a claim's marker (a snapshot can fall between two batches, when the gateway holds
    // none). Reading a snapshot that holds no marker puts none in this process' heap, so the next is fair.
    const hasMarker = (file: string) => /SEAL[A-Z]{12}/.test(readFileSync(file).toString('latin1'));
    const plainSnapshots = await jobWithSnapshots('plain', ['--plain'], 8, false, hasMarker);
    console.log(`[sealed heap] the control took ${plainSnapshots.length} snapshot(s) to find claims`);

    // Only now does this process read the claims.
    const sealed = needles('sealed');
    const plain = needles('plain');
    expect(sealed.ids.size).toBeGreaterThan(250);
    expect(sealed.markers.size).toBe(ROWS); // a name and an address marker in every other row
    expect(sealed.addresses.length).toBeGreaterThan(20);
    for (const file of sealedSnapshots) {
      const heap = readFileSync(file).toString('latin1');
      expect(found(heap, /[1-9]\d{16}[\dX]/g, sealed.ids), file).toEqual([]);
      expect(found(heap, /SEAL[A-Z]{12}/g, sealed.markers), file).toEqual([]);
      for (const value of sealed.addresses) expect(heap.includes(escaped(value)), `${value} in ${file}`).toBe(false);
      rmSync(file);
    }
    // In clear, the gateway holds the claims of the batches it is serving: the search finds them.
    let seenInClear = 0;
    for (const file of plainSnapshots) {
      const heap = readFileSync(file).toString('latin1');
      seenInClear += found(heap, /[1-9]\d{16}[\dX]/g, plain.ids).length + found(heap, /SEAL[A-Z]{12}/g, plain.markers).length;
      rmSync(file);
    }
    expect(seenInClear, 'claim values found in the heap while the plain job ran').toBeGreaterThan(0);

    const logs = lines.slice(0, sealedLines).join('\n');
    expect(found(logs, /[1-9]\d{16}[\dX]/g, sealed.ids)).toEqual([]);
    expect(found(logs, /SEAL[A-Z]{12}/g, sealed.markers)).toEqual([]);
    for (const value of sealed.addresses) expect(logs.includes(value), `${value} in the gateway's logs`).toBe(false);
    // The log did record the job: its requests, with their ids, just not what they carried.
    expect(lines.slice(0, sealedLines).filter((l) => l.includes('"request completed"')).length).toBeGreaterThanOrEqual(ROWS / 500);
  }, 600_000);
});
