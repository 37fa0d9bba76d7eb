/**
 * The audit log at scale (`npm run bench -- audit-scale`): reads and appends on a log of
 * BENCH_AUDIT_RECORDS records (default 10,000,000) in PostgreSQL, against the same on an empty log.
 *
 * - The big log is `govshare_audit10m` on the local server (BENCH_AUDIT_DATABASE_URL to choose another;
 *   another record count gets a database of its own name), seeded by `scripts/seed-audit.ts` when its
 *   head holds fewer records (10 million: tens of minutes on this 2-core machine, once; reused afterwards).
 *   The empty log (`govshare_audit_empty`) is made afresh each run.
 * - Everything goes through the gateway's own store functions (createStateStores → SqlAuditLog, with the
 *   records pool's settings): `auditLog(first: 50)` for one consumer — its first page and a page behind a
 *   deep cursor (its 100th-oldest record, months back) — the same through a provider's view and through the
 *   admin's unfiltered view; `evaluation`'s audit figures for one department (and all twenty); appends
 *   one at a time (2,000) and 1,000 at once (10 times), in 5 rounds alternating between the two logs;
 *   the ratio is the median of each round's big/empty (the shared cores' load drifts between rounds);
 *   `verifyAuditChain` on the big log (the store's verify with the checkpointer's trust, as the resolver
 *   calls it): once from wherever the last verified checkpoint is (on a freshly seeded log, or with this
 *   run's new audit key, the whole log), then incremental, each after 1,000 more records and a checkpoint.
 *
 * Prints a table and writes `bench/results/audit-scale.json`. Targets: each read under 50 ms (p95), append
 * throughput on the big log within 10 % of the empty log's.
 */
import pg from 'pg';
import { ensureDatabase } from './databases.ts';
import { quantile } from './quantile.ts';
import { AuditCheckpointer } from '../gateway/audit/checkpointer.ts';
import { generateSigningKeyPem, signingKeyFromPem } from '../gateway/keys/index.ts';
import { randomSecret } from '../gateway/keys/key-file.ts';
import { listMonthPartitions } from '../gateway/records/audit-partitions.ts';
import { createStateStores, type AuditQuery, type StateStores } from '../gateway/state/index.ts';
import { seedAuditLog, seedEntry, SEED_DEPARTMENTS } from '../scripts/seed-audit.ts';

const RECORDS = Number((process.env.BENCH_AUDIT_RECORDS ?? '10000000').replace(/[_,]/g, ''));
const SERVER = 'postgres://postgres@127.0.0.1:5432';
const BIG_URL = process.env.BENCH_AUDIT_DATABASE_URL ?? `${SERVER}/${RECORDS === 10_000_000 ? 'govshare_audit10m' : `govshare_audit_${RECORDS}`}`;
const EMPTY_URL = `${SERVER}/govshare_audit_empty`;
const READ_RUNS = 30;
const SERIAL_APPENDS = 2000;
const CONCURRENT = 1000;
const CONCURRENT_ROUNDS = 10;
/** Alternating rounds (empty, big, empty, big…): a neighbour's load on the shared cores hits both logs alike. */
const APPEND_ROUNDS = 5;
const READ_TARGET_MS = 50;
const INCREMENTAL_CHECKS = 10;
const RECORDS_BETWEEN_CHECKS = 1000;

interface Timing { coldMs: number; medianMs: number; p95Ms: number; maxMs: number; rows: number }
interface Appends { serialPerSecond: number; concurrentPerSecond: number }

async function timed<T>(work: () => Promise<T>): Promise<[number, T]> {
  const started = process.hrtime.bigint();
  const result = await work();
  return [Number(process.hrtime.bigint() - started) / 1e6, result];
}

/** The first call (cold), then READ_RUNS more after two warm-ups. */
async function measure(work: () => Promise<number>): Promise<Timing> {
  const [coldMs, rows] = await timed(work);
  await work();
  await work();
  const times: number[] = [];
  for (let i = 0; i < READ_RUNS; i++) times.push((await timed(work))[0]);
  return timing(coldMs, times, rows);
}

/** A read's Timing from its cold call and the warm ones. */
function timing(coldMs: number, times: readonly number[], rows: number): Timing {
  const sorted = [...times].sort((a, b) => a - b);
  return { coldMs, medianMs: quantile(sorted, 0.5), p95Ms: quantile(sorted, 0.95), maxMs: quantile(sorted, 1), rows };
}

async function appendThroughput(state: StateStores): Promise<Appends> {
  let n = 0;
  const entry = () => seedEntry(1_000_000_000 + n++, new Date());
  const [serialMs] = await timed(async () => { for (let i = 0; i < SERIAL_APPENDS; i++) await state.audit.append(entry()); });
  const [concurrentMs] = await timed(async () => {
    for (let round = 0; round < CONCURRENT_ROUNDS; round++) await Promise.all(Array.from({ length: CONCURRENT }, () => state.audit.append(entry())));
  });
  return { serialPerSecond: SERIAL_APPENDS / (serialMs / 1000), concurrentPerSecond: (CONCURRENT * CONCURRENT_ROUNDS) / (concurrentMs / 1000) };
}

interface Verification { firstMs: number; firstChecked: number; incremental: Timing & { maxChecked: number }; allOk: boolean }

/**
 * verifyAuditChain's work on the big log. The progress row is MACed with the audit key, and this run's key
 * is new: the first check walks from the first record (what a department's first check on an imported or
 * long-unverified log costs), the later ones only the records since the checkpoint verified before.
 */
async function verification(state: StateStores): Promise<Verification> {
  const checkpointer = new AuditCheckpointer({
    audit: state.audit, intervalSeconds: 3600,
    keys: { signing: await signingKeyFromPem(generateSigningKeyPem(), 'generated for the benchmark'), auditKey: randomSecret() },
  });
  try {
    await checkpointer.checkpointNow();
    const check = () => state.audit.verify({ checkpoints: checkpointer.trust(), full: false });
    const [firstMs, first] = await timed(check);
    let n = 0;
    const times: number[] = [];
    let maxChecked = 0;
    let allOk = first.ok;
    for (let i = 0; i < INCREMENTAL_CHECKS; i++) {
      await Promise.all(Array.from({ length: RECORDS_BETWEEN_CHECKS }, () => state.audit.append(seedEntry(2_000_000_000 + n++, new Date()))));
      await checkpointer.checkpointNow();
      const [ms, status] = await timed(check);
      times.push(ms);
      maxChecked = Math.max(maxChecked, status.checked);
      allOk &&= status.ok;
    }
    // "cold": the first incremental check, right after the walk of the whole log.
    return { firstMs, firstChecked: first.checked, allOk, incremental: { ...timing(times[0]!, times, INCREMENTAL_CHECKS), maxChecked } };
  } finally {
    await checkpointer.close();
  }
}

/** The seq of a keyset's `offset`-th oldest entry: a cursor that far back. */
async function deepCursor(url: string, name: string, offset: number): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ seq: string }>('SELECT seq::text AS seq FROM govshare.audit_index WHERE name = $1 ORDER BY seq LIMIT 1 OFFSET $2', [name, offset]);
    return rows[0]!.seq;
  } finally {
    await client.end();
  }
}

async function databaseFacts(url: string): Promise<{ records: number; sizeGb: number; partitions: number }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows: [head] } = await client.query<{ seq: string }>('SELECT seq::text AS seq FROM govshare.audit_head');
    const { rows: [size] } = await client.query<{ bytes: string }>('SELECT pg_database_size(current_database())::text AS bytes');
    const partitions = await listMonthPartitions({ query: async (text, params) => (await client.query(text, params as unknown[])).rows as never[], exec: async (s) => { await client.query(s); } });
    return { records: Number(head!.seq), sizeGb: Number(size!.bytes) / 1e9, partitions: partitions.length };
  } finally {
    await client.end();
  }
}

async function freshDatabase(url: string): Promise<void> {
  const name = new URL(url).pathname.slice(1);
  const admin = new pg.Client({ connectionString: `${SERVER}/postgres` });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
}

export async function auditScale(): Promise<Record<string, unknown>> {
  if (!Number.isSafeInteger(RECORDS) || RECORDS < 1000) throw new Error('BENCH_AUDIT_RECORDS: a whole number ≥ 1000');
  await ensureDatabase(BIG_URL);
  console.log(`  the big log: ${BIG_URL} (${RECORDS.toLocaleString('en')} records wanted)`);
  const seeded = await seedAuditLog(BIG_URL, RECORDS, { log: (m) => console.log(`  ${m}`) });
  if (seeded.written > 0) console.log(`  seeded ${seeded.written.toLocaleString('en')} records in ${seeded.seconds.toFixed(0)} s (${Math.round(seeded.recordsPerSecond).toLocaleString('en')} records/s)`);
  const facts = await databaseFacts(BIG_URL);
  await freshDatabase(EMPTY_URL);

  const consumer = 'tax';
  const small = 'justice';
  const provider = 'public-security';
  const deep = await deepCursor(BIG_URL, `by-consumer:${consumer}`, 100);
  const deepSmall = await deepCursor(BIG_URL, `by-consumer:${small}`, 100);
  const deepProvider = await deepCursor(BIG_URL, `visible-to:${provider}`, 100);
  const deepBoth = await deepCursor(BIG_URL, `by-consumer:${consumer}`, 5000);

  const big = await createStateStores({ records: { url: BIG_URL }, log: (m) => console.log(`  ${m}`) });
  const empty = await createStateStores({ records: { url: EMPTY_URL }, log: (m) => console.log(`  ${m}`) });
  try {
    const page = (query: AuditQuery) => async () => (await big.audit.page(query)).records.length;
    const reads: Record<string, Timing> = {
      [`auditLog(first: 50) as ${consumer}, first page`]: await measure(page({ first: 50, consumer, visibleTo: consumer })),
      [`auditLog(first: 50) as ${consumer}, deep cursor`]: await measure(page({ first: 50, after: deep, consumer, visibleTo: consumer })),
      [`auditLog(first: 50) as ${small} (least active), deep cursor`]: await measure(page({ first: 50, after: deepSmall, consumer: small, visibleTo: small })),
      [`auditLog(first: 50) as ${provider} (provider's view), deep cursor`]: await measure(page({ first: 50, after: deepProvider, visibleTo: provider })),
      [`auditLog(first: 50, consumer: ${consumer}) as housing (intersection), deep cursor`]: await measure(page({ first: 50, after: deepBoth, consumer, visibleTo: 'housing' })),
      'auditLog(first: 50) as admin, first page': await measure(page({ first: 50, visibleTo: 'all' })),
      'auditLog(first: 50) as admin, deep cursor': await measure(page({ first: 50, after: '1000', visibleTo: 'all' })),
      [`evaluation(department: ${consumer}): audit counts`]: await measure(async () => (await big.audit.counts([consumer])).size),
      'evaluation (20 departments): audit counts': await measure(async () => (await big.audit.counts(SEED_DEPARTMENTS)).size),
    };
    const rounds: Array<{ big: Appends; empty: Appends }> = [];
    for (let i = 0; i < APPEND_ROUNDS; i++) rounds.push({ empty: await appendThroughput(empty), big: await appendThroughput(big) });
    const median = (pick: (r: { big: Appends; empty: Appends }) => number) => rounds.map(pick).sort((a, b) => a - b)[Math.floor(rounds.length / 2)]!;
    const appends = {
      serial: { bigPerSecond: median((r) => r.big.serialPerSecond), emptyPerSecond: median((r) => r.empty.serialPerSecond) },
      concurrent1000: { bigPerSecond: median((r) => r.big.concurrentPerSecond), emptyPerSecond: median((r) => r.empty.concurrentPerSecond) },
      rounds,
    };
    console.log('  verifyAuditChain on the big log: the first check walks it whole (about 45 µs a record)');
    const verified = await verification(big);
    const worstReadP95 = Math.max(...Object.values(reads).map((t) => t.p95Ms));
    const serialRatio = median((r) => r.big.serialPerSecond / r.empty.serialPerSecond);
    const concurrentRatio = median((r) => r.big.concurrentPerSecond / r.empty.concurrentPerSecond);
    return {
      at: new Date().toISOString(),
      log: { url: BIG_URL.replace(/\/\/[^@]*@/, '//'), ...facts, seeding: seeded.written > 0 ? seeded : null },
      reads,
      appends,
      verification: verified,
      summary: {
        worstReadP95Ms: worstReadP95, readTargetMet: worstReadP95 < READ_TARGET_MS,
        serialAppendRatio: serialRatio, concurrentAppendRatio: concurrentRatio,
        appendTargetMet: serialRatio >= 0.9 && concurrentRatio >= 0.9,
      },
    };
  } finally {
    await big.close();
    await empty.close();
  }
}

export function auditScaleTable(result: Record<string, unknown>): string {
  const { log, reads, appends, verification: verified, summary } = result as {
    log: { records: number; sizeGb: number; partitions: number };
    verification: Verification;
    reads: Record<string, Timing>;
    appends: { serial: { bigPerSecond: number; emptyPerSecond: number }; concurrent1000: { bigPerSecond: number; emptyPerSecond: number } };
    summary: { worstReadP95Ms: number; readTargetMet: boolean; serialAppendRatio: number; concurrentAppendRatio: number; appendTargetMet: boolean };
  };
  const ms = (n: number) => n.toFixed(2).padStart(8);
  const lines = [
    `  log: ${log.records.toLocaleString('en')} records, ${log.partitions} month partitions, database ${log.sizeGb.toFixed(1)} GB`,
    `  ${'read'.padEnd(78)} ${'cold'.padStart(8)} ${'median'.padStart(8)} ${'p95'.padStart(8)} ${'max'.padStart(8)}  ms`,
    ...Object.entries(reads).map(([name, t]) => `  ${name.padEnd(78)} ${ms(t.coldMs)} ${ms(t.medianMs)} ${ms(t.p95Ms)} ${ms(t.maxMs)}`),
    `  appends/s            ${'empty log'.padStart(12)} ${`${(log.records / 1e6).toFixed(0)}M log`.padStart(12)}   ratio`,
    `  one at a time        ${appends.serial.emptyPerSecond.toFixed(0).padStart(12)} ${appends.serial.bigPerSecond.toFixed(0).padStart(12)}   ${summary.serialAppendRatio.toFixed(2)}`,
    `  1,000 concurrent     ${appends.concurrent1000.emptyPerSecond.toFixed(0).padStart(12)} ${appends.concurrent1000.bigPerSecond.toFixed(0).padStart(12)}   ${summary.concurrentAppendRatio.toFixed(2)}`,
    `  verifyAuditChain: first check ${(verified.firstMs / 1000).toFixed(1)} s (${verified.firstChecked.toLocaleString('en')} records walked); incremental after ${RECORDS_BETWEEN_CHECKS.toLocaleString('en')} records: median ${verified.incremental.medianMs.toFixed(1)} ms, max ${verified.incremental.maxMs.toFixed(1)} ms (≤ ${verified.incremental.maxChecked.toLocaleString('en')} records walked); ${verified.allOk ? 'ok' : 'NOT ok'}`,
    `  reads: worst p95 ${summary.worstReadP95Ms.toFixed(1)} ms (target < ${READ_TARGET_MS} ms: ${summary.readTargetMet ? 'met' : 'NOT met'}); appends on the big log ${summary.appendTargetMet ? 'within' : 'NOT within'} 10 % of the empty log's`,
  ];
  return lines.join('\n');
}
