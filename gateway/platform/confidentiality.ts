import { badUserInput } from '../../protocol/errors.ts';
import { shanghaiDate } from '../workdays/shanghai-time.ts';

/** An embargo longer than this is no investigation's: refused rather than hiding reads for good. */
const MAX_EMBARGO_YEARS = 5;

/**
 * `AccessApplicationInput.confidentialUntil`: the calendar date (Asia/Shanghai) until whose end the reads a
 * confidential grant clears stay out of subject access logs. A real date after today and at most five
 * years ahead; absent or empty: not confidential.
 */
export function confidentialUntilOf(value: string | null | undefined, now: Date): string | null {
  if (value === null || value === undefined || value.trim() === '') return null;
  const date = value.trim();
  const parsed = /^\d{4}-\d{2}-\d{2}$/.test(date) ? new Date(`${date}T00:00:00Z`) : null;
  if (!parsed || Number.isNaN(parsed.getTime()) || parsed.toISOString().slice(0, 10) !== date) {
    throw badUserInput(`confidentialUntil "${value}" is not a calendar date (YYYY-MM-DD)`);
  }
  const today = shanghaiDate(now);
  if (date <= today) throw badUserInput('confidentialUntil must lie after today (Asia/Shanghai)');
  const limit = `${Number(today.slice(0, 4)) + MAX_EMBARGO_YEARS}${today.slice(4)}`;
  if (date > limit) throw badUserInput(`confidentialUntil is at most ${MAX_EMBARGO_YEARS} years ahead (${limit})`);
  return date;
}
