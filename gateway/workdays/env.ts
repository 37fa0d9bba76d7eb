import { calendarSettingsFromEnv, type CalendarSettings } from '../config.ts';
import { createWorkingDayCalendar } from './calendar.ts';
import { shanghaiDate } from './shanghai-time.ts';
import type { WorkingDayCalendar } from './types.ts';

/**
 * The gateway's calendar: GOVSHARE_HOLIDAYS for extra years, GOVSHARE_HOLIDAYS_STRICT to refuse
 * guessing. This year and next must be known at start-up, since deadlines set in December land
 * in January.
 */
export function calendarFromEnv(env: NodeJS.ProcessEnv, now: Date, warn?: (m: string) => void): WorkingDayCalendar {
  return calendarFromSettings(calendarSettingsFromEnv(env), now, warn);
}

/** The same from the config's `calendar` section (a misspelt strict flag already stopped the start there). */
export function calendarFromSettings(settings: CalendarSettings, now: Date, warn?: (m: string) => void): WorkingDayCalendar {
  const year = Number(shanghaiDate(now).slice(0, 4));
  return createWorkingDayCalendar({
    ...(settings.holidaysFile ? { overrideFile: settings.holidaysFile } : {}),
    strict: settings.strict,
    ...(warn ? { warn } : {}),
    requireYears: [year, year + 1],
  });
}
