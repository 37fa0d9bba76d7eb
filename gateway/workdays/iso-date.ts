import type { IsoDate } from './types.ts';

/**
 * Days since 1970-01-01. All arithmetic is on these integers through UTC, so neither the host's
 * time zone nor DST can move a date by one (a classic bug when `new Date('YYYY-MM-DD')` meets
 * local-time getters).
 */
export type DayNumber = number;

const MS_PER_DAY = 86_400_000;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The day number of a well-formed, real date (`2027-02-30` is not one), or undefined. */
export function parseIsoDate(text: unknown): DayNumber | undefined {
  if (typeof text !== 'string') return undefined;
  const m = ISO_DATE.exec(text);
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const ms = Date.UTC(y, mo - 1, d);
  // Date.UTC rolls 02-30 over to 03-02 and maps years 0–99 to 1900+; round-tripping catches both.
  return new Date(ms).toISOString().slice(0, 10) === text ? ms / MS_PER_DAY : undefined;
}

export function toDayNumber(date: IsoDate): DayNumber {
  const day = parseIsoDate(date);
  if (day === undefined) throw new RangeError(`Not a calendar date (YYYY-MM-DD): ${JSON.stringify(date)}`);
  return day;
}

export function fromDayNumber(day: DayNumber): IsoDate {
  return new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
}

export function dayToMs(day: DayNumber): number {
  return day * MS_PER_DAY;
}

export function msToDay(ms: number): DayNumber {
  return Math.floor(ms / MS_PER_DAY);
}

export function yearOf(day: DayNumber): number {
  return new Date(day * MS_PER_DAY).getUTCFullYear();
}

export function firstDayOfYear(year: number): DayNumber {
  return Date.UTC(year, 0, 1) / MS_PER_DAY;
}

export function isWeekend(day: DayNumber): boolean {
  const weekday = new Date(day * MS_PER_DAY).getUTCDay();
  return weekday === 0 || weekday === 6;
}
