import { randomUUID } from 'node:crypto';
import type { GatewayContext } from '../execution/context.ts';
import { isAdmin } from '../identity/caller.ts';
import type { Grant, NewGrant } from '../state/index.ts';
import { PLATFORM_RESOURCE } from './catalog.ts';
import { closeStage, firstStage, openStage, openStageOf, STAGE_LABEL, withStages } from './application-stages.ts';
import { transitionApplication } from './application-transition.ts';
import { badUserInput, forbidden } from '../../protocol/errors.ts';
import { normalisePurpose } from '../pipeline/grant-purpose.ts';
import { auditPlatformEvent } from './platform-audit.ts';
import { confidentialUntilOf } from './confidentiality.ts';
import { holdsProviderRole, mayActFor, roleHint } from './roles.ts';
import { assertHolds } from './stage-holders.ts';
import type { ApplicationRecord, ApplicationStageName, ApplicationStatus } from './records.ts';
import type { PlatformServices } from './services.ts';
import { refuseDisguised, refuseUndeclarable } from './readable-input.ts';

export interface ApplyInput { resource: string; fields: string[]; purpose: string; raw?: boolean | null; validUntil?: string | null; confidentialUntil?: string | null }

const DEFAULT_VALIDITY_MS = 365 * 24 * 3600 * 1000;
const MAX_PURPOSE = 200;

/**
 * applyForAccess: any department asks for CONDITIONAL fields of one resource, stating its purpose. It
 * waits first in the authority's pre-review when GOVSHARE_WORKFLOW has one, else at the provider.
 */
export async function applyForAccess(services: PlatformServices, context: GatewayContext, input: ApplyInput): Promise<ApplicationRecord> {
  const model = services.model();
  const now = services.now();
  const resource = model.resources.get(input.resource);
  if (!resource || resource.code === PLATFORM_RESOURCE) throw badUserInput(`unknown resource "${input.resource}": see the catalog for resource codes`);
  // CONTRACT §6 v1.1: a provider reads its own resources without a grant, and may not grant itself one.
  if (resource.provider === context.caller.department) {
    throw badUserInput(`${resource.code} is provided by ${resource.provider} itself: a department reads its own resources' CONDITIONAL fields without a grant (with a purpose), and cannot apply for them`);
  }
  const fields = [...new Set(input.fields.map((f) => f.trim()))].sort();
  if (fields.length === 0) throw badUserInput('fields must name at least one CONDITIONAL field, e.g. Person.mobile');
  for (const coordinate of fields) {
    const policy = model.fields.get(coordinate);
    if (!policy || policy.resource !== resource.code) throw badUserInput(`${coordinate} is not a field of resource ${resource.code}`);
    if (policy.shareType !== 'CONDITIONAL') {
      throw badUserInput(policy.shareType === 'NONE'
        ? `${coordinate} is not shared (NONE): it cannot be applied for`
        : `${coordinate} is UNCONDITIONAL: it needs no application`);
    }
    if (policy.onValueType || policy.key) throw badUserInput(`${coordinate} is covered by the field that leads to it; apply for that field`);
  }
  // Stored as it will be compared (NFC, trimmed): see pipeline/grant-purpose.ts.
  const purpose = normalisePurpose(input.purpose);
  if (!purpose) throw badUserInput('purpose must state what the data is used for');
  refuseUndeclarable('purpose', purpose);
  if ([...purpose].length > MAX_PURPOSE) throw badUserInput(`purpose is limited to ${MAX_PURPOSE} characters`);
  let requestedValidUntil: string | null = null;
  if (input.validUntil) {
    const at = Date.parse(input.validUntil);
    if (Number.isNaN(at)) throw badUserInput(`validUntil "${input.validUntil}" is not an ISO 8601 date`);
    if (at <= now.getTime()) throw badUserInput('validUntil must lie in the future');
    requestedValidUntil = new Date(at).toISOString();
  }
  const confidentialUntil = confidentialUntilOf(input.confidentialUntil, now);
  const consumer = context.caller.department;
  const pending = await services.workflow.applications.list({ name: 'consumer', value: consumer });
  if (pending.some((a) => a.status === 'PENDING' && a.resource === resource.code && sameFields(a.fields, fields))) {
    throw badUserInput(`an application of ${consumer} for these fields of ${resource.code} is already pending`);
  }
  const stage = firstStage(services.workflowSettings, { consumer, provider: resource.provider }, now, services.calendar);
  const application: ApplicationRecord = {
    id: randomUUID(), status: 'PENDING', stage: stage.name, stages: [stage], escalationReason: null,
    consumer, resource: resource.code, provider: resource.provider, fields,
    purpose, raw: input.raw ?? false, requestedValidUntil, submittedAt: now.toISOString(),
    deadline: stage.deadline, decidedAt: null, decidedBy: null, reason: null, grantId: null,
    ...(confidentialUntil ? { confidentialUntil } : {}),
  };
  await services.workflow.applications.createIfAbsent(application);
  await auditPlatformEvent(services.state.audit, context, {
    operation: 'applyForAccess', resource: resource.code, provider: resource.provider, now,
    detail: `application ${application.id} for ${fields.join(', ')}${application.raw ? ' (raw)' : ''}, ${stage.name === 'PRE_REVIEW' ? `pre-review by ${stage.holder}, ` : ''}deadline ${application.deadline}`,
  });
  return application;
}

/**
 * reviewApplication decides the stage the application waits in: at pre-review the authority passes it to
 * the provider (whose deadline counts from then) or rejects it for good; at the provider's stage the
 * provider approves (the grant is written in the same transaction) or rejects. A rejection states its
 * reason. Exactly one decision wins, even when several reviewers answer at once.
 */
export async function reviewApplication(
  services: PlatformServices, context: GatewayContext, id: string, approve: boolean, reason: string | null | undefined,
): Promise<ApplicationRecord> {
  const now = services.now();
  const trimmedReason = reason?.trim() ?? '';
  const settings = services.workflowSettings;
  const decided = await transitionApplication(services, id, now, (application) => {
    const stage = openStageOf(application);
    if (!stage || stage.name === 'ESCALATED') {
      // Whoever may not review it learns nothing more about it than before stages existed.
      const provider = application.stages.find((s) => s.name === 'PROVIDER_REVIEW') ?? application.stages[0]!;
      assertHolds(context.caller, application, provider);
      throw badUserInput(stage
        ? `application ${id} was rejected and is under ${STAGE_LABEL.ESCALATED} at ${stage.holder}: it decides with decideEscalation`
        : `application ${id} was already ${application.status.toLowerCase()}`);
    }
    assertHolds(context.caller, application, stage);
    if (!approve && !trimmedReason) throw badUserInput('a rejection must state its reason');
    refuseDisguised('reason', trimmedReason);
    const closed = closeStage(stage, context.caller.department, now, approve ? 'APPROVED' : 'REJECTED', trimmedReason || null);
    if (stage.name === 'PRE_REVIEW' && approve) {
      const providerStage = openStage('PROVIDER_REVIEW', application.provider, now, settings.providerReview.workingDays, services.calendar);
      return { next: withStages(application, closed, providerStage) };
    }
    const next: ApplicationRecord = {
      ...withStages(application, closed),
      status: approve ? 'APPROVED' : 'REJECTED',
      decidedAt: now.toISOString(),
      decidedBy: context.caller.department,
      reason: trimmedReason || null,
      grantId: approve ? randomUUID() : null,
    };
    return approve ? { next, grant: grantFor(next) } : { next };
  });
  // The stage this review closed: the last one decided (a pre-review passed leaves the provider's open after it).
  const reviewed = [...decided.stages].reverse().find((s) => s.decidedAt !== null)!;
  await auditPlatformEvent(services.state.audit, context, {
    operation: 'reviewApplication', resource: decided.resource, provider: decided.provider, now,
    detail: reviewed.name === 'PRE_REVIEW'
      ? (approve ? `application ${id} passed pre-review: to ${decided.provider} by ${decided.deadline}` : `application ${id} rejected at pre-review: ${trimmedReason}`)
      : (approve ? `application ${id} approved: grant ${decided.grantId}` : `application ${id} rejected: ${trimmedReason}`),
  });
  return decided;
}

/** The grant an approval writes: the fields and purpose applied for, valid as asked but at most a year. */
export function grantFor(application: ApplicationRecord): NewGrant {
  const decidedAt = Date.parse(application.decidedAt!);
  const yearLater = decidedAt + DEFAULT_VALIDITY_MS;
  const asked = application.requestedValidUntil ? Date.parse(application.requestedValidUntil) : yearLater;
  return {
    id: application.grantId!, consumer: application.consumer, resource: application.resource, fields: application.fields,
    raw: application.raw, purpose: application.purpose, validUntil: new Date(Math.min(asked, yearLater)).toISOString(),
    applicationId: application.id, confidentialUntil: application.confidentialUntil ?? null,
  };
}

/** The grant an approved application names (written with the approval; null otherwise). */
export async function grantOf(services: PlatformServices, application: ApplicationRecord): Promise<Grant | null> {
  if (application.status !== 'APPROVED' || !application.grantId) return null;
  return services.state.grants.get(application.grantId);
}

export type PartyRole = 'CONSUMER' | 'PROVIDER';

/**
 * A department's own side: what it asked for (CONSUMER) or what it was asked (PROVIDER); admin sees all
 * as provider. The provider side is the provider's inbox: it needs the provider role (asked for
 * explicitly without it: FORBIDDEN; left out: only the consumer side).
 */
export async function listApplications(
  services: PlatformServices, context: GatewayContext, status: ApplicationStatus | null | undefined, as: PartyRole | null | undefined,
  stage?: ApplicationStageName | null,
): Promise<ApplicationRecord[]> {
  const store = services.workflow.applications;
  const department = context.caller.department;
  if (as === 'PROVIDER' && !holdsProviderRole(context.caller)) throw forbidden('the provider side of applications needs the provider role');
  const asConsumer = as !== 'PROVIDER' ? await store.list({ name: 'consumer', value: department }) : [];
  const asProvider = as !== 'CONSUMER' && holdsProviderRole(context.caller)
    ? (isAdmin(context.caller) ? await store.list() : await store.list({ name: 'provider', value: department }))
    : [];
  const byId = new Map([...asConsumer, ...asProvider].map((a) => [a.id, a]));
  return [...byId.values()]
    .filter((a) => (!status || a.status === status) && (!stage || a.stage === stage))
    .sort((a, b) => b.submittedAt.localeCompare(a.submittedAt));
}

/** revokeGrant: the provider of the grant's resource or admin, with a reason; effective on every replica within 1 s. */
export async function revokeGrant(services: PlatformServices, context: GatewayContext, id: string, reason: string): Promise<Grant> {
  const grant = await services.state.grants.get(id);
  if (!grant) throw badUserInput(`no grant "${id}"`);
  const provider = services.model().resources.get(grant.resource)?.provider;
  if (!provider || !mayActFor(context.caller, provider)) {
    throw forbidden(`only the provider of ${grant.resource}${provider ? ` (${provider})` : ''} or an admin may revoke this grant${provider ? roleHint(context.caller, provider) : ''}`);
  }
  if (!reason.trim()) throw badUserInput('a revocation must state its reason');
  refuseDisguised('reason', reason);
  const now = services.now();
  const revoked = await services.state.grants.revoke(id, reason.trim(), now);
  if (!revoked) throw badUserInput(`no grant "${id}"`);
  await auditPlatformEvent(services.state.audit, context, {
    operation: 'revokeGrant', resource: grant.resource, provider, now, detail: `grant ${id} of ${grant.consumer} revoked: ${reason.trim()}`,
  });
  return revoked;
}

function sameFields(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && [...a].sort().every((f, i) => f === [...b].sort()[i]);
}
