/**
 * Benchmark of the data-stays-in-place comparisons (not a test): `npx tsx bench/compare.ts`.
 *
 * 1. Starts the seven sample subgraphs in a child process against PostgreSQL `BENCH_COMPARE_DATABASE_URL`
 *    (default `postgres://postgres@127.0.0.1:5432/govshare_big`, seeded with 1,000,000 persons;
 *    `ensureSchemaAndSeed` keeps an existing seed) and a gateway (`gateway/main.ts`) in another, on a
 *    data folder of its own; the consumer applies for `Query.verifyPersons` and the provider approves,
 *    through the platform API as any department would.
 * 2. Sends 10,000 claims (found, not found, mismatching) as 10 requests of 1,000, 2 in flight (the
 *    CLI's default batch: 10,000 claims in one request exceed the §8 default limits on variables and
 *    cost): warm-up, then `--runs` (default 5) timed runs; reports claims/s and end-to-end ms per
 *    10,000, split into SQL (the resolver's statement alone), the subgraph (signed requests straight
 *    to it, same batches) and what the gateway adds; peak RSS (VmHWM) of the gateway and subgraphs.
 * 3. Streams `--cli-rows` (default 1,000,000) claims through `scripts/compare.ts` from a temporary
 *    CSV and reports the time and the CLI's peak RSS.
 *
 * The gateway keeps its records in PostgreSQL `BENCH_RECORDS_URL` when set (its `govshare` schema dropped
 * first), else in embedded PGlite in its data folder.
 * Prints a table and writes `bench/results/compare.json`. Options: `--runs n`, `--cli-rows n`
 * (0 skips the CLI run), `--cli-batch n`, `--cli-parallel n`.
 * `BENCH_NODE_FLAGS` adds node flags to the child processes (`--cpu-prof --cpu-prof-dir=…` to profile).
 * Internal: `--serve-subgraphs` is the child process of step 1.
 */
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { memoryOf, peakRssMb, startScript, stopScript, waitForOutput, type ScriptChild } from './processes.ts';
import { ensureDatabase, gatewayRecordsEnv } from './databases.ts';
import { pipelineInOrder } from '../scripts/compare/batches.ts';
import { fileURLToPath } from 'node:url';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
// Its own variable: a million persons are seeded into this database when it is empty.
const DATABASE_URL = process.env.BENCH_COMPARE_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/govshare_big';
const SAMPLE = { seed: 42, persons: 1_000_000 };
const CLAIMS = 10_000;
/** Claims per request and requests in flight: what `npm run compare` sends by default. */
const BATCH = 1_000;
const IN_FLIGHT = 2;
const CONSUMER = 'civil-affairs';
const PURPOSE = '基准测试';
/** Extra node flags for the child processes, e.g. `BENCH_NODE_FLAGS="--cpu-prof --cpu-prof-dir=prof"` to profile them. */
const CHILD_FLAGS = (process.env.BENCH_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean);
const startChild = (args: string[], env: Record<string, string>) => startScript(args, env, CHILD_FLAGS);

const { values: options } = parseArgs({
  options: {
    'serve-subgraphs': { type: 'boolean' },
    runs: { type: 'string' }, 'cli-rows': { type: 'string' }, 'cli-batch': { type: 'string' }, 'cli-parallel': { type: 'string' },
  },
});

/** Child process: the seven subgraphs over one PostgreSQL pool, on spare ports; prints their URLs. */
async function serveSubgraphs(): Promise<void> {
  const { hostSubgraphs, openDatabase } = await import('../subgraphs/kit/index.ts');
  const { SAMPLE_SUBGRAPHS } = await import('../subgraphs/samples.ts');
  const { gatewayKeysFromEnv } = await import('../subgraphs/kit/gateway-signature.ts');
  await ensureDatabase(DATABASE_URL);
  const db = await openDatabase({ kind: 'postgres', url: DATABASE_URL });
  const hosted = await hostSubgraphs({
    definitions: SAMPLE_SUBGRAPHS, db, sample: SAMPLE, gatewayKeys: gatewayKeysFromEnv(process.env),
    ports: Object.fromEntries(SAMPLE_SUBGRAPHS.map((d) => [d.name, 0])),
    log: (message) => process.stderr.write(`[subgraphs] ${message}\n`),
  });
  process.stdout.write(`READY ${JSON.stringify(Object.fromEntries(hosted.map((h) => [h.name, h.url])))}\n`);
  const stop = async () => { await Promise.all(hosted.map((h) => h.app.close())); await db.close(); process.exit(0); };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

/** The consumer applies for `Query.verifyPersons` and the provider approves: the grant the benchmark runs under. */
async function grantThroughWorkflow(gatewayUrl: string, consumer: Record<string, string>, providerToken: string): Promise<void> {
  const call = async (headers: Record<string, string>, query: string, variables: Record<string, unknown>) => {
    const response = await fetch(`${gatewayUrl}/graphql`, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
    const json = await response.json() as any;
    if (json.errors) throw new Error(`workflow: ${JSON.stringify(json.errors).slice(0, 500)}`);
    return json.data;
  };
  const applied = await call(consumer, 'mutation($input: AccessApplicationInput!) { applyForAccess(input: $input) { id } }',
    { input: { resource: 'POP-PERSON', fields: ['Query.verifyPersons'], purpose: PURPOSE } });
  await call({ 'content-type': 'application/json', authorization: `Bearer ${providerToken}` },
    'mutation($id: ID!) { reviewApplication(id: $id, approve: true) { status } }', { id: applied.applyForAccess.id });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;

async function main(): Promise<void> {
  const runs = Number(options.runs ?? 5);
  const cliRows = Number(options['cli-rows'] ?? 1_000_000);
  const cliBatch = Number(options['cli-batch'] ?? 1000);
  const cliParallel = Number(options['cli-parallel'] ?? 2);
  const { persons } = await import('../subgraphs/sample-data/index.ts');
  const { issueDevToken } = await import('../gateway/identity/token-issuer.ts');
  const { createRequestSigner } = await import('../protocol/gateway-signature.ts');
  const { generateSigningKeyPem, publishedKeySet, signingKeyFromPem } = await import('../gateway/keys/index.ts');
  const { randomSecret } = await import('../gateway/keys/key-file.ts');
  const { openDatabase } = await import('../subgraphs/kit/index.ts');
  const { normalizeIdentifier } = await import('../subgraphs/kit/compare-normalize.ts');
  const { VERIFY_PERSONS_SQL } = await import('../subgraphs/population/compare.ts');
  const { csvLine } = await import('../scripts/compare/csv.ts');

  const { cpus, loadavg } = await import('node:os');
  const loadAtStart = loadavg().map((x) => round(x, 2));
  let subgraphs: ScriptChild | null = null;
  let gateway: ScriptChild | null = null;
  const work = mkdtempSync(join(tmpdir(), 'govshare-bench-compare-'));
  // Keys of this run only: the gateway signs with the private key, the subgraphs get the public JWKS.
  const pem = generateSigningKeyPem();
  const keyFile = join(work, 'gateway-key.pem');
  writeFileSync(keyFile, pem, { mode: 0o600 });
  const signingKey = await signingKeyFromPem(pem, keyFile);
  const jwksFile = join(work, 'gateway-jwks.json');
  writeFileSync(jwksFile, JSON.stringify(publishedKeySet(signingKey, {})));
  const signer = createRequestSigner(signingKey);
  const jwtSecret = randomSecret();
  try {
    console.log(`database ${DATABASE_URL}`);
    let started = Date.now();
    subgraphs = startChild(['bench/compare.ts', '--serve-subgraphs'], { DATABASE_URL, GOVSHARE_GATEWAY_JWKS: jwksFile });
    const urls = JSON.parse((await waitForOutput(subgraphs, /^READY (.*)$/m, 600_000, 'the subgraphs'))[1]!) as Record<string, string>;
    console.log(`subgraphs ready in ${Date.now() - started} ms`);

    started = Date.now();
    const recordsEnv = await gatewayRecordsEnv();
    gateway = startChild(['gateway/main.ts'], {
      ...recordsEnv,
      GATEWAY_PORT: '0', GOVSHARE_DATA_DIR: join(work, 'gateway-data'), GOVSHARE_GATEWAY_KEY: keyFile, GOVSHARE_JWT_SECRET: jwtSecret,
      GOVSHARE_SUBGRAPHS: Object.entries(urls).map(([name, url]) => `${name}=${url}`).join(','),
    });
    const gatewayUrl = (await waitForOutput(gateway, /serving supergraph \S+ at (\S+)\/graphql/, 120_000, 'the gateway'))[1]!;
    console.log(`gateway ready at ${gatewayUrl} in ${Date.now() - started} ms`);
    const token = await issueDevToken({ department: CONSUMER, ttlSeconds: 4 * 3600, secret: jwtSecret });
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-share-purpose': encodeURIComponent(PURPOSE) };
    await grantThroughWorkflow(gatewayUrl, headers, await issueDevToken({ department: 'public-security', roles: ['provider'], ttlSeconds: 3600, secret: jwtSecret }));

    // 10,000 claims from the 1,000,000-person register: 70 % exact, 15 % mismatching, 15 % absent.
    const claims: Array<Record<string, string>> = [];
    let i = 0;
    for (const p of persons(SAMPLE)) {
      if (claims.length >= CLAIMS) break;
      const kind = i++ % 20;
      const exact = { idNumber: p.idNumber, name: p.name, birthDate: p.birthDate, householdAddress: p.householdAddress ?? '' };
      if (kind < 14) claims.push(exact);
      else if (kind === 14) claims.push({ ...exact, name: `${p.name}某` });
      else if (kind === 15) claims.push({ ...exact, birthDate: '1900-01-01' });
      else if (kind === 16) claims.push({ ...exact, idNumber: p.idNumber.toLowerCase(), householdAddress: `${p.householdAddress}附1号` });
      else claims.push({ ...exact, idNumber: `99${p.idNumber.slice(2)}` });
    }
    const query = 'query Bench($claims: [PersonClaim!]!) { verifyPersons(claims: $claims) { index found nameMatches birthDateMatches addressMatches } }';
    const batches: Array<Array<Record<string, string>>> = [];
    for (let b = 0; b < claims.length; b += BATCH) batches.push(claims.slice(b, b + BATCH));
    const bodies = batches.map((batch) => JSON.stringify({ query, variables: { claims: batch }, operationName: 'Bench' }));
    console.log(`${bodies.length} request bodies of ${round(Buffer.byteLength(bodies[0]!) / 1024 / 1024, 2)} MB for ${CLAIMS.toLocaleString('en-US')} claims`);

    const endToEnd = async () => {
      const t0 = performance.now();
      // Scheduled as `npm run compare` schedules its batches.
      const results: Array<Record<string, boolean | number | null>> = [];
      await pipelineInOrder(bodies, IN_FLIGHT, async (body) => {
        const response = await fetch(`${gatewayUrl}/graphql`, { method: 'POST', headers, body });
        const json = await response.json() as any;
        if (json.errors) throw new Error(`gateway: ${JSON.stringify(json.errors).slice(0, 500)}`);
        return json.data.verifyPersons as Array<Record<string, boolean | number | null>>;
      }, (answers) => { results.push(...answers); });
      return { ms: performance.now() - t0, results };
    };
    // The subgraph alone: the same operations, signed as the gateway signs them.
    const subgraphBodies = batches.map((batch) => JSON.stringify({ query, variables: { claims: batch } }));
    const subgraphOnly = async () => {
      const t0 = performance.now();
      await pipelineInOrder(subgraphBodies, IN_FLIGHT, async (subgraphBody) => {
        const signature = await signer.sign({
          aud: 'population', rid: 'bench', sub: CONSUMER, pur: PURPOSE,
          fld: ['Query.verifyPersons', 'PersonVerification.index', 'PersonVerification.found', 'PersonVerification.nameMatches',
            'PersonVerification.birthDateMatches', 'PersonVerification.addressMatches', 'PersonVerification.limited'],
        }, subgraphBody);
        const response = await fetch(urls.population!, { method: 'POST', headers: { 'content-type': 'application/json', 'x-govshare-signature': signature }, body: subgraphBody });
        const json = await response.json() as any;
        if (json.errors) throw new Error(`subgraph: ${JSON.stringify(json.errors).slice(0, 500)}`);
      }, () => {});
      return performance.now() - t0;
    };
    // The resolver's SQL alone, on its own connection.
    const db = await openDatabase({ kind: 'postgres', url: DATABASE_URL, poolSize: 1 });
    const keys = [...new Set(claims.map((c) => normalizeIdentifier(c.idNumber)))];
    const sqlOnly = async () => {
      const t0 = performance.now();
      await db.query(VERIFY_PERSONS_SQL, [keys]);
      return performance.now() - t0;
    };

    for (let w = 0; w < 2; w++) { await endToEnd(); await subgraphOnly(); await sqlOnly(); }
    const e2e: number[] = [];
    const sub: number[] = [];
    const sql: number[] = [];
    let last: Awaited<ReturnType<typeof endToEnd>>['results'] = [];
    for (let r = 0; r < runs; r++) {
      const result = await endToEnd();
      e2e.push(result.ms);
      last = result.results;
      sub.push(await subgraphOnly());
      sql.push(await sqlOnly());
    }
    await db.close();
    const found = last.filter((r) => r.found).length;
    const allTrue = last.filter((r) => r.found && r.nameMatches && r.birthDateMatches && r.addressMatches).length;
    const gatewayMem = memoryOf(gateway.child.pid!);
    const subgraphMem = memoryOf(subgraphs.child.pid!);
    const single = {
      claims: CLAIMS, batch: BATCH, inFlight: IN_FLIGHT, runs,
      endToEndMs: { median: round(median(e2e)), mean: round(mean(e2e)), min: round(Math.min(...e2e)), max: round(Math.max(...e2e)), all: e2e.map((x) => round(x)) },
      claimsPerSecond: Math.round(CLAIMS / (median(e2e) / 1000)),
      subgraphMs: { median: round(median(sub)), all: sub.map((x) => round(x)) },
      sqlMs: { median: round(median(sql)), all: sql.map((x) => round(x)) },
      gatewayAddsMs: round(median(e2e) - median(sub)),
      results: { found, allMatching: allTrue, notFound: last.length - found },
      gatewayMemory: gatewayMem, subgraphMemory: subgraphMem,
      targetMet: median(e2e) < 1000,
    };

    let cli: Record<string, unknown> | null = null;
    if (cliRows > 0) {
      const input = join(work, 'claims.csv');
      const output = join(work, 'results.csv');
      started = Date.now();
      const out = createWriteStream(input);
      out.write(csvLine(['idNumber', 'name', 'birthDate', 'householdAddress']));
      let n = 0;
      for (const p of persons(SAMPLE)) {
        if (n >= cliRows) break;
        const kind = n++ % 20;
        const line = csvLine([kind >= 17 ? `99${p.idNumber.slice(2)}` : p.idNumber, kind === 14 ? `${p.name}某` : p.name, p.birthDate, p.householdAddress]);
        if (!out.write(line)) await once(out, 'drain');
      }
      out.end();
      await once(out, 'finish');
      console.log(`wrote ${n.toLocaleString('en-US')} claims (${round(statSync(input).size / 1024 / 1024)} MB) in ${Date.now() - started} ms`);
      const t0 = performance.now();
      const run = startChild(['scripts/compare.ts', '--resource', 'POP-PERSON', '--in', input, '--out', output, '--gateway', gatewayUrl,
        '--purpose', PURPOSE, '--batch', String(cliBatch), '--parallel', String(cliParallel)], { GOVSHARE_TOKEN: token });
      let cliPeak = 0;
      const poll = setInterval(() => { cliPeak = Math.max(cliPeak, peakRssMb(run.child.pid!)); }, 200);
      const code = await run.exited;
      clearInterval(poll);
      const seconds = (performance.now() - t0) / 1000;
      if (code !== 0) {
        throw new Error(`the CLI exited with ${code}:\n${run.output().slice(-2000)}\n`
          + `gateway (exit ${gateway.child.exitCode ?? gateway.child.signalCode ?? 'running'}):\n${gateway.output().slice(-3000)}\n`
          + `subgraphs (exit ${subgraphs.child.exitCode ?? subgraphs.child.signalCode ?? 'running'}):\n${subgraphs.output().slice(-3000)}`);
      }
      const outputRows = readFileSync(output, 'utf8').split('\n').length - 2;
      cli = {
        rows: n, batch: cliBatch, parallel: cliParallel, seconds: round(seconds), claimsPerSecond: Math.round(n / seconds),
        peakRssMb: cliPeak, outputRows, gatewayMemory: memoryOf(gateway.child.pid!), subgraphMemory: memoryOf(subgraphs.child.pid!),
      };
    }

    // Other work on the machine skews the numbers: the load averages say how quiet it was.
    const machine = { cpus: cpus().length, node: process.version, loadAverageAtStart: loadAtStart, loadAverageAtEnd: loadavg().map((x) => round(x, 2)) };
    const report = { at: new Date().toISOString(), machine, database: DATABASE_URL.replace(/\/\/[^@]*@/, '//'), single, cli };
    console.log('');
    console.log(`load average at start ${loadAtStart.join(' ')}, at end ${machine.loadAverageAtEnd.join(' ')} (${machine.cpus} CPUs)`);
    console.log(`verifyPersons, ${CLAIMS.toLocaleString('en-US')} claims in requests of ${BATCH}, ${IN_FLIGHT} in flight (${runs} runs after warm-up)`);
    console.table({
      'end to end (ms)': { median: single.endToEndMs.median, min: single.endToEndMs.min, max: single.endToEndMs.max },
      'subgraph alone (ms)': { median: single.subgraphMs.median, min: round(Math.min(...sub)), max: round(Math.max(...sub)) },
      'SQL alone (ms)': { median: single.sqlMs.median, min: round(Math.min(...sql)), max: round(Math.max(...sql)) },
    });
    console.table({
      'claims/s (median)': { value: single.claimsPerSecond },
      'gateway adds (ms)': { value: single.gatewayAddsMs },
      'gateway peak RSS (MB)': { value: gatewayMem.peakMb },
      'subgraphs peak RSS (MB)': { value: subgraphMem.peakMb },
      'target < 1000 ms met': { value: single.targetMet },
    });
    if (cli) {
      console.log(`streaming CLI, ${(cli.rows as number).toLocaleString('en-US')} claims (batch ${cliBatch}, ${cliParallel} in flight)`);
      console.table({ cli: { seconds: cli.seconds, 'claims/s': cli.claimsPerSecond, 'peak RSS (MB)': cli.peakRssMb, 'output rows': cli.outputRows } });
    }
    const file = join(REPO, 'bench', 'results', 'compare.json');
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
    console.log(`results written to ${file}`);
  } finally {
    await stopScript(gateway);
    await stopScript(subgraphs);
    rmSync(work, { recursive: true, force: true });
  }
}

if (options['serve-subgraphs']) await serveSubgraphs();
else await main();
