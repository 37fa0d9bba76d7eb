import { createWorkingDayCalendar } from './calendar.ts';
import { shanghaiDate } from './shanghai-time.ts';
import type { WorkingDayCalendar } from './types.ts';

/**
 * The gateway's calendar: GOVSHARE_HOLIDAYS for extra years, GOVSHARE_HOLIDAYS_STRICT to refuse
 * guessing. This year and next must be known at start-up, since deadlines set in December land
 * in January.
 */
export function calendarFromEnv(env: NodeJS.ProcessEnv, now: Date, warn?: (m: string) => void): WorkingDayCalendar {
  const year = Number(shanghaiDate(now).slice(0, 4));
  const overrideFile = env.GOVSHARE_HOLIDAYS?.trim();
  return createWorkingDayCalendar({
    ...(overrideFile ? { overrideFile } : {}),
    strict: strictFlag(env.GOVSHARE_HOLIDAYS_STRICT),
    ...(warn ? { warn } : {}),
    requireYears: [year, year + 1],
  });
}

// A misspelt value must not quietly turn strict mode off.
function strictFlag(value: string | undefined): boolean {
  const v = (value ?? '').trim().toLowerCase();
  if (v === '' || v === '0' || v === 'false') return false;
  if (v === '1' || v === 'true') return true;
  throw new Error(`GOVSHARE_HOLIDAYS_STRICT: expected 'true', '1', 'false' or '0', got ${JSON.stringify(value)}`);
}
