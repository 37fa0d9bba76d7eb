import type { Redis } from 'ioredis';
import { ChainVerifier, GENESIS_HASH, sealRecord } from './audit-chain.ts';
import { pageSize, pageUpperBound, queryIndexes, recordIndexes } from './audit-query.ts';
import { APPEND_BATCH, PAGE_FROM_INDEXES } from './redis-audit-scripts.ts';
import { storeCall } from './redis-connection.ts';
import { StoreUnavailableError, type AuditChainStatus, type AuditEntry, type AuditLog, type AuditPage, type AuditQuery, type AuditRecord } from './types.ts';

/** Records per append script: bounds the script's run time and argument size under a burst. */
const MAX_BATCH = 256;
/** Every lost compare-and-set means another writer progressed; this many in a row means something is wrong. */
const MAX_ATTEMPTS = 100;
/** Records per XRANGE while verifying: memory stays flat for any log length. */
const VERIFY_CHUNK = 2000;
/** Index seqs one page script may walk before handing back to the client. */
const PAGE_WALK_BUDGET = 5000; // about 3 ms of Redis time

interface Head { seq: number; hash: string }
interface Pending { entry: AuditEntry; resolve(record: AuditRecord): void; reject(error: unknown): void }

/**
 * The audit log in Redis: a stream `audit:log` of records with ids `<seq>-0` (field `r`: the record's JSON),
 * the head `audit:head` ("<seq> <hash>"), and sorted sets `audit:<index>` (score and member: seq, index names
 * from audit-query.ts) for filtered and visibility-restricted pages.
 *
 * Appends are group-committed: one script is in flight per instance; appends arriving meanwhile queue and go
 * together in the next script. Uncontended, an append costs one round trip; a burst of N costs about
 * N / MAX_BATCH round trips.
 */
export class RedisAuditLog implements AuditLog {
  private head: Head = { seq: 0, hash: GENESIS_HASH };
  private queue: Pending[] = [];
  private writing = false;
  private readonly streamKey: string;
  private readonly headKey: string;

  constructor(private readonly redis: Redis, private readonly prefix: string) {
    this.streamKey = `${prefix}audit:log`;
    this.headKey = `${prefix}audit:head`;
  }

  /** Learns the current head so the first append does not need a second try. */
  async start(): Promise<void> {
    this.head = parseHead(await storeCall('read audit head', () => this.redis.get(this.headKey)));
  }

  append(entry: AuditEntry): Promise<AuditRecord> {
    return new Promise<AuditRecord>((resolve, reject) => {
      this.queue.push({ entry, resolve, reject });
      if (this.writing) return;
      this.writing = true;
      // Started a microtask later, so appends issued together (one request's, or a burst's) share the first script.
      queueMicrotask(() => void this.drain());
    });
  }

  async page(query: AuditQuery): Promise<AuditPage> {
    const upper = pageUpperBound(query.after);
    const first = pageSize(query.first);
    const indexes = queryIndexes(query);
    const found = indexes.length === 0 ? await this.latest(upper, first + 1) : await this.latestInIndexes(indexes, upper, first + 1);
    const records = found.slice(0, first);
    return { records, nextCursor: found.length > first ? records.at(-1)!.id : null };
  }

  async counts(departments: readonly string[]): Promise<Map<string, { consumed: number; served: number }>> {
    if (departments.length === 0) return new Map();
    const pipeline = this.redis.pipeline();
    for (const d of departments) pipeline.zcard(`${this.prefix}audit:by-consumer:${d}`).zcard(`${this.prefix}audit:by-provider:${d}`);
    const replies = await storeCall('count audit records', () => pipeline.exec());
    return new Map(departments.map((d, i) => [d, {
      consumed: Number(replies?.[2 * i]?.[1] ?? 0),
      served: Number(replies?.[2 * i + 1]?.[1] ?? 0),
    }]));
  }

  async verify(): Promise<AuditChainStatus> {
    // The head is read first: records appended while we walk lie beyond it and are left for the next check.
    const head = parseHead(await storeCall('read audit head', () => this.redis.get(this.headKey)));
    const verifier = new ChainVerifier();
    let start = '-';
    for (;;) {
      const entries = await storeCall('read audit log', () => this.redis.xrange(this.streamKey, start, `${head.seq}-0`, 'COUNT', VERIFY_CHUNK));
      for (const [id, fields] of entries) {
        if (!verifier.add(parseStoredRecord(fields), id.split('-')[0]!)) return verifier.finish();
      }
      if (entries.length < VERIFY_CHUNK) break;
      start = nextStreamId(entries.at(-1)![0]);
    }
    return verifier.finish(head.seq);
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, MAX_BATCH);
        try {
          const records = await this.writeBatch(batch.map((pending) => pending.entry));
          batch.forEach((pending, i) => pending.resolve(records[i]!));
        } catch (error) {
          for (const pending of batch) pending.reject(error);
        }
      }
    } finally {
      this.writing = false;
    }
  }

  /**
   * Chains the entries on the head we know and writes them if it is still Redis's head, else re-chains on
   * the head Redis reports. After a failed call the batch may or may not have been written; the head we keep
   * is then stale at worst, which the compare-and-set detects on the next batch.
   */
  private async writeBatch(entries: AuditEntry[]): Promise<AuditRecord[]> {
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const records = chainOn(this.head, entries);
      const last = records.at(-1)!;
      const after: Head = { seq: last.seq, hash: last.hash };
      const { keys, args } = this.scriptInput(records, formatHead(this.head), formatHead(after));
      const reply = await storeCall('append audit record', () => APPEND_BATCH.run(this.redis, keys, args)) as [number, string?];
      if (reply[0] === 1) {
        this.head = after;
        return records;
      }
      this.head = parseHead(reply[1] ?? '');
    }
    throw new StoreUnavailableError(`state store unavailable (append audit record): head still moving after ${MAX_ATTEMPTS} attempts`);
  }

  private scriptInput(records: AuditRecord[], expectedHead: string, newHead: string): { keys: string[]; args: Array<string | number> } {
    const keys = [this.headKey, this.streamKey];
    const position = new Map<string, number>();
    const args: Array<string | number> = [expectedHead, newHead, records.length];
    for (const record of records) {
      const indexes = recordIndexes(record);
      args.push(record.seq, JSON.stringify(record), indexes.length);
      for (const index of indexes) {
        let at = position.get(index);
        if (at === undefined) {
          keys.push(`${this.prefix}audit:${index}`);
          at = keys.length; // Lua's KEYS is 1-based
          position.set(index, at);
        }
        args.push(at);
      }
    }
    return { keys, args };
  }

  /** Unrestricted pages read the stream itself, newest first. */
  private async latest(upper: number, count: number): Promise<AuditRecord[]> {
    const end = upper === Infinity ? '+' : `${upper - 1}-0`;
    const entries = await storeCall('read audit log', () => this.redis.xrevrange(this.streamKey, end, '-', 'COUNT', count));
    return entries.map(([, fields]) => parseStoredRecord(fields)).filter((record): record is AuditRecord => record !== null);
  }

  private async latestInIndexes(indexes: string[], upper: number, count: number): Promise<AuditRecord[]> {
    const keys = [this.streamKey, ...indexes.map((index) => `${this.prefix}audit:${index}`)];
    const found: AuditRecord[] = [];
    let bound = upper === Infinity ? '+inf' : `(${upper}`;
    for (;;) {
      const reply = await storeCall('read audit log', () =>
        PAGE_FROM_INDEXES.run(this.redis, keys, [bound, count - found.length, PAGE_WALK_BUDGET])) as string[];
      const [state, lastSeq, ...json] = reply;
      for (const text of json) {
        const record = parseJson(text);
        if (record) found.push(record as AuditRecord);
      }
      if (state !== 'more') return found;
      bound = `(${lastSeq}`;
    }
  }
}

function chainOn(head: Head, entries: AuditEntry[]): AuditRecord[] {
  let { seq, hash } = head;
  return entries.map((entry) => {
    const record = sealRecord(entry, ++seq, hash);
    hash = record.hash;
    return record;
  });
}

function formatHead(head: Head): string {
  return head.seq === 0 ? '' : `${head.seq} ${head.hash}`;
}

function parseHead(text: string | null): Head {
  if (!text) return { seq: 0, hash: GENESIS_HASH };
  const [seq, hash] = text.split(' ');
  return { seq: Number(seq), hash: hash ?? '' };
}

/** A stream entry's record, or null when the entry is not one we wrote (the verifier reports it). */
function parseStoredRecord(fields: string[]): AuditRecord | null {
  return fields[0] === 'r' && fields[1] !== undefined ? parseJson(fields[1]) as AuditRecord | null : null;
}

function parseJson(text: string): unknown {
  try { return JSON.parse(text); } catch { return null; }
}

/** The smallest stream id after `id` (exclusive XRANGE starts without needing Redis 6.2's "(" syntax). */
function nextStreamId(id: string): string {
  const [ms, seq] = id.split('-');
  return `${ms}-${BigInt(seq ?? '0') + 1n}`;
}
