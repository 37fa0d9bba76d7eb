import type { ApolloServerPlugin } from '@apollo/server';
import type { PolicyModel } from '../../schema/policy-model.ts';
import type { GatewayContext } from '../execution/context.ts';
import type { LookupMisses } from '../platform/lookup-misses.ts';
import type { GrantCache } from '../state/grant-cache.ts';
import type { AuditLog } from '../state/types.ts';
import { DEFAULT_REQUEST_LIMITS, type RequestLimits } from './limits.ts';
import { analysisStage } from './stages/analysis-stage.ts';
import { auditStage } from './stages/audit-stage.ts';
import { authorisationStage } from './stages/authorisation-stage.ts';
import { limitsStage } from './stages/limits-stage.ts';
import { maskingStage } from './stages/masking-stage.ts';
import { subjectsStage } from './stages/subjects-stage.ts';
import { operationPlans } from './stages/operation-plans.ts';
import { sealedClaimsStage } from './stages/sealed-claims-stage.ts';

export interface PolicyStageDependencies {
  model: () => PolicyModel;
  grants: GrantCache;
  audit: AuditLog;
  auditKey: string;
  now: () => Date;
  limits?: RequestLimits;
  lookupMisses?: Pick<LookupMisses, 'add'>;
}

/**
 * The stages inside Apollo's request pipeline, after authenticate (the route, before Apollo), one
 * Apollo plugin each and in this order: limits → sealed claims (their metadata) → analyse → authorise (didResolveOperation, before any
 * subgraph is called) → execute (Apollo, only the operation cleared) → subjects → mask → audit (willSendResponse,
 * before a byte is sent). Apollo invokes a hook's listeners in plugin order; each stage but the last
 * of a hook is synchronous and each reads what the one before it left in the request context, so the
 * order holds and a stage runs only when the ones before it let the request through.
 */
export function policyStages(deps: PolicyStageDependencies): ApolloServerPlugin<GatewayContext>[] {
  const limits = deps.limits ?? DEFAULT_REQUEST_LIMITS;
  const plans = operationPlans(limits);
  return [
    limitsStage(limits, plans),
    sealedClaimsStage(deps.model),
    analysisStage(deps.model, plans),
    authorisationStage(deps.model, deps.grants, deps.now),
    subjectsStage(deps.model),
    maskingStage(),
    auditStage({ model: deps.model, audit: deps.audit, auditKey: deps.auditKey, now: deps.now, ...(deps.lookupMisses ? { lookupMisses: deps.lookupMisses } : {}) }),
  ];
}
