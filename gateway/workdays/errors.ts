/** The calendar was asked about a year it has no holiday schedule for, and strict mode forbids guessing. */
export class UnknownCalendarYearError extends Error {
  constructor(readonly year: number, message?: string) {
    super(message ?? `No working-day calendar for ${year}; supply its holidays and adjusted workdays via GOVSHARE_HOLIDAYS`);
    this.name = 'UnknownCalendarYearError';
  }
}

/** The GOVSHARE_HOLIDAYS file could not be used; the message names the file so an operator can fix it. */
export class HolidayOverrideFileError extends Error {
  constructor(readonly file: string, problem: string) {
    super(`Holiday override file ${file}: ${problem}`);
    this.name = 'HolidayOverrideFileError';
  }
}
