import { readFileSync } from 'node:fs';
import { fromDayNumber, parseIsoDate, type DayNumber } from './iso-date.ts';
import { rulesFromLists, type DayRules } from './day-rules.ts';
import { HolidayOverrideFileError } from './errors.ts';

const LISTS = ['holidays', 'workdays'] as const;

/**
 * Reads `{ "holidays": [...], "workdays": [...] }`. Anything doubtful is refused at start-up:
 * a typo here would otherwise shift statutory deadlines without anyone noticing.
 */
export function readOverrideFile(file: string): DayRules {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new HolidayOverrideFileError(file, `cannot be read (${(err as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new HolidayOverrideFileError(file, `is not valid JSON (${(err as Error).message})`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new HolidayOverrideFileError(file, 'must be an object { "holidays": [...], "workdays": [...] }');
  }
  // An unknown key is most likely a misspelt list ("holiday") whose dates would be ignored.
  const unknownKeys = Object.keys(json).filter((k) => !(LISTS as readonly string[]).includes(k));
  if (unknownKeys.length) throw new HolidayOverrideFileError(file, `unknown key(s) ${unknownKeys.map((k) => JSON.stringify(k)).join(', ')}; expected "holidays" and "workdays"`);

  const record = json as Record<string, unknown>;
  const [holidays, workdays] = LISTS.map((list) => dateList(file, list, record[list]));
  const holidaySet = new Set(holidays);
  const both = workdays!.filter((day) => holidaySet.has(day));
  if (both.length) {
    throw new HolidayOverrideFileError(file, `date(s) listed as both holiday and workday: ${both.map(fromDayNumber).join(', ')}`);
  }
  return rulesFromLists(holidays!, workdays!);
}

function dateList(file: string, list: string, value: unknown): DayNumber[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new HolidayOverrideFileError(file, `"${list}" must be an array of YYYY-MM-DD dates`);
  return value.map((entry, i) => {
    const day = parseIsoDate(entry);
    if (day === undefined) throw new HolidayOverrideFileError(file, `"${list}"[${i}] is not a YYYY-MM-DD date: ${JSON.stringify(entry)}`);
    return day;
  });
}
