import type { WorkingDayCalendar } from '../workdays/index.ts';
import { deadlineAfter, isOverdue } from './deadlines.ts';
import type { ApplicationRecord, StageDecision, StageName, StageRecord } from './records.ts';
import type { WorkflowSettings } from './workflow-config.ts';

/**
 * An application's stages as data: which open when, their deadlines on the working-day calendar, and
 * how one closes. Pure: the caller brings the clock, the calendar and the settings.
 */

/** A stage opening at `at`, due on the `workingDays`-th working day after that date. */
export function openStage(name: StageName, holder: string, at: Date, workingDays: number, calendar: WorkingDayCalendar): StageRecord {
  return {
    name, holder, startedAt: at.toISOString(), deadline: deadlineAfter(calendar, at, workingDays),
    decidedAt: null, decidedBy: null, decision: null, reason: null, extendedBy: null, extensionReason: null, extendedAt: null,
  };
}

/**
 * The first stage of a new application: the authority's pre-review when one is configured, else the
 * provider's. The authority does not pre-review what it asks for itself (no self-service decision);
 * its own applications go straight to the provider.
 */
export function firstStage(settings: WorkflowSettings, parties: { consumer: string; provider: string }, at: Date, calendar: WorkingDayCalendar): StageRecord {
  const pre = settings.preReview;
  return pre && pre.reviewer !== parties.consumer
    ? openStage('PRE_REVIEW', pre.reviewer, at, pre.workingDays, calendar)
    : openStage('PROVIDER_REVIEW', parties.provider, at, settings.providerReview.workingDays, calendar);
}

/** The stage an application waits in, or null once decided. */
export function openStageOf(application: ApplicationRecord): StageRecord | null {
  return application.stage === 'DECIDED' ? null : application.stages[application.stages.length - 1] ?? null;
}

/** The provider's stage, once the application reached it. */
export function providerStageOf(application: ApplicationRecord): StageRecord | null {
  return application.stages.find((s) => s.name === 'PROVIDER_REVIEW') ?? null;
}

export function escalationStageOf(application: ApplicationRecord): StageRecord | null {
  return application.stages.find((s) => s.name === 'ESCALATED') ?? null;
}

/** Overdue per stage: still open after its deadline day, or decided after it. */
export function stageOverdue(stage: StageRecord, now: Date): boolean {
  return isOverdue(stage.deadline, stage.decidedAt, now);
}

/** The application is overdue when any of its stages is (with one stage: CONTRACT §6's rule exactly). */
export function applicationOverdue(application: ApplicationRecord, now: Date): boolean {
  return application.stages.some((stage) => stageOverdue(stage, now));
}

/** The open stage closed with a decision. */
export function closeStage(stage: StageRecord, by: string, at: Date, decision: StageDecision, reason: string | null): StageRecord {
  return { ...stage, decidedAt: at.toISOString(), decidedBy: by, decision, reason };
}

/**
 * `application` with its last stage replaced by `stage` (extended, or decided), and `next` appended when
 * one opens: the application then waits in `next`, is DECIDED when `stage` was decided without one, and
 * stays where it was otherwise. `deadline` follows the last stage.
 */
export function withStages(application: ApplicationRecord, stage: StageRecord, next?: StageRecord): ApplicationRecord {
  const stages = [...application.stages.slice(0, -1), stage, ...(next ? [next] : [])];
  const waiting = next ? next.name : stage.decidedAt ? 'DECIDED' : application.stage;
  return { ...application, stages, stage: waiting, deadline: stages[stages.length - 1]!.deadline };
}

/** A stage's name as the people concerned read it in messages. */
export const STAGE_LABEL: Readonly<Record<StageName, string>> = {
  PRE_REVIEW: 'pre-review (符合性审查)', PROVIDER_REVIEW: "the provider's review", ESCALATED: 'escalation (争议协调)',
};
