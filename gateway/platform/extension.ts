import type { GatewayContext } from '../execution/context.ts';
import { badUserInput } from '../../protocol/errors.ts';
import { openStageOf, STAGE_LABEL, stageOverdue, withStages } from './application-stages.ts';
import { transitionApplication } from './application-transition.ts';
import { auditPlatformEvent } from './platform-audit.ts';
import type { ApplicationRecord } from './records.ts';
import type { PlatformServices } from './services.ts';
import { assertHolds } from './stage-holders.ts';

const MAX_REASON = 500;

/**
 * extendDeadline: whoever holds the open stage moves its deadline by 1..N working days (N:
 * `extension.maxWorkingDays`, at most 10), once per stage, saying why; the consumer reads the new
 * deadline and the reason in the application's stages. Asked before the deadline passes: an extension
 * granted afterwards would wipe out an overdue mark that had already been earned.
 */
export async function extendDeadline(
  services: PlatformServices, context: GatewayContext, id: string, workingDays: number, reason: string,
): Promise<ApplicationRecord> {
  const now = services.now();
  const max = services.workflowSettings.extension.maxWorkingDays;
  const why = reason.trim();
  let extendedTo = '';
  const extended = await transitionApplication(services, id, now, (application) => {
    const stage = openStageOf(application);
    // Who may not act on it learns nothing of its state: the last stage's holder is asked first.
    assertHolds(context.caller, application, stage ?? application.stages[application.stages.length - 1]!);
    if (!stage) throw badUserInput(`application ${id} was already ${application.status.toLowerCase()}: there is no deadline left to extend`);
    if (!Number.isInteger(workingDays) || workingDays < 1 || workingDays > max) {
      throw badUserInput(`workingDays must be a whole number from 1 to ${max}`);
    }
    if (!why) throw badUserInput('an extension must state its reason');
    if ([...why].length > MAX_REASON) throw badUserInput(`the reason is limited to ${MAX_REASON} characters`);
    if (stage.extendedBy !== null) throw badUserInput(`the deadline of ${STAGE_LABEL[stage.name]} was already extended once (by ${stage.extendedBy} working days)`);
    if (stageOverdue(stage, now)) {
      throw badUserInput(`the deadline of ${STAGE_LABEL[stage.name]} (${stage.deadline}) has passed: an extension is asked for before it`);
    }
    extendedTo = services.calendar.addWorkingDays(stage.deadline, workingDays);
    return {
      next: withStages(application, { ...stage, deadline: extendedTo, extendedBy: workingDays, extensionReason: why, extendedAt: now.toISOString() }),
    };
  });
  const stage = openStageOf(extended)!;
  await auditPlatformEvent(services.state.audit, context, {
    operation: 'extendDeadline', resource: extended.resource, provider: extended.provider, now,
    detail: `application ${id}: ${STAGE_LABEL[stage.name]} extended by ${workingDays} working days to ${extendedTo}: ${why}`,
  });
  return extended;
}
