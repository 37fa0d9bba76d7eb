import type { GraphQLFieldResolver } from 'graphql';
import { ErrorCode, fieldError, forbidden } from '../../protocol/errors.ts';
import { loadSubgraphConfig } from '../config.ts';
import type { Sql } from './sql.ts';

/**
 * Lookups are no enumeration: every key a consumer looks up that the register does not hold
 * (`person(idNumber:)` → `null`, a `null` in `persons(idNumbers:)`) counts against a daily budget per
 * consumer, kept in the provider's database (`<dbSchema>_govshare.govshare_lookup_misses`, one row per
 * consumer and day, days in Asia/Shanghai). Past the budget every lookup of that consumer answers
 * `RATE_LIMITED` until the day ends, whatever keys it names: refusing only lookups that miss would
 * itself tell which keys exist.
 *
 * - `GOVSHARE_UNKNOWN_KEY_BUDGET` (default 1,000 per consumer, day and subgraph) is read once at start.
 * - A request whose misses take the consumer past the budget is refused too (its misses are recorded).
 * - Cost: a request without misses makes no query once the consumer's count for the day is loaded
 *   (one query per consumer, day and process); a request with misses makes one upsert.
 * - A replica that has not seen the consumer's latest misses may answer until its own next miss,
 *   which returns the day's total from the database and closes it as well.
 */
export const DEFAULT_UNKNOWN_KEY_BUDGET = 1000;
export const UNKNOWN_KEY_BUDGET_ENV = 'GOVSHARE_UNKNOWN_KEY_BUDGET';

/** The configured daily budget; an invalid value stops the start rather than leaving lookups unlimited. */
export function unknownKeyBudgetFromEnv(env: NodeJS.ProcessEnv): number {
  return loadSubgraphConfig(env).unknownKeyBudget; // subgraphs/config.ts reads and checks it
}

const SHANGHAI_OFFSET_MS = 8 * 3600 * 1000;

/**
 * The calendar day in Asia/Shanghai. China has kept UTC+8 without daylight saving since 1991, so a
 * fixed offset gives the same day as Intl's time-zone database (tests compare the two) at a twentieth
 * of the cost: this runs on every lookup.
 */
export function shanghaiDay(now: Date): string {
  return new Date(now.getTime() + SHANGHAI_OFFSET_MS).toISOString().slice(0, 10);
}

function secondsToShanghaiMidnight(now: Date): number {
  const offset = 8 * 3600;
  const seconds = Math.floor(now.getTime() / 1000) + offset;
  return 86_400 - (seconds % 86_400);
}

export interface UnknownKeyBudget {
  /** Throws RATE_LIMITED once the consumer has gone past its budget today. */
  check(consumer: string): Promise<void>;
  /** Records a request's misses; throws RATE_LIMITED when they take the consumer past the budget. */
  record(consumer: string, misses: number): Promise<void>;
}

export interface UnknownKeyBudgetOptions {
  sql: Sql;
  /** The records schema (records.ts). */
  schema: string;
  subgraph: string;
  budget: number;
  now?: () => Date;
  /** Counts misses for the metric, per consumer. */
  onMisses?: (consumer: string, misses: number) => void;
}

export function unknownKeyBudget(options: UnknownKeyBudgetOptions): UnknownKeyBudget {
  const { sql, schema, subgraph, budget, now = () => new Date(), onMisses } = options;
  const table = `${schema}.govshare_lookup_misses`;
  // What this process knows of each consumer's day: a lower bound of the database's count.
  const known = new Map<string, { day: string; misses: number }>();

  const refuse = (consumer: string, misses: number, at: Date) => {
    const retryAfter = secondsToShanghaiMidnight(at);
    return fieldError(ErrorCode.RATE_LIMITED,
      `${consumer} has looked up ${misses.toLocaleString('en-US')} unknown keys at subgraph "${subgraph}" today, past its budget of `
      + `${budget.toLocaleString('en-US')} a day (${UNKNOWN_KEY_BUDGET_ENV}): lookups are refused until midnight Asia/Shanghai, in ${retryAfter} s`,
      { reason: 'UNKNOWN_KEY_BUDGET', subgraph, budget, retryAfter },
    );
  };

  return {
    async check(consumer) {
      const at = now();
      const day = shanghaiDay(at);
      let entry = known.get(consumer);
      if (!entry || entry.day !== day) {
        const rows = await sql.query<{ misses: string | number }>(`SELECT misses FROM ${table} WHERE consumer = $1 AND day = $2::date`, [consumer, day]);
        entry = { day, misses: Number(rows[0]?.misses ?? 0) };
        known.set(consumer, entry);
      }
      if (entry.misses > budget) throw refuse(consumer, entry.misses, at);
    },
    async record(consumer, misses) {
      if (misses <= 0) return;
      onMisses?.(consumer, misses);
      const at = now();
      const day = shanghaiDay(at);
      const rows = await sql.query<{ misses: string | number }>(
        `INSERT INTO ${table} AS t (consumer, day, misses) VALUES ($1, $2::date, $3)
         ON CONFLICT (consumer, day) DO UPDATE SET misses = t.misses + excluded.misses RETURNING misses`, [consumer, day, misses]);
      const total = Number(rows[0]?.misses ?? misses);
      known.set(consumer, { day, misses: total });
      if (total > budget) throw refuse(consumer, total, at);
    },
  };
}

/**
 * The keys a lookup answered `null` for: `null` itself for a single lookup, the `null` entries of a list
 * (told apart by the key at the same position, so a key repeated in one request counts once).
 */
export function unknownKeys(result: unknown, args: Record<string, unknown>): number {
  if (result === null || result === undefined) return 1;
  if (!Array.isArray(result)) return 0;
  const keyList = Object.values(args).find((v) => Array.isArray(v) && v.length === result.length) as unknown[] | undefined;
  const missing = new Set<unknown>();
  result.forEach((r, i) => { if (r === null || r === undefined) missing.add(keyList ? keyList[i] : i); });
  return missing.size;
}

interface GuardContext { caller?: { sub?: unknown } | undefined }

/** Wraps a lookup field (a root field returning entities by key) with the unknown-key budget. */
export function guardLookup(resolve: GraphQLFieldResolver<unknown, unknown>, coordinate: string, budget: UnknownKeyBudget): GraphQLFieldResolver<unknown, unknown> {
  return async (parent, args: Record<string, unknown>, ctx, info) => {
    const consumer = (ctx as GuardContext).caller?.sub;
    if (typeof consumer !== 'string' || consumer === '') {
      throw forbidden(`${coordinate} answers only a calling department the gateway vouches for`);
    }
    await budget.check(consumer);
    const result = await resolve(parent, args, ctx, info);
    await budget.record(consumer, unknownKeys(result, args));
    return result;
  };
}

/** Unknown-key lookups per consumer and day since `since` (YYYY-MM-DD, Asia/Shanghai), newest first: for the evaluation. */
export async function lookupMisses(sql: Sql, schema: string, since: string): Promise<Array<{ consumer: string; day: string; misses: number }>> {
  const rows = await sql.query<{ consumer: string; day: string; misses: string | number }>(
    `SELECT consumer, day::text AS day, misses FROM ${schema}.govshare_lookup_misses WHERE day >= $1::date ORDER BY day DESC, consumer`, [since]);
  return rows.map((r) => ({ consumer: r.consumer, day: r.day, misses: Number(r.misses) }));
}
