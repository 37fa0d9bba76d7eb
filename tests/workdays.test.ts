import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { isWorkday as packageIsWorkday } from 'chinese-days';
import {
  HolidayOverrideFileError, UnknownCalendarYearError, calendarFromEnv, createWorkingDayCalendar,
  endOfShanghaiDay, shanghaiDate, type IsoDate,
} from '../gateway/workdays/index.ts';

const DAY = 86_400_000;
const iso = (ms: number): IsoDate => new Date(ms).toISOString().slice(0, 10);
const addDays = (date: IsoDate, n: number): IsoDate => iso(Date.parse(date) + n * DAY);
const isWeekend = (date: IsoDate) => [0, 6].includes(new Date(date).getUTCDay());
/** Day-by-day reference: the slow obvious algorithm the fast one must agree with. */
function naiveAdd(isWorking: (d: IsoDate) => boolean, date: IsoDate, n: number): IsoDate {
  let d = date;
  while (n > 0) { d = addDays(d, 1); if (isWorking(d)) n--; }
  return d;
}

let dir: string;
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'govshare-workdays-')); });
afterAll(() => { rmSync(dir, { recursive: true, force: true }); });
function jsonFile(name: string, content: unknown): string {
  const file = join(dir, name);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

const cal = createWorkingDayCalendar({ warn: () => {} });
const lastKnown = Math.max(...cal.knownYears());
const firstUnknown = lastKnown + 1;

describe('package calendar (chinese-days)', () => {
  it('knows 2004 through at least 2026, contiguously', () => {
    const years = cal.knownYears();
    expect(years[0]).toBe(2004);
    expect(lastKnown).toBeGreaterThanOrEqual(2026);
    expect(years).toEqual(Array.from({ length: lastKnown - 2003 }, (_, i) => 2004 + i));
    expect(cal.isKnownYear(2026)).toBe(true);
    expect(cal.isKnownYear(2003)).toBe(false);
    expect(cal.isKnownYear(firstUnknown)).toBe(false);
  });

  it('agrees with chinese-days isWorkday() on every known day', () => {
    for (let t = Date.UTC(2004, 0, 1); t < Date.UTC(lastKnown + 1, 0, 1); t += DAY) {
      const d = iso(t);
      if (cal.isWorkingDay(d) !== packageIsWorkday(d)) expect.fail(`${d}: ours ${cal.isWorkingDay(d)}, package ${packageIsWorkday(d)}`);
    }
  });
});

describe('National Day 2026', () => {
  it('holidays 10-01..10-07; adjusted workdays Sunday 09-20 and Saturday 10-10', () => {
    for (let d = 1; d <= 7; d++) expect(cal.isWorkingDay(`2026-10-0${d}`), `2026-10-0${d}`).toBe(false);
    expect(cal.isWorkingDay('2026-09-20')).toBe(true); // Sunday
    expect(cal.isWorkingDay('2026-10-10')).toBe(true); // Saturday
    expect(cal.isWorkingDay('2026-10-11')).toBe(false); // ordinary Sunday
    expect(cal.isWorkingDay('2026-09-30')).toBe(true);
    expect(cal.isWorkingDay('2026-10-08')).toBe(true);
  });

  it('submitted 2026-09-30 → 5th working day 2026-10-13', () => {
    expect([1, 2, 3, 4, 5].map((n) => cal.addWorkingDays('2026-09-30', n)))
      .toEqual(['2026-10-08', '2026-10-09', '2026-10-10', '2026-10-12', '2026-10-13']);
    expect(cal.addWorkingDays('2026-09-30', 5)).toBe('2026-10-13');
    expect(cal.workingDaysBetween('2026-09-30', '2026-10-13')).toBe(5);
    // Weekends alone would give 10-07: the holiday data is what makes the difference.
    expect(naiveAdd((d) => !isWeekend(d), '2026-09-30', 5)).toBe('2026-10-07');
  });

  it('Mid-Autumn (09-25..09-27) and the Sunday 09-20 workday', () => {
    expect(cal.addWorkingDays('2026-09-18', 1)).toBe('2026-09-20');
    expect(cal.addWorkingDays('2026-09-18', 5)).toBe('2026-09-24');
    expect(cal.addWorkingDays('2026-09-18', 6)).toBe('2026-09-28');
  });
});

describe('Spring Festival 2026', () => {
  it('holidays 02-15..02-23; adjusted workdays Saturdays 02-14 and 02-28', () => {
    for (let d = 15; d <= 23; d++) expect(cal.isWorkingDay(`2026-02-${d}`), `2026-02-${d}`).toBe(false);
    expect(cal.isWorkingDay('2026-02-14')).toBe(true);
    expect(cal.isWorkingDay('2026-02-28')).toBe(true);
    expect(cal.isWorkingDay('2026-02-24')).toBe(true);
    expect(cal.isWorkingDay('2026-02-13')).toBe(true);
  });

  it('a deadline that crosses the festival', () => {
    // 02-13 Fri, 02-14 Sat (adjusted), then 02-24 Tue, 02-25, 02-26.
    expect(cal.addWorkingDays('2026-02-12', 5)).toBe('2026-02-26');
    expect(cal.addWorkingDays('2026-02-12', 3)).toBe('2026-02-24');
    // 02-27 Fri, 02-28 Sat (adjusted), then 03-02 Mon.
    expect(cal.addWorkingDays('2026-02-12', 7)).toBe('2026-02-28');
    expect(cal.addWorkingDays('2026-02-12', 8)).toBe('2026-03-02');
    expect(cal.workingDaysBetween('2026-02-13', '2026-02-28')).toBe(6);
  });
});

describe('adjusted Saturdays', () => {
  it('an adjusted Saturday is a working day; an ordinary Saturday is not', () => {
    expect(new Date('2026-10-10').getUTCDay()).toBe(6);
    expect(cal.isWorkingDay('2026-10-10')).toBe(true);
    expect(cal.isWorkingDay('2026-10-17')).toBe(false);
    expect(cal.isWorkingDay('2026-02-14')).toBe(true);
    expect(cal.isWorkingDay('2026-02-07')).toBe(false);
    // Submitted on Friday 10-09: the next working day is the adjusted Saturday, not Monday.
    expect(cal.addWorkingDays('2026-10-09', 1)).toBe('2026-10-10');
    expect(cal.addWorkingDays('2026-10-16', 1)).toBe('2026-10-19');
  });
});

describe('override file', () => {
  it('supplies a year the package does not know', () => {
    expect(cal.isKnownYear(2035)).toBe(false); // precondition: the year comes only from the file
    const warn = vi.fn();
    const file = jsonFile('2035.json', { holidays: ['2035-01-01', '2035-02-08', '2035-02-09'], workdays: ['2035-02-10'] });
    const c = createWorkingDayCalendar({ overrideFile: file, strict: true, requireYears: [2035], warn });
    expect(c.isKnownYear(2035)).toBe(true);
    expect(c.knownYears()).toContain(2035);
    expect(c.knownYears()).toContain(2026);
    expect(c.isWorkingDay('2035-01-01')).toBe(false); // Monday, override holiday
    expect(c.isWorkingDay('2035-02-10')).toBe(true); // Saturday, override workday
    expect(c.isWorkingDay('2035-02-17')).toBe(false); // ordinary Saturday
    // Wed 02-07 → Thu 02-08 and Fri 02-09 are holidays, Sat 02-10 works, then Mon 02-12, Tue 02-13.
    expect(c.addWorkingDays('2035-02-07', 1)).toBe('2035-02-10');
    expect(c.addWorkingDays('2035-02-07', 3)).toBe('2035-02-13');
    expect(c.workingDaysBetween('2035-02-07', '2035-02-13')).toBe(3);
    // 2034-12-29 is Friday; 2035-01-01 Monday is off.
    expect(c.workingDaysBetween('2035-01-01', '2035-01-02')).toBe(1);
    expect(c.addWorkingDays('2034-12-31', 1)).toBe('2035-01-02');
    expect(warn).not.toHaveBeenCalled();
  });

  it('wins over the package for the dates it names', () => {
    const file = jsonFile('2026.json', { holidays: ['2026-10-12'], workdays: ['2026-10-04', '2026-10-05'] });
    const c = createWorkingDayCalendar({ overrideFile: file });
    expect(c.isWorkingDay('2026-10-12')).toBe(false);
    expect(c.isWorkingDay('2026-10-04')).toBe(true);
    expect(c.isWorkingDay('2026-10-06')).toBe(false); // untouched package holiday
    // 10-04, 10-05 (override), 10-08, 10-09, 10-10 (package), then 10-12 is off → 10-13.
    expect(c.addWorkingDays('2026-09-30', 5)).toBe('2026-10-10');
    expect(c.addWorkingDays('2026-09-30', 6)).toBe('2026-10-13');
    expect(cal.addWorkingDays('2026-09-30', 6)).toBe('2026-10-14'); // other calendars unaffected
  });

  const malformed: [string, string | object, RegExp][] = [
    ['bad-json.json', '{ "holidays": [', /not valid JSON/],
    ['not-object.json', '["2035-01-01"]', /must be an object/],
    ['short-date.json', { holidays: ['2035-1-1'] }, /"holidays"\[0\] is not a YYYY-MM-DD date/],
    ['impossible-date.json', { workdays: ['2035-02-30'] }, /"workdays"\[0\] is not a YYYY-MM-DD date/],
    ['number-date.json', { holidays: [20350101] }, /not a YYYY-MM-DD date/],
    ['not-array.json', { holidays: '2035-01-01' }, /"holidays" must be an array/],
    ['both.json', { holidays: ['2035-01-01', '2035-02-10'], workdays: ['2035-02-10'] }, /both holiday and workday: 2035-02-10/],
    ['typo.json', { holiday: ['2035-01-01'] }, /unknown key.*"holiday"/],
  ];
  it.each(malformed)('refuses %s, naming the file', (name, content, problem) => {
    const file = jsonFile(name, content);
    let error: unknown;
    try { createWorkingDayCalendar({ overrideFile: file }); } catch (err) { error = err; }
    expect(error).toBeInstanceOf(HolidayOverrideFileError);
    expect((error as Error).message).toContain(file);
    expect((error as Error).message).toMatch(problem);
    expect((error as HolidayOverrideFileError).file).toBe(file);
  });

  it('refuses a missing file, naming it', () => {
    const file = join(dir, 'does-not-exist.json');
    expect(() => createWorkingDayCalendar({ overrideFile: file })).toThrow(file);
  });
});

describe('unknown years', () => {
  const newYearsEve = `${lastKnown}-12-31`;
  const weekendsOnly = (d: IsoDate) => (d.startsWith(`${firstUnknown}-`) ? !isWeekend(d) : cal.isWorkingDay(d));

  it('strict: refused at creation for a required year', () => {
    const warn = vi.fn();
    let error: unknown;
    try { createWorkingDayCalendar({ strict: true, requireYears: [lastKnown, firstUnknown], warn }); } catch (err) { error = err; }
    expect(error).toBeInstanceOf(UnknownCalendarYearError);
    expect((error as UnknownCalendarYearError).year).toBe(firstUnknown);
    expect((error as Error).message).toContain(String(firstUnknown));
    expect(warn).not.toHaveBeenCalled();
    expect(() => createWorkingDayCalendar({ strict: true, requireYears: [lastKnown] })).not.toThrow();
  });

  it('strict: refused at use when a date in an unknown year is needed', () => {
    const c = createWorkingDayCalendar({ strict: true });
    expect(() => c.isWorkingDay(`${firstUnknown}-03-02`)).toThrow(UnknownCalendarYearError);
    expect(() => c.addWorkingDays(newYearsEve, 1)).toThrow(UnknownCalendarYearError);
    expect(() => c.workingDaysBetween(`${lastKnown}-12-01`, `${firstUnknown}-01-10`)).toThrow(UnknownCalendarYearError);
    expect(() => c.isWorkingDay('2003-06-02')).toThrow(UnknownCalendarYearError);
    // Staying inside known years is fine, including right up to the boundary.
    expect(c.workingDaysBetween(`${lastKnown}-12-01`, newYearsEve)).toBe(cal.workingDaysBetween(`${lastKnown}-12-01`, newYearsEve));
    expect(c.workingDaysBetween(`${firstUnknown}-01-10`, `${firstUnknown}-01-01`)).toBe(0);
  });

  it('non-strict: warns once at start-up for a required year, then counts weekends', () => {
    const warn = vi.fn();
    const c = createWorkingDayCalendar({ requireYears: [lastKnown, firstUnknown], warn });
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]![0]).toContain(String(firstUnknown));
    expect(c.isWorkingDay(`${firstUnknown}-01-01`)).toBe(!isWeekend(`${firstUnknown}-01-01`));
    for (const n of [1, 5, 20, 60]) expect(c.addWorkingDays(newYearsEve, n)).toBe(naiveAdd(weekendsOnly, newYearsEve, n));
    expect(c.workingDaysBetween(newYearsEve, `${firstUnknown}-01-31`)).toBe(
      Array.from({ length: 31 }, (_, i) => addDays(newYearsEve, i + 1)).filter((d) => !isWeekend(d)).length);
    expect(warn).toHaveBeenCalledTimes(1);
  });

  it('non-strict: warns once per year at first use', () => {
    const warn = vi.fn();
    const c = createWorkingDayCalendar({ warn });
    expect(warn).not.toHaveBeenCalled();
    c.addWorkingDays(newYearsEve, 3);
    c.isWorkingDay(`${firstUnknown}-06-01`);
    c.workingDaysBetween(`${firstUnknown}-01-01`, `${firstUnknown}-12-31`);
    expect(warn).toHaveBeenCalledTimes(1);
    c.isWorkingDay(`${firstUnknown + 1}-06-01`);
    expect(warn).toHaveBeenCalledTimes(2);
    expect(warn.mock.calls[1]![0]).toContain(String(firstUnknown + 1));
  });

  it('defaults to console.warn rather than staying silent', () => {
    const spy = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      createWorkingDayCalendar({ requireYears: [firstUnknown] });
      expect(spy).toHaveBeenCalledTimes(1);
    } finally { spy.mockRestore(); }
  });
});

describe('calendarFromEnv', () => {
  // 16:30 UTC on Dec 31 is already Jan 1 in Shanghai: the required years come from Shanghai's year.
  const now = new Date(Date.UTC(lastKnown - 1, 11, 31, 16, 30));

  it('requires this Shanghai year and the next; strict from GOVSHARE_HOLIDAYS_STRICT', () => {
    expect(() => calendarFromEnv({ GOVSHARE_HOLIDAYS_STRICT: 'true' }, now)).toThrow(UnknownCalendarYearError);
    expect(() => calendarFromEnv({ GOVSHARE_HOLIDAYS_STRICT: '1' }, now)).toThrow(UnknownCalendarYearError);
    expect(() => calendarFromEnv({ GOVSHARE_HOLIDAYS_STRICT: 'true' }, new Date(Date.UTC(lastKnown - 1, 11, 31, 15, 30)))).not.toThrow();
    expect(() => calendarFromEnv({ GOVSHARE_HOLIDAYS_STRICT: 'yes please' }, now)).toThrow(/GOVSHARE_HOLIDAYS_STRICT/);
  });

  it('non-strict warns once; GOVSHARE_HOLIDAYS supplies the missing year', () => {
    const warn = vi.fn();
    calendarFromEnv({ GOVSHARE_HOLIDAYS_STRICT: 'false' }, now, warn);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]![0]).toContain(String(firstUnknown));

    const file = jsonFile('next-year.json', { holidays: [`${firstUnknown}-01-01`] });
    const c = calendarFromEnv({ GOVSHARE_HOLIDAYS: file, GOVSHARE_HOLIDAYS_STRICT: 'true' }, now);
    expect(c.isKnownYear(firstUnknown)).toBe(true);
    expect(c.isWorkingDay(`${firstUnknown}-01-01`)).toBe(false);
  });
});

describe('workingDaysBetween agrees with addWorkingDays', () => {
  const starts = ['2026-09-30', '2026-02-12', '2026-10-03', '2026-10-10', '2025-12-31', '2024-09-28', '2020-01-23', '2004-01-01'];
  it.each(starts)('from %s, n = 1..30', (d) => {
    for (let n = 1; n <= 30; n++) {
      const due = cal.addWorkingDays(d, n);
      expect(cal.workingDaysBetween(d, due), `${d} + ${n} = ${due}`).toBe(n);
      expect(cal.isWorkingDay(due)).toBe(true);
      expect(cal.workingDaysBetween(d, addDays(due, -1))).toBe(n - 1); // the n-th, not a later one
      expect(due).toBe(naiveAdd((x) => cal.isWorkingDay(x), d, n));
    }
  });

  it('random starts and spans across known years', () => {
    const day = fc.integer({ min: Date.UTC(2004, 0, 1) / DAY, max: Date.UTC(lastKnown - 2, 0, 1) / DAY }).map((n) => iso(n * DAY));
    fc.assert(fc.property(day, fc.integer({ min: 1, max: 500 }), (d, n) => {
      const due = cal.addWorkingDays(d, n);
      return cal.workingDaysBetween(d, due) === n && cal.isWorkingDay(due);
    }), { numRuns: 300 });
  });

  it('is 0 when to <= from', () => {
    expect(cal.workingDaysBetween('2026-10-13', '2026-10-13')).toBe(0);
    expect(cal.workingDaysBetween('2026-10-13', '2026-09-30')).toBe(0);
    expect(cal.workingDaysBetween('2026-10-12', '2026-10-13')).toBe(1);
  });

  it('rejects bad input', () => {
    expect(() => cal.addWorkingDays('2026-09-30', 0)).toThrow(RangeError);
    expect(() => cal.addWorkingDays('2026-09-30', 1.5)).toThrow(RangeError);
    expect(() => cal.addWorkingDays('2026-9-30', 1)).toThrow(RangeError);
    expect(() => cal.isWorkingDay('2026-02-29')).toThrow(RangeError);
  });
});

describe('Shanghai time', () => {
  it('shanghaiDate across the UTC midnight boundary', () => {
    expect(shanghaiDate(new Date('2026-09-30T15:59:59.999Z'))).toBe('2026-09-30');
    expect(shanghaiDate(new Date('2026-09-30T16:00:00.000Z'))).toBe('2026-10-01');
    expect(shanghaiDate(new Date('2026-09-30T17:00:00Z'))).toBe('2026-10-01');
    expect(shanghaiDate(new Date('2026-10-01T00:00:00Z'))).toBe('2026-10-01');
    expect(shanghaiDate(new Date('2026-12-31T16:00:00Z'))).toBe('2027-01-01');
    expect(() => shanghaiDate(new Date('nonsense'))).toThrow(RangeError);
  });

  it('endOfShanghaiDay is the next Shanghai midnight', () => {
    const end = endOfShanghaiDay('2026-10-13');
    expect(end.toISOString()).toBe('2026-10-13T16:00:00.000Z');
    expect(shanghaiDate(new Date(end.getTime() - 1))).toBe('2026-10-13');
    expect(shanghaiDate(end)).toBe('2026-10-14');
    expect(endOfShanghaiDay('2026-12-31').toISOString()).toBe('2026-12-31T16:00:00.000Z');
  });
});
