import type { Database, Sql } from '../../subgraphs/kit/sql.ts';

/**
 * The monthly partitions of `govshare.audit_records` (migration 003). A month is a UTC calendar month,
 * `YYYY-MM`, the first seven characters of the records' own `at` text; its partition is
 * `audit_records_yYYYYmMM`, and what no month partition takes lands in `audit_records_default`.
 */
export type Month = string;

const PARTITION_NAME = /^audit_records_y(\d{4})m(\d{2})$/;
/** Only ours serialises partition creation between replicas (transaction-scoped). */
const PARTITION_LOCK = 0x67_76_70_61; // "gvpa"
/**
 * Rows of a month still in the DEFAULT partition that creating its partition moves in the same
 * transaction. Normally none (months are made a month ahead); past this many, the partition is left
 * uncreated and the month keeps using DEFAULT rather than holding the table locked while rows move.
 */
export const MOVE_FROM_DEFAULT_LIMIT = 10_000;
const DAY_MS = 86_400_000;

export function monthOf(date: Date): Month {
  return date.toISOString().slice(0, 7);
}

/** The first instant of the month, UTC. */
export function monthStart(month: Month): Date {
  const [year, index] = parseMonth(month);
  return new Date(Date.UTC(year, index - 1, 1));
}

/** The first instant after the month, UTC. */
export function monthEnd(month: Month): Date {
  const [year, index] = parseMonth(month);
  return new Date(Date.UTC(year, index, 1));
}

export function nextMonth(month: Month): Month {
  return monthOf(monthEnd(month));
}

export function partitionName(month: Month): string {
  const [year, index] = parseMonth(month);
  return `audit_records_y${year}m${String(index).padStart(2, '0')}`;
}

function parseMonth(month: Month): [number, number] {
  const match = /^(\d{4})-(\d{2})$/.exec(month);
  const index = Number(match?.[2]);
  if (!match || index < 1 || index > 12) throw new Error(`not a month (YYYY-MM): ${JSON.stringify(month)}`);
  return [Number(match[1]), index];
}

/** The month partitions that exist, oldest first (DEFAULT not included). */
export async function listMonthPartitions(db: Sql): Promise<Month[]> {
  const rows = await db.query<{ name: string }>(`
    SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = 'govshare.audit_records'::regclass`);
  return rows.flatMap(({ name }) => {
    const match = PARTITION_NAME.exec(name);
    return match ? [`${match[1]}-${match[2]}`] : [];
  }).sort();
}

export type PartitionOutcome = 'created' | 'exists' | 'archived' | 'too-many-in-default';

/**
 * Creates the month's partition unless it exists. Rows of that month already in DEFAULT are moved in the
 * same transaction (PostgreSQL refuses a partition whose rows DEFAULT still holds), up to
 * MOVE_FROM_DEFAULT_LIMIT; past that the month is left in DEFAULT, which works, only unpartitioned. A
 * month already archived and dropped is not made again: its late records stay in DEFAULT, where the next
 * archive takes them, so no two archives name one month.
 */
export async function createMonthPartition(db: Database, month: Month, moveLimit = MOVE_FROM_DEFAULT_LIMIT): Promise<PartitionOutcome> {
  const name = partitionName(month);
  const from = monthStart(month).toISOString();
  const to = monthEnd(month).toISOString();
  return db.transaction(async (tx) => {
    // DDL on the table waits behind the statements using it and holds the appends behind itself: not for long.
    await tx.exec(`SET LOCAL lock_timeout = '5s'`);
    await tx.query('SELECT pg_advisory_xact_lock($1)', [PARTITION_LOCK]);
    const [exists] = await tx.query(`SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'govshare' AND c.relname = $1`, [name]);
    if (exists) return 'exists';
    const [archived] = await tx.query('SELECT 1 FROM govshare.audit_archives WHERE month = $1', [month]);
    if (archived) return 'archived';
    const [waiting] = await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM (
      SELECT 1 FROM govshare.audit_records_default WHERE at >= $1::timestamptz AND at < $2::timestamptz LIMIT $3) rows`, [from, to, moveLimit + 1]);
    const stranded = Number(waiting?.n ?? 0);
    if (stranded > moveLimit) return 'too-many-in-default';
    if (stranded > 0) {
      await tx.exec('CREATE TEMP TABLE audit_moving (LIKE govshare.audit_records) ON COMMIT DROP');
      await tx.query(`WITH moved AS (
        DELETE FROM govshare.audit_records_default WHERE at >= $1::timestamptz AND at < $2::timestamptz RETURNING seq, at, record
      ) INSERT INTO audit_moving SELECT seq, at, record FROM moved`, [from, to]);
    }
    // Bounds are written with their offset, so the session's time zone cannot shift a month.
    await tx.exec(`CREATE TABLE govshare.${name} PARTITION OF govshare.audit_records FOR VALUES FROM ('${from}') TO ('${to}')`);
    if (stranded > 0) await tx.exec('INSERT INTO govshare.audit_records SELECT seq, at, record FROM audit_moving');
    return 'created';
  });
}

/**
 * This month's and next month's partitions, so appends always find theirs a month ahead. Run at start
 * and daily: after a clock jump forward the jumped-to months are made (empty ones are dropped by
 * retention later); records written under a clock that jumped back land in their month if it still
 * exists, else in DEFAULT. Nothing fails either way.
 */
export async function ensureMonthPartitions(db: Database, now: Date, log: (message: string) => void = () => {}): Promise<Month[]> {
  const current = monthOf(now);
  const made: Month[] = [];
  for (const month of [current, nextMonth(current)]) {
    const outcome = await createMonthPartition(db, month);
    if (outcome === 'created') made.push(month);
    if (outcome === 'too-many-in-default') {
      log(`audit log: more than ${MOVE_FROM_DEFAULT_LIMIT} records of ${month} are in the DEFAULT partition; its own partition is not created at run time (the records are kept and readable as they are)`);
    }
  }
  return made;
}

export interface AuditMaintenanceOptions {
  log?: (message: string) => void;
  now?: () => Date;
  /** The retention run (audit-retention.ts), when GOVSHARE_AUDIT_RETENTION_DAYS is set; stops when `signal` aborts. */
  retention?: (now: Date, signal: AbortSignal) => Promise<unknown>;
  /** Between two runs. Default one day. */
  intervalMs?: number;
}

export interface AuditMaintenance {
  /** Resolves when the run in progress (if any) has stopped at its next step. */
  stop(): Promise<void>;
}

/**
 * The audit log's housekeeping for one open records database: the months' partitions at once (awaited,
 * so appends land in their month from the first) and then daily; retention in the background after
 * that, never two runs at a time in this process (replicas are kept apart by the archiver's lock).
 * A failed run is logged and tried again at the next.
 */
export async function startAuditMaintenance(db: Database, options: AuditMaintenanceOptions = {}): Promise<AuditMaintenance> {
  const { log = () => {}, now = () => new Date(), retention, intervalMs = DAY_MS } = options;
  const abort = new AbortController();
  let running: Promise<void> | null = null;

  const partitions = () => ensureMonthPartitions(db, now(), log)
    .then(() => {}, (error: Error) => log(`audit log: month partitions not created: ${error.message}`));
  const retire = async () => {
    if (!retention || abort.signal.aborted) return;
    await retention(now(), abort.signal).catch((error: Error) => {
      if (!abort.signal.aborted) log(`audit retention: ${error.message}`);
    });
  };
  const tick = () => {
    if (running || abort.signal.aborted) return;
    running = partitions().then(retire).finally(() => { running = null; });
  };

  await partitions();
  if (retention) running = retire().finally(() => { running = null; });
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      abort.abort();
      await running;
    },
  };
}
