import { dayToMs, fromDayNumber, msToDay, toDayNumber } from './iso-date.ts';
import type { IsoDate } from './types.ts';

// China has kept UTC+8 without DST since 1992, so a fixed offset is exact for every date the
// service handles and avoids depending on the host's ICU time-zone data.
const SHANGHAI_OFFSET_MS = 8 * 3_600_000;

/** The calendar date of an instant in Asia/Shanghai: shanghaiDate(new Date('2026-09-30T17:00:00Z')) === '2026-10-01'. */
export function shanghaiDate(instant: Date): IsoDate {
  const ms = instant.getTime();
  if (Number.isNaN(ms)) throw new RangeError('shanghaiDate: invalid Date');
  return fromDayNumber(msToDay(ms + SHANGHAI_OFFSET_MS));
}

/** Midnight at the END of a Shanghai calendar date, as an instant: anything at or after it is past that day. */
export function endOfShanghaiDay(date: IsoDate): Date {
  return new Date(dayToMs(toDayNumber(date) + 1) - SHANGHAI_OFFSET_MS);
}
