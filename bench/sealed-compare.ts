/**
 * Benchmark of sealed comparisons (not a test): `npx tsx bench/sealed-compare.ts`, also run by
 * `npm run bench -- compare`. 10,000 claims as `npm run compare` sends them (10 batches of 1,000, 2 in flight).
 *
 * Measured separately, each the median of `--runs` (default 5) after a warm-up, wall time and CPU time of
 * this process for the whole 10,000:
 * 1. seal — the consumer seals the claims (protocol/sealed-claims/seal.ts);
 * 2. open — the provider opens them (open.ts), as the kit does before comparing;
 * 3. results — the provider seals the results back and the consumer opens them;
 * 4. compare — the comparison itself, end to end in clear through a gateway and the population subgraph
 *    (child processes), and its SQL statement alone;
 * 5. sealed end to end — the same claims sealed, through the same gateway, results opened: what the
 *    10,000-claims-under-1-s target is about.
 * 6. with `--csv <N>` (not in `npm run bench`: a million claims take minutes), `npm run compare` as a user runs
 *    it, sealed by default, over a CSV of N claims (the sample's persons again and again) against the same
 *    gateway: claims per second, and the peak resident memory (VmHWM) of the CLI and of the gateway, which
 *    must not grow with N.
 * The subgraph runs on PostgreSQL `BENCH_SEALED_DATABASE_URL` (default `govshare_sealed` on the local server,
 * seeded with 100,000 persons on first use), else on embedded PGlite; the gateway keeps its records in
 * PostgreSQL `BENCH_RECORDS_URL` when set (its `govshare` schema dropped first), else in embedded PGlite. Writes `bench/results/sealed-compare.json`.
 * Internal: `--serve-subgraph` is the child process of the subgraph.
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { pipelineInOrder } from '../scripts/compare/batches.ts';
import { ensureDatabase, gatewayRecordsEnv } from './databases.ts';
import { cpuSeconds, memoryOf, startScript, stopScript, waitForOutput, type ScriptChild } from './processes.ts';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DATABASE_URL = process.env.BENCH_SEALED_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/govshare_sealed';
const SAMPLE = { seed: 42, persons: 100_000 };
const CLAIMS = 10_000;
const BATCH = 1_000;
const IN_FLIGHT = 2;
const CONSUMER = 'civil-affairs';
const PURPOSE = '基准测试';

/** Child process: the population subgraph on the benchmark database (or PGlite in `pglite`); prints its URL. */
async function serveSubgraph(pgliteDir: string | undefined): Promise<void> {
  const { hostSubgraphs, openDatabase } = await import('../subgraphs/kit/index.ts');
  const { default: population } = await import('../subgraphs/population/index.ts');
  const { gatewayKeysFromEnv } = await import('../subgraphs/kit/gateway-signature.ts');
  const db = pgliteDir ? await openDatabase({ kind: 'pglite', dataDir: pgliteDir }) : await openDatabase({ kind: 'postgres', url: DATABASE_URL });
  const hosted = await hostSubgraphs({ definitions: [population], db, sample: SAMPLE, gatewayKeys: gatewayKeysFromEnv(process.env), ports: { population: 0 } });
  process.stdout.write(`READY ${hosted[0]!.url}\n`);
  const stop = async () => { await Promise.all(hosted.map((h) => h.app.close())); await db.close(); process.exit(0); };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round = (x: number) => Math.round(x * 10) / 10;

interface Timing { ms: number; cpuMs: number }

/** Wall and CPU milliseconds of `work`, this process's CPU (all its threads). */
async function timed(work: () => Promise<unknown>): Promise<Timing> {
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  await work();
  const used = process.cpuUsage(cpu);
  return { ms: performance.now() - t0, cpuMs: (used.user + used.system) / 1000 };
}

/** The benchmark (`npm run bench -- compare` calls it after bench/compare.ts); prints a table, writes the JSON. */
export async function sealedCompareBench({ runs = 5, csvClaims = 0 }: { runs?: number; csvClaims?: number } = {}): Promise<void> {
  const sealed = await import('../protocol/sealed-claims/index.ts');
  const { persons } = await import('../subgraphs/sample-data/index.ts');
  const { issueDevToken } = await import('../gateway/identity/token-issuer.ts');
  const { generateSigningKeyPem, publishedKeySet, signingKeyFromPem } = await import('../gateway/keys/index.ts');
  const { randomSecret } = await import('../gateway/keys/key-file.ts');
  const { openDatabase } = await import('../subgraphs/kit/index.ts');
  const { normalizeIdentifier } = await import('../subgraphs/kit/compare-normalize.ts');
  const { VERIFY_PERSONS_SQL } = await import('../subgraphs/population/compare.ts');

  // 10,000 claims: 70 % exact, 15 % mismatching, 15 % absent (as bench/compare.ts).
  const claims: Array<Record<string, string>> = [];
  let i = 0;
  for (const p of persons(SAMPLE)) {
    if (claims.length >= CLAIMS) break;
    const kind = i++ % 20;
    const exact = { idNumber: p.idNumber, name: p.name, birthDate: p.birthDate, householdAddress: p.householdAddress ?? '' };
    if (kind < 14) claims.push(exact);
    else if (kind === 14) claims.push({ ...exact, name: `${p.name}某` });
    else if (kind === 15) claims.push({ ...exact, birthDate: '1900-01-01' });
    else claims.push({ ...exact, idNumber: `99${p.idNumber.slice(2)}` });
  }
  const batches: Array<Array<Record<string, string>>> = [];
  for (let b = 0; b < claims.length; b += BATCH) batches.push(claims.slice(b, b + BATCH));

  // 1–3: the protocol alone, in this process.
  const key = await sealed.generateClaimKey();
  const privateKey = await sealed.importPrivateKey(key);
  const bindings = batches.map(() => ({ requestId: randomUUID(), consumer: CONSUMER, resource: 'POP-PERSON', purpose: PURPOSE }));
  const flags = { found: true, nameMatches: true, birthDateMatches: false, addressMatches: null, limited: false };
  const stages: Record<'seal' | 'open' | 'results', Timing[]> = { seal: [], open: [], results: [] };
  for (let r = 0; r < runs + 1; r++) {
    let sealedBatches: Awaited<ReturnType<typeof sealed.sealClaims>>[] = [];
    const seal = await timed(async () => { sealedBatches = await Promise.all(batches.map((b, k) => sealed.sealClaims(key, bindings[k]!, b))); });
    const open = await timed(() => Promise.all(sealedBatches.map((b, k) => sealed.openClaims(privateKey, b.sealing, b.sealedClaims, bindings[k]!))));
    const results = await timed(() => Promise.all(sealedBatches.map(async (b, k) =>
      b.openResults(await sealed.sealResults(b.sealing, bindings[k]!, b.sealedClaims.map(() => flags))))));
    if (r === 0) continue; // warm-up
    stages.seal.push(seal); stages.open.push(open); stages.results.push(results);
  }

  // 4–5: through a gateway and the subgraph.
  const work = mkdtempSync(join(tmpdir(), 'govshare-bench-sealed-'));
  let subgraph: ScriptChild | null = null;
  let gateway: ScriptChild | null = null;
  try {
    const pem = generateSigningKeyPem();
    const keyFile = join(work, 'gateway-key.pem');
    writeFileSync(keyFile, pem, { mode: 0o600 });
    const jwksFile = join(work, 'gateway-jwks.json');
    writeFileSync(jwksFile, JSON.stringify(publishedKeySet(await signingKeyFromPem(pem, keyFile), {})));
    let database = `PostgreSQL ${DATABASE_URL}`;
    let pglite: string | null = null;
    try {
      await ensureDatabase(DATABASE_URL, 2000);
    } catch {
      pglite = join(work, 'pglite');
      database = `embedded PGlite (no PostgreSQL at ${DATABASE_URL})`;
    }
    console.log(`  subgraph database: ${database}, ${SAMPLE.persons.toLocaleString('en-US')} persons`);
    subgraph = startScript(['bench/sealed-compare.ts', '--serve-subgraph', ...(pglite ? ['--pglite', pglite] : [])], { GOVSHARE_GATEWAY_JWKS: jwksFile });
    const subgraphUrl = (await waitForOutput(subgraph, /^READY (\S+)$/m, 600_000, 'the subgraph'))[1]!;
    const jwtSecret = randomSecret();
    const recordsEnv = await gatewayRecordsEnv();
    gateway = startScript(['gateway/main.ts'], {
      ...recordsEnv,
      GATEWAY_PORT: '0', GOVSHARE_DATA_DIR: join(work, 'gateway-data'), GOVSHARE_GATEWAY_KEY: keyFile, GOVSHARE_JWT_SECRET: jwtSecret,
      GOVSHARE_SUBGRAPHS: `population=${subgraphUrl}`, LOG_LEVEL: 'warn',
    });
    const gatewayUrl = (await waitForOutput(gateway, /serving supergraph \S+ at (\S+)\/graphql/, 120_000, 'the gateway'))[1]!;
    const token = await issueDevToken({ department: CONSUMER, ttlSeconds: 3600, secret: jwtSecret });
    const provider = await issueDevToken({ department: 'public-security', roles: ['provider'], ttlSeconds: 3600, secret: jwtSecret });
    const post = async (authorization: string, body: unknown) => {
      const response = await fetch(`${gatewayUrl}/graphql`, { method: 'POST', body: JSON.stringify(body),
        headers: { 'content-type': 'application/json', authorization: `Bearer ${authorization}`, 'x-share-purpose': encodeURIComponent(PURPOSE) } });
      const json = await response.json() as any;
      if (json.errors) throw new Error(`gateway: ${JSON.stringify(json.errors).slice(0, 400)}`);
      return json.data;
    };
    const applied = await post(token, { query: 'mutation($input: AccessApplicationInput!) { applyForAccess(input: $input) { id } }',
      variables: { input: { resource: 'POP-PERSON', fields: ['Query.verifyPersons'], purpose: PURPOSE } } });
    await post(provider, { query: 'mutation($id: ID!) { reviewApplication(id: $id, approve: true) { status } }', variables: { id: applied.applyForAccess.id } });
    const catalog = await post(token, { query: '{ resource(code: "POP-PERSON") { claimKey { kid key suite signature } } }' });
    const claimKey = catalog.resource.claimKey as typeof key;

    const plainQuery = 'query Bench($claims: [PersonClaim!]!) { verifyPersons(claims: $claims) { index found nameMatches birthDateMatches addressMatches limited } }';
    const sealedQuery = 'query Bench($sealedClaims: [String!]!, $sealing: ClaimSealing!) { verifyPersons(sealedClaims: $sealedClaims, sealing: $sealing) { index sealed } }';
    const plain = () => pipelineInOrder(batches, IN_FLIGHT, (batch) => post(token, { query: plainQuery, variables: { claims: batch } }), () => {});
    let opened = 0;
    const sealedRun = () => pipelineInOrder(batches, IN_FLIGHT, async (batch) => {
      const sealedBatch = await sealed.sealClaims(claimKey, { requestId: randomUUID(), consumer: CONSUMER, resource: 'POP-PERSON', purpose: PURPOSE }, batch);
      const data = await post(token, { query: sealedQuery, variables: { sealedClaims: sealedBatch.sealedClaims, sealing: sealedBatch.sealing } });
      return sealedBatch.openResults(data.verifyPersons.map((r: { sealed: string }) => r.sealed));
    }, (results) => { opened += results.length; });
    const db = pglite ? null : await openDatabase({ kind: 'postgres', url: DATABASE_URL, poolSize: 1 });
    const keys = [...new Set(claims.map((c) => normalizeIdentifier(c.idNumber)))];
    const e2e = { plain: [] as number[], sealed: [] as number[], sql: [] as number[] };
    // CPU of the gateway and the subgraph process over each sealed run: on two shared cores the three
    // processes' CPU together, not any one's wall time, is what bounds the run.
    const cpu = { plain: { gateway: [] as number[], subgraph: [] as number[] }, sealed: { gateway: [] as number[], subgraph: [] as number[] } };
    const children = { gateway: gateway.child.pid!, subgraph: subgraph.child.pid! };
    const measured = async (work: () => Promise<unknown>, into: { gateway: number[]; subgraph: number[] }, keep: boolean) => {
      const before = { gateway: cpuSeconds(children.gateway), subgraph: cpuSeconds(children.subgraph) };
      const timing = await timed(work);
      if (keep) {
        into.gateway.push((cpuSeconds(children.gateway) - before.gateway) * 1000);
        into.subgraph.push((cpuSeconds(children.subgraph) - before.subgraph) * 1000);
      }
      return timing;
    };
    for (let r = 0; r < runs + 1; r++) {
      const p = await measured(plain, cpu.plain, r > 0);
      const s = await measured(sealedRun, cpu.sealed, r > 0);
      const q = db ? await timed(() => db.query(VERIFY_PERSONS_SQL, [keys])) : null;
      if (r === 0) continue;
      e2e.plain.push(p.ms); e2e.sealed.push(s.ms); if (q) e2e.sql.push(q.ms);
    }
    await db?.close();
    if (opened !== CLAIMS * (runs + 1)) throw new Error(`opened ${opened} sealed results, expected ${CLAIMS * (runs + 1)}`);

    const summary = (xs: Timing[]) => ({ ms: round(median(xs.map((x) => x.ms))), cpuMs: round(median(xs.map((x) => x.cpuMs))) });
    const result = {
      claims: CLAIMS, batch: BATCH, inFlight: IN_FLIGHT, runs, database,
      sealMs: summary(stages.seal), openMs: summary(stages.open), resultsMs: summary(stages.results),
      compareInClearEndToEndMs: round(median(e2e.plain)), sqlMs: e2e.sql.length ? round(median(e2e.sql)) : null,
      sealedEndToEndMs: round(median(e2e.sealed)), all: { plain: e2e.plain.map(round), sealed: e2e.sealed.map(round) },
      processCpuMs: {
        plain: { gateway: round(median(cpu.plain.gateway)), subgraph: round(median(cpu.plain.subgraph)) },
        sealed: { gateway: round(median(cpu.sealed.gateway)), subgraph: round(median(cpu.sealed.subgraph)) },
      },
      targetMet: median(e2e.sealed) < 1000,
    };
    mkdirSync(join(REPO, 'bench', 'results'), { recursive: true });
    writeFileSync(join(REPO, 'bench', 'results', 'sealed-compare.json'), JSON.stringify(result, null, 2));
    console.log(`  10,000 claims, 10 batches of 1,000 (medians of ${runs}; wall ms, CPU ms of one process):`);
    console.log(`    seal (consumer)                    ${result.sealMs.ms} ms (CPU ${result.sealMs.cpuMs})`);
    console.log(`    open (provider)                    ${result.openMs.ms} ms (CPU ${result.openMs.cpuMs})`);
    console.log(`    results sealed back and opened     ${result.resultsMs.ms} ms (CPU ${result.resultsMs.cpuMs})`);
    console.log(`    compare in clear, end to end       ${result.compareInClearEndToEndMs} ms${result.sqlMs !== null ? ` (its SQL alone ${result.sqlMs} ms)` : ''}`);
    console.log(`    sealed, end to end                 ${result.sealedEndToEndMs} ms (target < 1,000 ms: ${result.targetMet ? 'met' : 'not met'})`);
    const c = result.processCpuMs;
    console.log(`    CPU per run, gateway / subgraph     in clear ${c.plain.gateway} / ${c.plain.subgraph} ms, sealed ${c.sealed.gateway} / ${c.sealed.subgraph} ms (10 ms ticks)`);
    if (csvClaims > 0) {
      const job = await csvJob({ claims: csvClaims, persons: () => persons(SAMPLE), work, gatewayUrl, token, gatewayPid: gateway.child.pid! });
      writeFileSync(join(REPO, 'bench', 'results', 'sealed-compare-csv.json'), JSON.stringify(job, null, 2));
      console.log(`    npm run compare, sealed, ${csvClaims.toLocaleString('en-US')} claims   ${job.seconds} s (${job.claimsPerSecond.toLocaleString('en-US')} claims/s); peak RSS: CLI ${job.cliPeakMb} MB, gateway ${job.gatewayPeakMb} MB (before the job: ${job.gatewayStartMb} MB, peak ${job.gatewayPeakBeforeMb} MB)`);
    }
  } finally {
    await stopScript(gateway);
    await stopScript(subgraph);
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * `npm run compare` over a CSV of `claims` claims (the sample's persons over and over, so no value is new
 * to the claim limits after the first pass), sealed: the CLI fetches and verifies the claim key itself.
 */
async function csvJob(options: {
  claims: number; persons: () => Iterable<{ idNumber: string; name: string; birthDate: string; householdAddress?: string | null }>;
  work: string; gatewayUrl: string; token: string; gatewayPid: number;
}): Promise<{ claims: number; seconds: number; claimsPerSecond: number; cliPeakMb: number; gatewayPeakMb: number; gatewayStartMb: number; gatewayPeakBeforeMb: number }> {
  const input = join(options.work, 'claims.csv');
  const out = createWriteStream(input);
  out.write('idNumber,name,birthDate,householdAddress\n');
  let written = 0;
  while (written < options.claims) {
    for (const p of options.persons()) {
      if (written >= options.claims) break;
      const address = (p.householdAddress ?? '').replaceAll('"', '""');
      if (!out.write(`${p.idNumber},${p.name},${p.birthDate},"${address}"\n`)) await once(out, 'drain');
      written++;
    }
  }
  out.end();
  await once(out, 'finish');
  const before = memoryOf(options.gatewayPid);
  const started = performance.now();
  const cli = startScript(['scripts/compare.ts', '--resource', 'POP-PERSON', '--in', input, '--out', join(options.work, 'results.csv'),
    '--gateway', options.gatewayUrl, '--purpose', PURPOSE], { GOVSHARE_TOKEN: options.token });
  let cliPeakMb = 0;
  const sampler = setInterval(() => { try { cliPeakMb = Math.max(cliPeakMb, memoryOf(cli.child.pid!).peakMb); } catch { /* exited */ } }, 200);
  const code = await cli.exited;
  clearInterval(sampler);
  if (code !== 0) throw new Error(`npm run compare exited ${code}:\n${cli.output().slice(-2000)}`);
  const seconds = (performance.now() - started) / 1000;
  return {
    claims: options.claims, seconds: Math.round(seconds * 10) / 10, claimsPerSecond: Math.round(options.claims / seconds),
    cliPeakMb, gatewayPeakMb: memoryOf(options.gatewayPid).peakMb, gatewayStartMb: before.rssMb, gatewayPeakBeforeMb: before.peakMb,
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { 'serve-subgraph': { type: 'boolean' }, runs: { type: 'string' }, pglite: { type: 'string' }, csv: { type: 'string' } } });
  if (values['serve-subgraph']) await serveSubgraph(values.pglite);
  else {
    const csvClaims = Number(values.csv ?? 0);
    if (!Number.isSafeInteger(csvClaims) || csvClaims < 0) throw new Error(`--csv takes a number of claims (e.g. 1000000), not ${JSON.stringify(values.csv)}`);
    await sealedCompareBench({ runs: Number(values.runs ?? 5), csvClaims });
  }
}
