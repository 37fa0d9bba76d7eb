import { yearOf, type DayNumber } from './iso-date.ts';

/**
 * The exceptions to "Monday–Friday work": `true` for an adjusted working day (调休上班),
 * `false` for a statutory holiday. `years` are the years the source vouches for, which is
 * what separates "an ordinary week" from "we have no schedule for this year".
 */
export interface DayRules {
  days: ReadonlyMap<DayNumber, boolean>;
  years: ReadonlySet<number>;
}

export function rulesFromLists(holidays: Iterable<DayNumber>, workdays: Iterable<DayNumber>): DayRules {
  const days = new Map<DayNumber, boolean>();
  const years = new Set<number>();
  for (const day of holidays) { days.set(day, false); years.add(yearOf(day)); }
  for (const day of workdays) { days.set(day, true); years.add(yearOf(day)); }
  return { days, years };
}

/** `top` wins for every date it mentions; the result knows the years of both. */
export function layerRules(base: DayRules, top: DayRules): DayRules {
  return {
    days: new Map([...base.days, ...top.days]),
    years: new Set([...base.years, ...top.years]),
  };
}
