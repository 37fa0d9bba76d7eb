import { firstDayOfYear, type DayNumber } from './iso-date.ts';

/**
 * One year's working days, built once and then answered by index: `prefix[i]` is the number of
 * working days among the year's first `i` days, so counting a span is one subtraction and finding
 * the n-th working day is a binary search.
 */
export interface YearTable {
  readonly year: number;
  readonly first: DayNumber;
  /** Exclusive. */
  readonly end: DayNumber;
  readonly prefix: Uint16Array;
}

export function buildYearTable(year: number, isWorking: (day: DayNumber) => boolean): YearTable {
  const first = firstDayOfYear(year);
  const end = firstDayOfYear(year + 1);
  const prefix = new Uint16Array(end - first + 1);
  for (let i = 0; i < end - first; i++) prefix[i + 1] = prefix[i]! + (isWorking(first + i) ? 1 : 0);
  return { year, first, end, prefix };
}

export function isWorkingIn(table: YearTable, day: DayNumber): boolean {
  const i = day - table.first;
  return table.prefix[i + 1]! > table.prefix[i]!;
}

/** Working days in [from, to) — both clamped to the year. */
export function countIn(table: YearTable, from: DayNumber, to: DayNumber): number {
  const lo = Math.max(from, table.first) - table.first;
  const hi = Math.min(to, table.end) - table.first;
  return hi > lo ? table.prefix[hi]! - table.prefix[lo]! : 0;
}

/** The n-th working day on or after `from` within this year, or undefined if the year runs out first. */
export function nthFrom(table: YearTable, from: DayNumber, n: number): DayNumber | undefined {
  const { prefix } = table;
  const target = prefix[from - table.first]! + n;
  if (target > prefix[prefix.length - 1]!) return undefined;
  // Smallest i with prefix[i] >= target; day i-1 is the one that reached it.
  let lo = from - table.first + 1;
  let hi = prefix.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (prefix[mid]! >= target) hi = mid; else lo = mid + 1;
  }
  return table.first + lo - 1;
}
