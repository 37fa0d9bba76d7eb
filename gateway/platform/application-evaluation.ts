import type { WorkingDayCalendar } from '../workdays/index.ts';
import { escalationStageOf, providerStageOf, stageOverdue } from './application-stages.ts';
import { answerWorkingDays } from './deadlines.ts';
import type { ApplicationRecord } from './records.ts';

/** How a provider answered the applications that reached its stage (评价), and how its refusals fared when escalated. */
export interface ProviderAnswerCounts {
  applicationsReceived: number;
  applicationsAnswered: number;
  applicationsAnsweredInTime: number;
  applicationsOverdue: number;
  applicationsPending: number;
  meanAnswerWorkingDays: number | null;
  escalationsReceived: number;
  escalationsPending: number;
  escalationsUpheld: number;
  escalationsOverturned: number;
  deadlineExtensions: number;
}

/**
 * Counted on the provider's own stage: an application rejected at pre-review never reached the
 * provider, and the provider's time runs from the day it did (with one stage, from submission, as
 * CONTRACT §6 counts it). Its deadline includes an extension it took, which is counted apart.
 */
export function providerAnswerCounts(applications: readonly ApplicationRecord[], provider: string, calendar: WorkingDayCalendar, now: Date): ProviderAnswerCounts {
  const stages = applications.filter((a) => a.provider === provider).map(providerStageOf).filter((s) => s !== null);
  const answered = stages.filter((s) => s.decidedAt);
  const answerDays = answered.map((s) => answerWorkingDays(calendar, s.startedAt, s.decidedAt!));
  const escalations = applications.filter((a) => a.provider === provider).map(escalationStageOf).filter((s) => s !== null);
  return {
    applicationsReceived: stages.length,
    applicationsAnswered: answered.length,
    applicationsAnsweredInTime: answered.filter((s) => !stageOverdue(s, now)).length,
    applicationsOverdue: stages.filter((s) => stageOverdue(s, now)).length,
    applicationsPending: stages.filter((s) => !s.decidedAt).length,
    meanAnswerWorkingDays: answerDays.length ? round(answerDays.reduce((sum, d) => sum + d, 0) / answerDays.length) : null,
    escalationsReceived: escalations.length,
    escalationsPending: escalations.filter((s) => !s.decidedAt).length,
    escalationsUpheld: escalations.filter((s) => s.decision === 'REJECTED').length,
    escalationsOverturned: escalations.filter((s) => s.decision === 'APPROVED').length,
    deadlineExtensions: stages.filter((s) => s.extendedBy !== null).length,
  };
}

export const round = (n: number) => Math.round(n * 1000) / 1000;
