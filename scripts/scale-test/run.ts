/**
 * `npm run scale-test` (not part of `npm test`; it loads the machine for a minute or two): three gateway
 * replicas behind HAProxy on this machine, under a small steady closed-loop load through HAProxy, and:
 *   1. a grant revoked on replica 1: when each replica refuses it (target ≤ 1 s on all);
 *   2. a subgraph published on replica 1: when each replica serves it (≤ 5 s);
 *   3. `kill -9` of one replica: which requests fail (only those in flight), when HAProxy marks it down;
 *   4. the replica started again: when it serves (≤ 15 s) and HAProxy sends to it again;
 *   5. the reads that grow with the audit log (a page of it, evaluation, verifyAuditChain), timed through
 *      HAProxy after the load, on a log seeded with SCALE_AUDIT_RECORDS records (default 100,000) before
 *      the replicas started.
 * Prints a table and writes bench/results/scale-test.json; exits 1 when a target is missed.
 * README "Running it at scale" quotes its figures.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { cpuSeconds, memoryOf } from '../../bench/processes.ts';
import { LIVENESS_PATH, READINESS_PATH } from '../../gateway/http/health-routes.ts';
import { startPlainSubgraph } from '../../tests/support/plain-subgraph.ts';
import { TAX_RESOLVERS, TAX_SDL_V1 } from '../../tests/support/tax-subgraph.ts';
import { auditAtScale, VERIFY_TARGET_MS } from './audit-at-scale.ts';
import { startDeployment, type Deployment, type Replica } from './deployment.ts';
import { checkIntervalMs, directives, parseHaproxyConfig, section } from './haproxy-config.ts';
import { BIRTH_DATE_QUERY, graphql, grantMobile, headersFor, mobileOutcome, publish, revokeGrant, TAX_QUERY } from './platform-calls.ts';
import { stopEverything, waitUntil } from './processes.ts';
import { startLoad, type SteadyLoad } from './steady-load.ts';

const REPLICAS = 3;
const REVOCATION_ROUNDS = 3;
const TARGETS = { revocationMs: 1000, publishMs: 5000, restartMs: 15_000 };
const BACKEND = 'gateways';
/** A small closed loop: 6 clients, each pausing 50 ms between an answer and its next request. */
const LOAD = { clients: 6, thinkMs: 50 };
/** A whole number of records, `_` or `,` between digits allowed (10_000_000). */
function auditRecords(value = process.env.SCALE_AUDIT_RECORDS ?? '100000'): number {
  const records = Number(value.replace(/[_,]/g, ''));
  if (!Number.isSafeInteger(records) || records < 0) throw new Error(`SCALE_AUDIT_RECORDS: a whole number of audit records, not "${value}"`);
  return records;
}
const log = (message: string) => console.log(`[scale-test] ${message}`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** HAProxy's own bound for a dead server: `fall` failed checks `inter` apart, plus the check under way. */
function haproxyBoundMs(): { intervalMs: number; fall: number; boundMs: number } {
  const backend = section(parseHaproxyConfig(readFileSync(new URL('../../docker/haproxy.cfg', import.meta.url), 'utf8')), 'backend', BACKEND);
  const words = directives(backend, 'default-server')[0] ?? [];
  const fall = Number(words[words.indexOf('fall') + 1] ?? 3);
  const intervalMs = checkIntervalMs(backend);
  return { intervalMs, fall, boundMs: (fall + 1) * intervalMs };
}

/** For each replica, ms from `since` until `done` first answers true for it (null: not within the time). */
async function untilEach(replicas: readonly Replica[], done: (r: Replica) => Promise<boolean>, since: number, timeoutMs: number): Promise<Array<number | null>> {
  return Promise.all(replicas.map(async (replica) => {
    while (Date.now() - since < timeoutMs) {
      if (await done(replica).catch(() => false)) return Date.now() - since;
      await sleep(10);
    }
    return null;
  }));
}

const failuresBetween = (load: SteadyLoad, from: number, to: number) => load.failures.filter((f) => f.at >= from && f.at <= to);

async function steadyWindow(deployment: Deployment, load: SteadyLoad, ms: number) {
  const pids = deployment.replicas.map((r) => r.process.pid);
  const before = { at: Date.now(), tick: load.latest(), cpu: pids.map(cpuSeconds), subgraphs: cpuSeconds(deployment.subgraphs.pid) };
  await sleep(ms);
  const after = { at: Date.now(), tick: load.latest(), cpu: pids.map(cpuSeconds), subgraphs: cpuSeconds(deployment.subgraphs.pid) };
  const requests = (after.tick?.requests ?? 0) - (before.tick?.requests ?? 0);
  const gatewayCpu = after.cpu.reduce((sum, c, i) => sum + c - before.cpu[i]!, 0);
  const gatewayMsPerRequest = (gatewayCpu * 1000) / Math.max(1, requests);
  return {
    seconds: (after.at - before.at) / 1000,
    rps: Math.round(requests / ((after.at - before.at) / 1000)),
    gatewayCpuMsPerRequest: Math.round(gatewayMsPerRequest * 100) / 100,
    subgraphCpuMsPerRequest: Math.round(((after.subgraphs - before.subgraphs) * 1000 / Math.max(1, requests)) * 100) / 100,
    replicaMemoryMb: pids.map((pid) => memoryOf(pid)),
  };
}

async function revocation(deployment: Deployment, load: SteadyLoad) {
  const [first] = deployment.replicas;
  const tax = await headersFor(deployment.jwtSecret, 'tax');
  const began = Date.now();
  const rounds: Array<{ revokeCallMs: number; refusedAfterMs: Array<number | null> }> = [];
  for (let round = 0; round < REVOCATION_ROUNDS; round++) {
    const grant = await grantMobile(first!.url, deployment.jwtSecret);
    // Every replica serves it first, and so holds it in its grant cache.
    await waitUntil(async () => (await Promise.all(deployment.replicas.map((r) => mobileOutcome(r.url, tax)))).every((o) => o === 'SERVED'), 5000, 'every replica to serve the new grant');
    const sent = Date.now();
    await revokeGrant(first!.url, deployment.jwtSecret, grant);
    const answered = Date.now();
    const refusedAfterMs = await untilEach(deployment.replicas, async (r) => (await mobileOutcome(r.url, tax)) === 'SHARE_DENIED', answered, 5000);
    rounds.push({ revokeCallMs: answered - sent, refusedAfterMs });
    log(`revocation ${round + 1}: revoked on replica-1 in ${answered - sent} ms; refused after ${refusedAfterMs.map((ms) => `${ms ?? '—'} ms`).join(', ')}`);
  }
  const all = rounds.flatMap((r) => r.refusedAfterMs);
  const maxMs = all.includes(null) ? null : Math.max(...(all as number[]));
  return { rounds, maxMs, targetMs: TARGETS.revocationMs, met: maxMs !== null && maxMs <= TARGETS.revocationMs, loadFailures: failuresBetween(load, began, Date.now()).length };
}

async function publishing(deployment: Deployment, load: SteadyLoad) {
  const [first] = deployment.replicas;
  const subgraph = await startPlainSubgraph(TAX_SDL_V1, TAX_RESOLVERS);
  try {
    const housing = await headersFor(deployment.jwtSecret, 'housing');
    const sent = Date.now();
    const version = await publish(first!.url, deployment.jwtSecret, 'tax-records', subgraph.url);
    const answered = Date.now();
    const servedAfterMs = await untilEach(deployment.replicas, async (r) => (await graphql(r.url, TAX_QUERY, housing)).data?.taxPayment?.year === 2025, answered, 10_000);
    const maxMs = servedAfterMs.includes(null) ? null : Math.max(...(servedAfterMs as number[]));
    log(`publish: supergraph ${version} in ${answered - sent} ms on replica-1; served after ${servedAfterMs.map((ms) => `${ms ?? '—'} ms`).join(', ')}`);
    return { publishCallMs: answered - sent, servedAfterMs, maxMs, targetMs: TARGETS.publishMs, met: maxMs !== null && maxMs <= TARGETS.publishMs, loadFailures: failuresBetween(load, sent, Date.now()).length, subgraph };
  } catch (error) {
    await subgraph.close();
    throw error;
  }
}

async function failover(deployment: Deployment, load: SteadyLoad, victim: number) {
  const bound = haproxyBoundMs();
  const replica = deployment.replicas[victim]!;
  // The kill lands while HAProxy has requests in progress on the victim (up to 5 s of asking): those
  // are the ones that may fail.
  let before = (await deployment.haproxy.servers(BACKEND)).get(replica.name)!;
  for (const until = Date.now() + 5000; before.current === 0 && Date.now() < until; await sleep(5)) {
    before = (await deployment.haproxy.servers(BACKEND)).get(replica.name)!;
  }
  const killedAt = Date.now();
  await replica.process.kill9();
  // A request sent before the process was gone may still have reached it: in flight, not "after".
  const goneAt = Date.now();
  let downAfterMs: number | null = null;
  while (Date.now() - killedAt < 10_000) {
    const state = (await deployment.haproxy.servers(BACKEND)).get(replica.name);
    if (state?.status.startsWith('DOWN')) { downAfterMs = Date.now() - killedAt; break; }
    await sleep(20);
  }
  await sleep(Math.max(0, killedAt + 5000 - Date.now()));
  const after = (await deployment.haproxy.servers(BACKEND)).get(replica.name)!;
  const failed = failuresBetween(load, killedAt - 100, Date.now());
  const inFlight = failed.filter((f) => f.startedAt <= goneAt);
  const sentAfter = failed.filter((f) => f.startedAt > goneAt);
  const lastFailureAfterMs = failed.length ? Math.max(...failed.map((f) => f.at)) - killedAt : null;
  log(`kill -9 ${replica.name}: ${before.current} requests in progress on it; ${inFlight.length} requests in flight failed, ${sentAfter.length} sent later failed; HAProxy marked it DOWN after ${downAfterMs ?? '—'} ms, redispatched ${after.redispatches - before.redispatches} meanwhile`);
  return {
    replica: replica.name, inProgressAtKill: before.current, killTookMs: goneAt - killedAt, failedInFlight: inFlight.length,
    failures: failed.map((f) => ({ sentMs: f.startedAt - killedAt, failedMs: f.at - killedAt, status: f.status, what: f.what })), failedSentAfterKill: sentAfter.length, lastFailureAfterMs,
    failureStatuses: [...new Set(failed.map((f) => f.status))], markedDownAfterMs: downAfterMs,
    redispatched: after.redispatches - before.redispatches, retried: after.retries - before.retries,
    haproxy: bound, met: sentAfter.length === 0 && downAfterMs !== null && downAfterMs <= bound.boundMs,
  };
}

async function restart(deployment: Deployment, load: SteadyLoad, index: number) {
  const startedAt = Date.now();
  const replica = deployment.restart(index);
  const tax = await headersFor(deployment.jwtSecret, 'tax');
  await waitUntil(async () => (await fetch(`${replica.url}${LIVENESS_PATH}`)).ok, 60_000, `${replica.name} to listen`, replica.process);
  const listeningMs = Date.now() - startedAt;
  await waitUntil(async () => (await fetch(`${replica.url}${READINESS_PATH}`)).status === 200, 60_000, `${replica.name} to be ready`, replica.process);
  const readyMs = Date.now() - startedAt;
  await waitUntil(async () => (await graphql(replica.url, BIRTH_DATE_QUERY, tax)).data?.person?.birthDate === '1985-03-12', 60_000, `${replica.name} to serve`, replica.process);
  const servesMs = Date.now() - startedAt;
  await waitUntil(async () => (await deployment.haproxy.servers(BACKEND)).get(replica.name)?.status === 'UP', 30_000, `HAProxy to see ${replica.name} UP`);
  const inRotationMs = Date.now() - startedAt;
  const sessions = (await deployment.haproxy.servers(BACKEND)).get(replica.name)!.sessions;
  await sleep(2000);
  const sent = (await deployment.haproxy.servers(BACKEND)).get(replica.name)!.sessions - sessions;
  log(`restart ${replica.name}: listening after ${listeningMs} ms, ready ${readyMs} ms, serving ${servesMs} ms, UP in HAProxy ${inRotationMs} ms; ${sent} requests sent to it in the next 2 s`);
  return { replica: replica.name, listeningMs, readyMs, servesMs, inRotationMs, requestsInNext2s: sent, targetMs: TARGETS.restartMs, met: servesMs <= TARGETS.restartMs, loadFailures: failuresBetween(load, startedAt, Date.now()).length };
}

function table(rows: Array<[string, string, string, boolean | null]>): string {
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => String(r[i]).length), ['what', 'measured', 'target'][i]!.length));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ');
  return [line(['what', 'measured', 'target', 'met']), ...rows.map(([what, measured, target, met]) => line([what, measured, target, met === null ? '' : met ? 'yes' : 'NO']))].join('\n');
}

async function main(): Promise<number> {
  const started = Date.now();
  // Other work on the machine shows in every figure: its load is written down with them.
  const loadBefore = loadavg()[0]!;
  log(`${REPLICAS} gateway replicas behind HAProxy on ${cpus().length} cores (load average ${loadBefore.toFixed(1)})`);
  const seededRecords = auditRecords();
  const deployment = await startDeployment({ replicas: REPLICAS, auditRecords: seededRecords, log });
  const headers = await headersFor(deployment.jwtSecret, 'tax');
  const load = startLoad({
    SCALE_LOAD_URL: `${deployment.haproxy.url}/graphql`, SCALE_LOAD_BODY: JSON.stringify({ query: BIRTH_DATE_QUERY }),
    SCALE_LOAD_HEADERS: JSON.stringify(headers), SCALE_LOAD_EXPECT: '1985-03-12', SCALE_LOAD_CONCURRENCY: String(LOAD.clients), SCALE_LOAD_THINK_MS: String(LOAD.thinkMs),
  });
  let published: Awaited<ReturnType<typeof publishing>> | undefined;
  try {
    await sleep(3000);
    const steady = await steadyWindow(deployment, load, 10_000);
    log(`steady: ${steady.rps} req/s through HAProxy; gateway CPU ${steady.gatewayCpuMsPerRequest} ms/request at that rate; replicas ${steady.replicaMemoryMb.map((m) => `${m.rssMb} MB`).join(', ')} resident`);
    const revoked = await revocation(deployment, load);
    published = await publishing(deployment, load);
    const killed = await failover(deployment, load, 1);
    const restarted = await restart(deployment, load, 1);
    await sleep(2000);
    const summary = await load.stop();
    // After the load: on two shared cores, a read timed under it measures the queue in front of it.
    const audit = await auditAtScale(deployment.haproxy.url, deployment.jwtSecret, seededRecords);
    log(`audit at ${audit.records.toLocaleString('en')} seeded records: auditLog p95 ${audit.auditLog.p95Ms} ms, evaluation p95 ${audit.evaluation.p95Ms} ms, verifyAuditChain first ${audit.firstVerify.ms} ms (${audit.firstVerify.checked} records), then p95 ${audit.verify.p95Ms} ms (≤ ${audit.verify.maxChecked} records)`);
    const allMet = revoked.met && published.met && killed.met && restarted.met && audit.met;
    const results = {
      at: new Date().toISOString(), machine: { cores: cpus().length, node: process.version, haproxy: deployment.haproxy.version, loadAverageBefore: loadBefore, loadAverageAfter: loadavg()[0] },
      replicas: REPLICAS, load: summary, steady, revocation: revoked, publish: { ...published, subgraph: undefined }, failover: killed, restart: restarted, audit,
      seconds: Math.round((Date.now() - started) / 1000), allTargetsMet: allMet,
    };
    const ms = (value: number | null) => (value === null ? 'not seen' : `${value} ms`);
    console.log(`\n${table([
      [`steady load through HAProxy (${LOAD.clients} clients, ${LOAD.thinkMs} ms pauses)`, `${summary.rps} req/s, p50 ${summary.p50} ms, p99 ${summary.p99} ms, ${summary.failed} of ${summary.requests} failed`, '—', null],
      [`gateway CPU per request at ${steady.rps} req/s`, `${steady.gatewayCpuMsPerRequest} ms (health checks and polls included: not a saturation figure)`, '—', null],
      ['gateway replica memory (resident)', steady.replicaMemoryMb.map((m) => `${m.rssMb} MB`).join(', '), '—', null],
      [`revocation on replica-1 → refused on all 3 (${REVOCATION_ROUNDS} rounds)`, `max ${ms(revoked.maxMs)} (${revoked.rounds.map((r) => r.refusedAfterMs.map(ms).join('/')).join('; ')})`, `≤ ${TARGETS.revocationMs} ms`, revoked.met],
      ['publish on replica-1 → served by all 3', `max ${ms(published.maxMs)} (${published.servedAfterMs.map(ms).join('/')})`, `≤ ${TARGETS.publishMs} ms`, published.met],
      [`kill -9 ${killed.replica}: failed requests`, `${killed.failedInFlight} in flight (${killed.inProgressAtKill} in progress on it), ${killed.failedSentAfterKill} sent after the kill (HTTP ${killed.failureStatuses.join(', ') || '—'})`, 'in flight only', killed.failedSentAfterKill === 0],
      [`kill -9 ${killed.replica}: HAProxy marks it down`, `${ms(killed.markedDownAfterMs)}; ${killed.redispatched} requests redispatched meanwhile`, `≤ ${killed.haproxy.boundMs} ms (fall ${killed.haproxy.fall} × inter ${killed.haproxy.intervalMs} ms + 1)`, killed.markedDownAfterMs !== null && killed.markedDownAfterMs <= killed.haproxy.boundMs],
      [`restart ${restarted.replica}: serves`, `${restarted.servesMs} ms (ready ${restarted.readyMs} ms, UP in HAProxy ${restarted.inRotationMs} ms)`, `≤ ${TARGETS.restartMs} ms`, restarted.met],
      [`auditLog(first: 50) as tax, ${audit.records.toLocaleString('en')}+ records`, `median ${audit.auditLog.medianMs} ms, p95 ${audit.auditLog.p95Ms} ms`, `≤ ${audit.targetMs} ms`, audit.auditLog.p95Ms <= audit.targetMs],
      ['evaluation(department: tax)', `median ${audit.evaluation.medianMs} ms, p95 ${audit.evaluation.p95Ms} ms`, `≤ ${audit.targetMs} ms`, audit.evaluation.p95Ms <= audit.targetMs],
      ['verifyAuditChain, first after start', `${audit.firstVerify.ms} ms, ${audit.firstVerify.checked.toLocaleString('en')} records walked, ok ${audit.firstVerify.ok}`, 'ok', audit.firstVerify.ok],
      ['verifyAuditChain, incremental', `median ${audit.verify.medianMs} ms, p95 ${audit.verify.p95Ms} ms, ≤ ${audit.verify.maxChecked.toLocaleString('en')} records walked`, `≤ ${VERIFY_TARGET_MS} ms, ok`, audit.verify.p95Ms <= VERIFY_TARGET_MS && audit.verify.allOk],
    ])}\n`);
    mkdirSync('bench/results', { recursive: true });
    writeFileSync('bench/results/scale-test.json', `${JSON.stringify(results, null, 2)}\n`);
    log(`written bench/results/scale-test.json (${results.seconds} s)${allMet ? '' : '; a target was missed'}`);
    return allMet ? 0 : 1;
  } finally {
    await load.stop().catch(() => undefined);
    await published?.subgraph.close();
    await deployment.stop();
  }
}

const interrupted = async () => { await stopEverything(); process.exit(130); };
process.once('SIGINT', interrupted);
process.once('SIGTERM', interrupted);
try {
  process.exitCode = await main();
} catch (error) {
  console.error(`[scale-test] failed: ${(error as Error).stack ?? error}`);
  await stopEverything();
  process.exitCode = 1;
}
