// Calendar arithmetic on day numbers (days since 1970-01-01, proleptic Gregorian). Integer days
// avoid Date objects in hot loops and can never pick up the host's time zone or clock.

/** The sample data's "today": statuses such as EXPIRED and ages are judged at this date. */
export const REFERENCE_DATE = '2026-06-30';

// Howard Hinnant's days_from_civil / civil_from_days.
export function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const mp = (m + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

export function civilFromDays(z: number): [number, number, number] {
  const zz = z + 719468;
  const era = Math.floor(zz / 146097);
  const doe = zz - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return [era * 400 + yoe + (m <= 2 ? 1 : 0), m, d];
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** 'YYYY-MM-DD'. */
export function formatDay(z: number): string {
  const [y, m, d] = civilFromDays(z);
  return `${y}-${pad2(m)}-${pad2(d)}`;
}

/** 'YYYYMMDD', as embedded in an ID number. */
export function compactDay(z: number): string {
  const [y, m, d] = civilFromDays(z);
  return `${y}${pad2(m)}${pad2(d)}`;
}

export function isValidCivil(y: number, m: number, d: number): boolean {
  if (!Number.isInteger(y) || !Number.isInteger(m) || !Number.isInteger(d)) return false;
  if (m < 1 || m > 12 || d < 1) return false;
  const [yy, mm, dd] = civilFromDays(daysFromCivil(y, m, d));
  return yy === y && mm === m && dd === d;
}

export function parseDay(s: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m || !isValidCivil(Number(m[1]), Number(m[2]), Number(m[3]))) throw new RangeError(`not a date: ${s}`);
  return daysFromCivil(Number(m[1]), Number(m[2]), Number(m[3]));
}

export const REFERENCE_DAY = parseDay(REFERENCE_DATE);

/** Same month and day n years later; 29 February falls back to the 28th. */
export function addYears(z: number, n: number): number {
  const [y, m, d] = civilFromDays(z);
  const ty = y + n;
  return daysFromCivil(ty, m, m === 2 && d === 29 && !isValidCivil(ty, 2, 29) ? 28 : d);
}

/** The first day of z's month. */
export function monthStart(z: number): number {
  const [y, m] = civilFromDays(z);
  return daysFromCivil(y, m, 1);
}

/** Whole calendar months from a to b (a's month counts, b's does not). */
export function monthsBetween(a: number, b: number): number {
  const [ya, ma] = civilFromDays(a);
  const [yb, mb] = civilFromDays(b);
  return Math.max(0, (yb - ya) * 12 + (mb - ma));
}

export function yearOf(z: number): number {
  return civilFromDays(z)[0];
}
