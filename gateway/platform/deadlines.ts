import { endOfShanghaiDay, shanghaiDate, type WorkingDayCalendar } from '../workdays/index.ts';

/** Both procedures give the provider five working days (CONTRACT §6, REGULATION XX市 §25–26). */
export const ANSWER_WORKING_DAYS = 5;

export function deadlineAfter(calendar: WorkingDayCalendar, submitted: Date): string {
  return calendar.addWorkingDays(shanghaiDate(submitted), ANSWER_WORKING_DAYS);
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
