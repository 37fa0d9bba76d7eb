import { createRequire } from 'node:module';
import { parseIsoDate, type DayNumber } from './iso-date.ts';
import { rulesFromLists, type DayRules } from './day-rules.ts';

// chinese-days ships its schedule as JSON next to its code; reading the data directly gives us the
// list of years it covers (its functions silently fall back to weekends for any other year) and
// keeps its dayjs/local-time parsing out of our date arithmetic. Its isWorkday() agrees with this
// file for every date it knows.
const DATA_MODULE = 'chinese-days/dist/chinese-days.json';

let cached: DayRules | undefined;

export function packageRules(): DayRules {
  cached ??= load();
  return cached;
}

function load(): DayRules {
  const data: unknown = createRequire(import.meta.url)(DATA_MODULE);
  const holidays = dateKeys(data, 'holidays');
  const workdays = dateKeys(data, 'workdays');
  return rulesFromLists(holidays, workdays);
}

/** Fails loudly if an upgrade of the package changes its data layout, rather than losing holidays. */
function dateKeys(data: unknown, field: string): DayNumber[] {
  const table = (data as Record<string, unknown> | null)?.[field];
  if (typeof table !== 'object' || table === null) throw new Error(`${DATA_MODULE}: missing "${field}" table`);
  return Object.keys(table).map((key) => {
    const day = parseIsoDate(key);
    if (day === undefined) throw new Error(`${DATA_MODULE}: "${field}" has a key that is not a date: ${key}`);
    return day;
  });
}
