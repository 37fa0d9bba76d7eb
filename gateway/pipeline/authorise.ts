import type { PolicyModel } from '../../schema/policy-model.ts';
import type { Grant } from '../state/types.ts';
import type { OperationAnalysis } from './analyse.ts';

export interface DeniedField { coordinate: string; resource: string; provider: string; condition: string | null }

export type Authorisation =
  | { kind: 'allowed'; readable: string[]; raw: Set<string>; conditional: boolean; grantIds: string[] }
  | { kind: 'denied'; denied: DeniedField[] }
  | { kind: 'purpose-required'; coordinates: string[] };

/** Whether the operation touches CONDITIONAL data at all: only then are grants read. */
export function needsGrants(analysis: OperationAnalysis, model: PolicyModel): boolean {
  for (const g of analysis.governing) if (model.fields.get(g)?.shareType !== 'UNCONDITIONAL') return true;
  return false;
}

/**
 * Decides the whole operation: every governing coordinate must be UNCONDITIONAL or covered by an
 * active grant of the caller; one refused field refuses everything (no partial data). CONDITIONAL
 * data also needs a stated purpose.
 */
export function authorise(
  analysis: OperationAnalysis, model: PolicyModel, consumer: string, purpose: string | null,
  grants: readonly Grant[], now: Date,
): Authorisation {
  const active = grants.filter((g) => g.consumer === consumer && !g.revokedAt && Date.parse(g.validUntil) > now.getTime());
  const denied: DeniedField[] = [];
  const readable = new Set<string>();
  const raw = new Set<string>();
  const grantIds = new Set<string>();
  const conditionalTouched: string[] = [];
  for (const governing of analysis.governing) {
    const policy = model.fields.get(governing);
    if (!policy) continue; // the platform's own plumbing or introspection: no share rule to apply
    if (policy.shareType === 'UNCONDITIONAL') {
      addConditionalCovered(analysis, model, governing, readable);
      continue;
    }
    const grant = policy.shareType === 'CONDITIONAL'
      ? active.find((g) => g.resource === policy.resource && g.fields.includes(governing))
      : undefined;
    if (!grant) {
      denied.push({ coordinate: governing, resource: policy.resource, provider: policy.provider, condition: policy.condition });
      continue;
    }
    conditionalTouched.push(governing);
    grantIds.add(grant.id);
    for (const c of analysis.covers.get(governing) ?? [governing]) readable.add(c);
    if (active.some((g) => g.raw && g.resource === policy.resource && g.fields.includes(governing))) raw.add(governing);
  }
  if (denied.length > 0) return { kind: 'denied', denied: denied.sort((a, b) => a.coordinate.localeCompare(b.coordinate)) };
  if (conditionalTouched.length > 0 && !purpose) return { kind: 'purpose-required', coordinates: conditionalTouched };
  // Keys of entities are needed to join subgraphs; the gateway decides what reaches the caller.
  for (const coordinate of conditionalKeys(model)) readable.add(coordinate);
  return { kind: 'allowed', readable: [...readable].sort(), raw, conditional: conditionalTouched.length > 0, grantIds: [...grantIds] };
}

const keysByModel = new WeakMap<PolicyModel, string[]>();
function conditionalKeys(model: PolicyModel): string[] {
  let keys = keysByModel.get(model);
  if (!keys) {
    keys = [...model.fields.values()].filter((f) => f.key && f.shareType === 'CONDITIONAL').map((f) => f.coordinate);
    keysByModel.set(model, keys);
  }
  return keys;
}

function addConditionalCovered(analysis: OperationAnalysis, model: PolicyModel, governing: string, readable: Set<string>): void {
  for (const c of analysis.covers.get(governing) ?? []) if (model.fields.get(c)?.shareType === 'CONDITIONAL') readable.add(c);
}
