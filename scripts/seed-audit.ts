/**
 * `npm run seed-audit -- --records N --database postgres://…`: fills a records database's audit log with
 * N records (default 10,000,000), a valid hash chain (sealRecord) of realistic operations by 20
 * departments on the seven sample resources, spread over the last `--months` months (default 12) so
 * that the monthly partitions fill — with their audit_index rows, audit_counts and the head, as the
 * gateway's own appends would leave them. For the scale benchmark (`npm run bench -- audit-scale`).
 *
 * On a log that already holds records it continues the chain from the head up to N. Written in
 * transactions of CHUNK records (multi-row INSERTs from one text parameter each: there is no COPY
 * client among the dependencies), two in flight, each moving the head in turn, so an interrupted run
 * resumes where it stopped.
 */
import { createHash } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { createMonthPartition, monthOf, nextMonth } from '../gateway/records/audit-partitions.ts';
import { migrate } from '../gateway/records/migrate.ts';
import { sealRecord } from '../gateway/state/audit-chain.ts';
import { recordIndexes } from '../gateway/state/audit-query.ts';
import type { AuditEntry, AuditRecord } from '../gateway/state/types.ts';
import { openDatabase, type Database } from '../subgraphs/kit/index.ts';

const CHUNK = 20_000;
const DAY_MS = 86_400_000;

/** The demo departments of CONTRACT §2 and twelve more consumers, busiest first. */
export const SEED_DEPARTMENTS = [
  'tax', 'public-security', 'human-resources', 'civil-affairs', 'market-regulation', 'housing', 'data-bureau', 'development-reform',
  'education', 'health', 'transport', 'natural-resources', 'ecology', 'agriculture', 'water', 'commerce', 'culture', 'emergency',
  'statistics', 'justice',
];
const RESOURCES: Array<{ code: string; provider: string; fields: string[] }> = [
  { code: 'POP-PERSON', provider: 'public-security', fields: ['Person.name', 'Person.idNumber', 'Person.birthDate', 'Person.address', 'Person.mobile'] },
  { code: 'ENT-ENTERPRISE', provider: 'market-regulation', fields: ['Enterprise.name', 'Enterprise.creditCode', 'Enterprise.legalRepresentative'] },
  { code: 'LIC-LICENSE', provider: 'data-bureau', fields: ['License.number', 'License.kind', 'License.validUntil'] },
  { code: 'CRD-CREDIT', provider: 'development-reform', fields: ['Enterprise.creditRating', 'Enterprise.dishonestRecords'] },
  { code: 'HSE-PROPERTY', provider: 'housing', fields: ['Property.address', 'Property.area', 'Property.owner'] },
  { code: 'SOC-INSURANCE', provider: 'human-resources', fields: ['Insurance.status', 'Insurance.paidMonths', 'Insurance.employer'] },
  { code: 'CIV-ASSISTANCE', provider: 'civil-affairs', fields: ['Assistance.kind', 'Assistance.since', 'Marriage.status'] },
];
const PURPOSES = ['税务稽查：案件 2026-118', '行政审批', '养老金资格认证', '不动产登记', '社会救助家庭经济状况核对', '企业信用监管', '户籍业务办理', '公积金提取审核'];
const MASKED = ['Person.idNumber', 'Person.mobile', 'Person.address'];

/** A small, fast, seeded generator (mulberry32): the same seq always yields the same record. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The seq-th operation at `at`: consumers skewed (a few departments ask most), 1–3 resources, mostly allowed. */
export function seedEntry(seq: number, at: Date): AuditEntry {
  const next = random(seq * 2654435761);
  const consumer = SEED_DEPARTMENTS[Math.floor(SEED_DEPARTMENTS.length * next() ** 2)]!;
  const picked = new Set<number>();
  const wanted = 1 + Math.floor(next() * next() * 3);
  while (picked.size < wanted) picked.add(Math.floor(next() * RESOURCES.length));
  const resources = [...picked].map((i) => RESOURCES[i]!);
  const fields = resources.flatMap((r) => r.fields.filter(() => next() < 0.6)).sort();
  const platform = next() < 0.02;
  const denied = !platform && next() < 0.04;
  const operationName = platform ? 'applyForAccess' : `Lookup${resources.map((r) => r.code.split('-')[1]).join('')}`;
  return {
    at: at.toISOString(),
    requestId: `seed-${seq.toString(36)}-${Math.floor(next() * 1e9).toString(36)}`,
    consumer,
    operator: next() < 0.7 ? `${consumer}-op-${Math.floor(next() * 40)}` : null,
    purpose: PURPOSES[Math.floor(next() * PURPOSES.length)]!,
    operationName,
    operationHash: createHash('sha256').update(`${operationName}:${fields.join(',')}`).digest('hex'),
    fields: platform ? [] : fields,
    resources: resources.map((r) => r.code).sort(),
    providers: [...new Set(resources.map((r) => r.provider))].sort(),
    decision: denied ? 'DENIED' : 'ALLOWED',
    maskedFields: denied || platform ? [] : fields.filter((f) => MASKED.includes(f)),
    durationMs: Math.round((2 + next() * 60) * 1000) / 1000,
    errorCode: denied ? 'SHARE_DENIED' : null,
    inputDigest: next() < 0.1 ? createHash('sha256').update(String(seq)).digest('hex') : null,
    kind: platform ? 'PLATFORM' : 'DATA',
    detail: platform ? `application for ${resources[0]!.code}` : null,
  };
}

interface Chunk { records: string; indexNames: string[]; indexSeqs: number[]; counts: Map<string, number>; last: AuditRecord }

function buildChunk(fromSeq: number, toSeq: number, prevHash: string, atOf: (seq: number) => Date): Chunk {
  const lines: string[] = [];
  const indexNames: string[] = [];
  const indexSeqs: number[] = [];
  const counts = new Map<string, number>();
  let hash = prevHash;
  let last: AuditRecord | null = null;
  for (let seq = fromSeq; seq <= toSeq; seq++) {
    const record = sealRecord(seedEntry(seq, atOf(seq)), seq, hash);
    hash = record.hash;
    last = record;
    lines.push(JSON.stringify(record));
    for (const name of recordIndexes(record)) {
      indexNames.push(name);
      indexSeqs.push(seq);
      counts.set(name, (counts.get(name) ?? 0) + 1);
    }
  }
  return { records: lines.join('\n'), indexNames, indexSeqs, counts, last: last! };
}

/**
 * One chunk in one transaction, as the append writes it: records and index rows, then — once the
 * previous chunk committed — the counters and the head (only if still where that chunk left it). Two
 * chunks are in flight at once: their inserts run side by side, their heads move in order.
 */
async function writeChunk(db: Database, chunk: Chunk, expected: { seq: number; hash: string }, previous: Promise<void>): Promise<void> {
  await db.transaction(async (tx) => {
    // A seed is re-run rather than recovered: not waiting for each commit's flush costs nothing here.
    await tx.exec('SET LOCAL synchronous_commit = off');
    await tx.query(`INSERT INTO govshare.audit_records (seq, at, record)
      SELECT (r->>'seq')::bigint, (r->>'at')::timestamptz, r FROM (SELECT line::jsonb AS r FROM string_to_table($1::text, E'\\n') AS line) lines`, [chunk.records]);
    await tx.query('INSERT INTO govshare.audit_index (name, seq) SELECT * FROM unnest($1::text[], $2::bigint[])', [chunk.indexNames, chunk.indexSeqs]);
    await previous;
    await tx.query(`INSERT INTO govshare.audit_counts (name, n) SELECT * FROM unnest($1::text[], $2::bigint[])
      ON CONFLICT (name) DO UPDATE SET n = govshare.audit_counts.n + excluded.n`, [[...chunk.counts.keys()], [...chunk.counts.values()]]);
    const moved = await tx.query('UPDATE govshare.audit_head SET seq = $1, hash = $2 WHERE seq = $3 AND hash = $4 RETURNING 1',
      [chunk.last.seq, chunk.last.hash, expected.seq, expected.hash]);
    if (moved.length !== 1) throw new Error('the audit head moved while seeding: another writer is using this log');
  });
}

export interface SeedResult { written: number; total: number; seconds: number; recordsPerSecond: number }

/** Brings the log at `url` to `records` records (migrating the database first); see the file's comment. */
export async function seedAuditLog(url: string, records: number, options: { months?: number; log?: (message: string) => void } = {}): Promise<SeedResult> {
  const { months = 12, log = console.log } = options;
  const db = await openDatabase({ kind: 'postgres', url, poolSize: 3 });
  try {
    await migrate(db);
    const [head] = await db.query<{ seq: string; hash: string }>('SELECT seq::text AS seq, hash FROM govshare.audit_head');
    let expected = { seq: Number(head!.seq), hash: head!.hash };
    if (expected.seq >= records) return { written: 0, total: expected.seq, seconds: 0, recordsPerSecond: 0 };
    // Evenly from `months` ago to now, or on from the newest record when continuing a seeded log.
    const end = Date.now();
    let start = end - Math.round(months * 30.44) * DAY_MS;
    if (expected.seq > 0) {
      const [newest] = await db.query<{ at: string }>(`SELECT record->>'at' AS at FROM govshare.audit_records WHERE seq = $1`, [expected.seq]);
      if (newest) start = Math.max(start, Date.parse(newest.at) + 1);
    }
    const first = expected.seq + 1;
    const step = (end - start) / Math.max(1, records - first + 1);
    const atOf = (seq: number) => new Date(Math.floor(start + (seq - first) * step));
    for (let month = monthOf(new Date(start)); month <= nextMonth(monthOf(new Date(end))); month = nextMonth(month)) {
      await createMonthPartition(db, month);
    }
    log(`seed-audit: writing records ${first.toLocaleString('en')}–${records.toLocaleString('en')} (${new Date(start).toISOString().slice(0, 10)} to ${new Date(end).toISOString().slice(0, 10)})`);
    const began = process.hrtime.bigint();
    // The newest chunk in flight and the one before it: at most two at once (two cores, two connections).
    let latest: Promise<void> = Promise.resolve();
    let before: Promise<void> = Promise.resolve();
    let reported = Date.now();
    for (let from = first; from <= records; from += CHUNK) {
      // The next chunk is sealed here while the database writes the previous ones.
      const chunk = buildChunk(from, Math.min(records, from + CHUNK - 1), expected.hash, atOf);
      await before;
      const previous = latest;
      before = previous;
      latest = writeChunk(db, chunk, expected, previous);
      // A failure surfaces when awaited below; a rejection must not go unheard meanwhile.
      latest.catch(() => {});
      expected = { seq: chunk.last.seq, hash: chunk.last.hash };
      if (Date.now() - reported > 10_000) {
        reported = Date.now();
        const seconds = Number(process.hrtime.bigint() - began) / 1e9;
        log(`  ${(from - first).toLocaleString('en')} records, ${Math.round((from - first) / seconds).toLocaleString('en')} records/s`);
      }
    }
    await before;
    await latest;
    await db.exec('ANALYZE govshare.audit_records; ANALYZE govshare.audit_index; ANALYZE govshare.audit_counts');
    const seconds = Number(process.hrtime.bigint() - began) / 1e9;
    const written = records - first + 1;
    return { written, total: records, seconds, recordsPerSecond: written / seconds };
  } finally {
    await db.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({ options: { records: { type: 'string' }, database: { type: 'string' }, months: { type: 'string' } } });
  const records = Number((values.records ?? '10000000').replace(/[_,]/g, ''));
  const months = Number(values.months ?? 12);
  const url = values.database ?? process.env.GOVSHARE_STATE_DATABASE_URL;
  if (!Number.isSafeInteger(records) || records < 1 || !Number.isFinite(months) || months <= 0 || !url || !/^postgres(ql)?:\/\//.test(url)) {
    console.error('usage: npm run seed-audit -- --records N --database postgres://… [--months 12]  (or GOVSHARE_STATE_DATABASE_URL)');
    process.exit(2);
  }
  const result = await seedAuditLog(url, records, { months });
  if (result.written === 0) console.log(`seed-audit: the log already holds ${result.total.toLocaleString('en')} records (≥ ${records.toLocaleString('en')}): nothing to do`);
  else console.log(`seed-audit: wrote ${result.written.toLocaleString('en')} records in ${result.seconds.toFixed(1)} s: ${Math.round(result.recordsPerSecond).toLocaleString('en')} records/s; the log holds ${result.total.toLocaleString('en')}`);
}
