/** A Shanghai calendar date, `YYYY-MM-DD`. */
export type IsoDate = string;

export interface WorkingDayCalendar {
  isWorkingDay(date: IsoDate): boolean;
  /** The n-th working day strictly after `date` (n ≥ 1). addWorkingDays('2026-09-30', 5) === '2026-10-13'. */
  addWorkingDays(date: IsoDate, n: number): IsoDate;
  /** Working days in (from, to]: 0 when to <= from. Used for "answered in N working days". */
  workingDaysBetween(from: IsoDate, to: IsoDate): number;
  /** Years for which the calendar has real data (package years ∪ years mentioned in the override file). */
  knownYears(): number[];
  isKnownYear(year: number): boolean;
}

export interface CalendarOptions {
  /** Path to the JSON override (`GOVSHARE_HOLIDAYS`). */
  overrideFile?: string;
  /** Refuse to guess for unknown years (`GOVSHARE_HOLIDAYS_STRICT`). */
  strict?: boolean;
  warn?: (message: string) => void;
  /** Years that must be known at start-up (e.g. the current year and the next). */
  requireYears?: number[];
}
