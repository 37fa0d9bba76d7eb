/**
 * Chinese working days in Asia/Shanghai (CONTRACT §7): weekends and statutory holidays are
 * skipped, adjusted working days (调休) count. chinese-days supplies the schedule; GOVSHARE_HOLIDAYS
 * adds or overrides dates for years it does not know.
 */
export type { IsoDate, WorkingDayCalendar, CalendarOptions } from './types.ts';
export { UnknownCalendarYearError, HolidayOverrideFileError } from './errors.ts';
export { createWorkingDayCalendar } from './calendar.ts';
export { calendarFromEnv, calendarFromSettings } from './env.ts';
export { shanghaiDate, endOfShanghaiDay } from './shanghai-time.ts';
