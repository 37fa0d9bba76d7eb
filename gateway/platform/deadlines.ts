import { endOfShanghaiDay, shanghaiDate, type WorkingDayCalendar } from '../workdays/index.ts';

/** Both procedures give the provider five working days (CONTRACT §6, REGULATION XX市 §25–26); GOVSHARE_WORKFLOW may set another for applications. */
export const ANSWER_WORKING_DAYS = 5;

/** The `workingDays`-th working day after the Shanghai calendar date of `from`. */
export function deadlineAfter(calendar: WorkingDayCalendar, from: Date, workingDays: number = ANSWER_WORKING_DAYS): string {
  return calendar.addWorkingDays(shanghaiDate(from), workingDays);
}

/** Overdue: still open after the deadline day ended, or answered after it. Computed, never stored. */
export function isOverdue(deadline: string, answeredAt: string | null, now: Date): boolean {
  const limit = endOfShanghaiDay(deadline).getTime();
  return answeredAt ? Date.parse(answeredAt) > limit : now.getTime() > limit;
}

/** Working days from submission to answer, counted on Shanghai calendar dates. */
export function answerWorkingDays(calendar: WorkingDayCalendar, submittedAt: string, answeredAt: string): number {
  return calendar.workingDaysBetween(shanghaiDate(new Date(submittedAt)), shanghaiDate(new Date(answeredAt)));
}
