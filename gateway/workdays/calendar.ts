import { isWeekend, toDayNumber, fromDayNumber, yearOf, type DayNumber } from './iso-date.ts';
import { layerRules, type DayRules } from './day-rules.ts';
import { packageRules } from './package-rules.ts';
import { readOverrideFile } from './override-file.ts';
import { buildYearTable, countIn, isWorkingIn, nthFrom, type YearTable } from './year-table.ts';
import { UnknownCalendarYearError } from './errors.ts';
import type { CalendarOptions, WorkingDayCalendar } from './types.ts';

// Beyond this, IsoDate would no longer be four digits; a deadline there is a bug, not a date.
const MAX_YEAR = 9999;

export function createWorkingDayCalendar(options: CalendarOptions = {}): WorkingDayCalendar {
  const rules = options.overrideFile ? layerRules(packageRules(), readOverrideFile(options.overrideFile)) : packageRules();
  const strict = options.strict ?? false;
  const warn = options.warn ?? ((message: string) => console.warn(message));
  const known = [...rules.years].sort((a, b) => a - b);
  const tables = new Map<number, YearTable>();
  const warned = new Set<number>();

  const describeKnown = () => `known years: ${formatYears(known)}`;

  /** Strict: refuse. Otherwise: say so once per year, because a weekends-only guess can miss a deadline by a week. */
  function unknownYear(year: number): void {
    if (strict) {
      throw new UnknownCalendarYearError(year, `No holiday calendar for ${year} (${describeKnown()}); add its holidays and adjusted workdays to GOVSHARE_HOLIDAYS`);
    }
    if (warned.has(year)) return;
    warned.add(year);
    warn(`Working-day calendar has no holiday data for ${year} (${describeKnown()}); counting only weekends for ${year}. Add its schedule to GOVSHARE_HOLIDAYS.`);
  }

  function table(year: number): YearTable {
    let t = tables.get(year);
    if (t) return t;
    if (year > MAX_YEAR) throw new RangeError(`Working-day arithmetic went past year ${MAX_YEAR}`);
    if (!rules.years.has(year)) unknownYear(year);
    t = buildYearTable(year, (day) => isWorkingDay(rules, day));
    tables.set(year, t);
    return t;
  }

  for (const year of options.requireYears ?? []) {
    if (!Number.isInteger(year)) throw new RangeError(`requireYears: not a year: ${year}`);
    if (!rules.years.has(year)) unknownYear(year);
  }

  return {
    isWorkingDay(date) {
      const day = toDayNumber(date);
      return isWorkingIn(table(yearOf(day)), day);
    },

    addWorkingDays(date, n) {
      if (!Number.isInteger(n) || n < 1) throw new RangeError(`addWorkingDays: n must be an integer ≥ 1, got ${n}`);
      let from: DayNumber = toDayNumber(date) + 1;
      let remaining = n;
      for (;;) {
        const t = table(yearOf(from));
        const found = nthFrom(t, from, remaining);
        if (found !== undefined) return fromDayNumber(found);
        remaining -= countIn(t, from, t.end);
        from = t.end;
      }
    },

    workingDaysBetween(from, to) {
      const start = toDayNumber(from) + 1;
      const end = toDayNumber(to) + 1;
      let count = 0;
      // Starts from the day after `from`: that day's own year is never consulted unless it is counted.
      for (let day = start; day < end;) {
        const t = table(yearOf(day));
        count += countIn(t, day, end);
        day = t.end;
      }
      return count;
    },

    knownYears: () => [...known],
    isKnownYear: (year) => rules.years.has(year),
  };
}

function isWorkingDay(rules: DayRules, day: DayNumber): boolean {
  return rules.days.get(day) ?? !isWeekend(day);
}

/** 2004–2026, 2035 */
function formatYears(years: number[]): string {
  if (!years.length) return 'none';
  const runs: string[] = [];
  let start = years[0]!;
  for (let i = 1; i <= years.length; i++) {
    if (years[i] === years[i - 1]! + 1) continue;
    const last = years[i - 1]!;
    runs.push(start === last ? `${start}` : `${start}–${last}`);
    start = years[i]!;
  }
  return runs.join(', ');
}
