import { isAdmin, type Caller } from '../identity/caller.ts';
import { forbidden } from '../../protocol/errors.ts';
import { STAGE_LABEL } from './application-stages.ts';
import type { ApplicationRecord, StageRecord } from './records.ts';
import { mayActFor, roleHint } from './roles.ts';

/**
 * Who may act on a stage (decide it, extend it): its holder. The provider's stage follows CONTRACT §6
 * (that department with the provider role, or an admin acting for it); the authority's stages
 * (pre-review, escalation) belong to the authority's department, and only with the admin role — an
 * admin of another department is no data authority. The consumer never acts on its own application,
 * the authority that pre-reviewed an application does not also decide it for the provider, and the
 * provider never decides the dispute about its own refusal.
 */
export function assertHolds(caller: Caller, application: ApplicationRecord, stage: Pick<StageRecord, 'name' | 'holder'>): void {
  if (stage.name === 'PROVIDER_REVIEW') {
    if (!mayActFor(caller, stage.holder)) {
      throw forbidden(`only the provider of ${application.resource} (${stage.holder}) or an admin may act on this application${roleHint(caller, stage.holder)}`);
    }
    // Two stages, two departments: the authority that passed the pre-review does not also answer for the
    // provider (as an admin may otherwise); overruling the provider is what escalation is for.
    const preReviewer = application.stages.find((s) => s.name === 'PRE_REVIEW')?.decidedBy;
    if (preReviewer === caller.department && caller.department !== stage.holder) {
      throw forbidden(`${caller.department} pre-reviewed application ${application.id}: the provider's stage is ${stage.holder}'s to decide`);
    }
  } else {
    if (caller.department !== stage.holder) {
      throw forbidden(`${STAGE_LABEL[stage.name]} of application ${application.id} is ${stage.holder}'s: only ${stage.holder} (with the admin role) may act on it`);
    }
    if (!isAdmin(caller)) throw forbidden(`${STAGE_LABEL[stage.name]} is decided with the admin role: the token lacks it`);
    if (stage.name === 'ESCALATED' && caller.department === application.provider) {
      throw forbidden(`${application.provider} cannot decide the escalation of its own refusal`);
    }
  }
  // No self-service decision, not even by an admin of the asking department.
  if (caller.department === application.consumer) throw forbidden(`${application.consumer} cannot review its own application`);
}
