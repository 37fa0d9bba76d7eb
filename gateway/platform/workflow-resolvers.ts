import type { GatewayContext } from '../execution/context.ts';
import type { ResourceCategory } from '../../schema/policy-types.ts';
import { applyForAccess, grantOf, listApplications, reviewApplication, revokeGrant, type ApplyInput, type PartyRole } from './applications.ts';
import { applicationOverdue, stageOverdue } from './application-stages.ts';
import { listCatalog } from './catalog.ts';
import { listDataIssues, reportDataIssue, resolveDataIssue, type DataIssueInput } from './data-issues.ts';
import { isOverdue } from './deadlines.ts';
import { decideEscalation, escalateApplication } from './escalation.ts';
import { evaluate } from './evaluation.ts';
import { extendDeadline } from './extension.ts';
import type {
  ApplicationRecord, ApplicationStageName, ApplicationStatus, DataIssueRecord, DataIssueResolution, DataIssueStatus, StageRecord,
} from './records.ts';
import type { PlatformServices } from './services.ts';

/** GraphQL glue for the sharing workflows; the rules live in the modules it calls. */
export function workflowResolvers(services: PlatformServices) {
  return {
    Query: {
      catalog: (_: unknown, filter: { category?: ResourceCategory; provider?: string; search?: string }) =>
        listCatalog(services.model(), services.workflow.resourceHistory, filter),
      resource: async (_: unknown, { code }: { code: string }) =>
        (await listCatalog(services.model(), services.workflow.resourceHistory)).find((r) => r.code === code) ?? null,
      applications: (_: unknown, args: { status?: ApplicationStatus; as?: PartyRole; stage?: ApplicationStageName }, context: GatewayContext) =>
        listApplications(services, context, args.status, args.as, args.stage),
      workflowSettings: () => {
        const { preReview, providerReview, escalation, extension } = services.workflowSettings;
        return {
          preReviewBy: preReview?.reviewer ?? null, preReviewWorkingDays: preReview?.workingDays ?? null,
          providerWorkingDays: providerReview.workingDays,
          escalationAuthority: escalation?.authority ?? null, escalationWorkingDays: escalation?.workingDays ?? null,
          maxExtensionWorkingDays: extension.maxWorkingDays,
        };
      },
      dataIssues: (_: unknown, args: { status?: DataIssueStatus; as?: PartyRole }, context: GatewayContext) =>
        listDataIssues(services, context, args.status, args.as),
      evaluation: (_: unknown, { department }: { department?: string }) => evaluate(services, department),
    },
    Mutation: {
      applyForAccess: (_: unknown, { input }: { input: ApplyInput }, context: GatewayContext) => applyForAccess(services, context, input),
      reviewApplication: (_: unknown, args: { id: string; approve: boolean; reason?: string }, context: GatewayContext) =>
        reviewApplication(services, context, args.id, args.approve, args.reason),
      revokeGrant: (_: unknown, args: { id: string; reason: string }, context: GatewayContext) => revokeGrant(services, context, args.id, args.reason),
      extendDeadline: (_: unknown, args: { id: string; workingDays: number; reason: string }, context: GatewayContext) =>
        extendDeadline(services, context, args.id, args.workingDays, args.reason),
      escalateApplication: (_: unknown, args: { id: string; reason: string }, context: GatewayContext) =>
        escalateApplication(services, context, args.id, args.reason),
      decideEscalation: (_: unknown, args: { id: string; approve: boolean; reason: string }, context: GatewayContext) =>
        decideEscalation(services, context, args.id, args.approve, args.reason),
      reportDataIssue: (_: unknown, { input }: { input: DataIssueInput }, context: GatewayContext) => reportDataIssue(services, context, input),
      resolveDataIssue: (_: unknown, args: { id: string; resolution: DataIssueResolution; note: string }, context: GatewayContext) =>
        resolveDataIssue(services, context, args.id, args.resolution, args.note),
    },
    Resource: {
      providerName: (r: { provider: string }) => services.departments.get(r.provider)?.name ?? null,
    },
    Application: {
      validUntil: (a: ApplicationRecord) => a.requestedValidUntil,
      overdue: (a: ApplicationRecord) => applicationOverdue(a, services.now()),
      grant: (a: ApplicationRecord) => grantOf(services, a),
    },
    ApplicationStage: {
      holderName: (s: StageRecord) => services.departments.get(s.holder)?.name ?? null,
      overdue: (s: StageRecord) => stageOverdue(s, services.now()),
    },
    DataIssue: {
      overdue: (d: DataIssueRecord) => isOverdue(d.deadline, d.resolvedAt, services.now()),
    },
  };
}
