import { randomUUID } from 'node:crypto';
import type { GatewayContext } from '../execution/context.ts';
import { badUserInput, forbidden } from '../../protocol/errors.ts';
import { closeStage, escalationStageOf, openStage, openStageOf, providerStageOf, withStages } from './application-stages.ts';
import { grantFor } from './applications.ts';
import { transitionApplication } from './application-transition.ts';
import { auditPlatformEvent } from './platform-audit.ts';
import type { ApplicationRecord } from './records.ts';
import type { PlatformServices } from './services.ts';
import { assertHolds } from './stage-holders.ts';
import { refuseDisguised } from './readable-input.ts';

const MAX_REASON = 2000;

/**
 * escalateApplication (争议协调): the consumer takes the provider's refusal to the data authority, once
 * per application, stating its grounds. Only a refusal at the provider's stage can be escalated: a
 * rejection at pre-review is the authority's own and final, and a refusal the authority made itself
 * (as the provider, or as an admin acting for it) has nobody above it here.
 */
export async function escalateApplication(services: PlatformServices, context: GatewayContext, id: string, reason: string): Promise<ApplicationRecord> {
  const now = services.now();
  const grounds = reason.trim();
  const settings = services.workflowSettings.escalation;
  const escalated = await transitionApplication(services, id, now, (application) => {
    if (context.caller.department !== application.consumer) {
      throw forbidden(`only the consumer of application ${id} (${application.consumer}) may escalate it`);
    }
    if (!grounds) throw badUserInput('an escalation must state why the refusal should be reviewed');
    if ([...grounds].length > MAX_REASON) throw badUserInput(`the reason is limited to ${MAX_REASON} characters`);
    refuseDisguised('reason', grounds);
    if (!settings) throw badUserInput('this platform has no data authority to escalate to (escalation.authority in GOVSHARE_WORKFLOW)');
    if (escalationStageOf(application)) throw badUserInput(`application ${id} was already escalated once`);
    if (application.status !== 'REJECTED') {
      throw badUserInput(`only a refused application can be escalated: application ${id} is ${application.status.toLowerCase()}`);
    }
    const refusal = providerStageOf(application);
    if (!refusal || refusal.decision !== 'REJECTED') {
      throw badUserInput(`application ${id} was rejected at pre-review by the data authority: that decision is final`);
    }
    const authority = settings.authority;
    if ([application.provider, refusal.decidedBy, application.consumer].includes(authority)) {
      throw badUserInput(`application ${id} was refused by (or concerns) the data authority ${authority} itself: there is no one else to decide the dispute`);
    }
    const stage = openStage('ESCALATED', authority, now, settings.workingDays, services.calendar);
    return { next: { ...withStages(application, refusal, stage), escalationReason: grounds } };
  });
  await auditPlatformEvent(services.state.audit, context, {
    operation: 'escalateApplication', resource: escalated.resource, provider: escalated.provider, now,
    detail: `application ${id} escalated to ${openStageOf(escalated)!.holder}, deadline ${escalated.deadline}: ${grounds}`,
  });
  return escalated;
}

/**
 * decideEscalation: the data authority (its department, with the admin role) overturns the refusal
 * (approve: the grant is created in the same transaction, as if the provider had approved, the
 * authority named as `decidedBy`) or upholds it (final). Either way with a reason.
 */
export async function decideEscalation(
  services: PlatformServices, context: GatewayContext, id: string, approve: boolean, reason: string,
): Promise<ApplicationRecord> {
  const now = services.now();
  const why = reason.trim();
  const decided = await transitionApplication(services, id, now, (application) => {
    const escalation = escalationStageOf(application);
    const authority = escalation?.holder ?? services.workflowSettings.escalation?.authority;
    if (!authority) throw badUserInput('this platform has no data authority deciding escalations');
    assertHolds(context.caller, application, { name: 'ESCALATED', holder: authority });
    if (!escalation) throw badUserInput(`application ${id} was not escalated`);
    if (escalation.decidedAt) throw badUserInput(`the escalation of application ${id} was already decided`);
    if (!why) throw badUserInput(`a decision on an escalation must state its reason (${approve ? 'why the refusal is overturned' : 'why it is upheld'})`);
    refuseDisguised('reason', why);
    const closed = closeStage(escalation, context.caller.department, now, approve ? 'APPROVED' : 'REJECTED', why);
    const next: ApplicationRecord = {
      ...withStages(application, closed),
      status: approve ? 'APPROVED' : 'REJECTED',
      decidedAt: now.toISOString(),
      decidedBy: context.caller.department,
      reason: why,
      grantId: approve ? randomUUID() : null,
    };
    return approve ? { next, grant: grantFor(next) } : { next };
  });
  await auditPlatformEvent(services.state.audit, context, {
    operation: 'decideEscalation', resource: decided.resource, provider: decided.provider, now,
    detail: approve
      ? `application ${id}: escalation decided, refusal overturned: grant ${decided.grantId}: ${why}`
      : `application ${id}: escalation decided, refusal upheld: ${why}`,
  });
  return decided;
}
