import { shareTypeOf, type PolicyModel } from '../../schema/policy-model.ts';
import type { FieldPolicy } from '../../schema/policy-types.ts';
import type { Grant } from '../state/types.ts';
import type { OperationAnalysis } from './analyse.ts';
import { normalisePurpose, purposeCovers } from './grant-purpose.ts';

/** One refused field, as `extensions.denied` lists it; `reason` says why (no grant, another purpose, …). */
export interface DeniedField { coordinate: string; resource: string; provider: string; condition: string | null; reason: string }

export type Authorisation =
  | { kind: 'allowed'; readable: string[]; raw: Set<string>; conditional: boolean; grantIds: string[] }
  | { kind: 'denied'; denied: DeniedField[] }
  | { kind: 'purpose-required'; coordinates: string[] };

/** Whether the operation touches CONDITIONAL data at all: only then are grants read. */
export function needsGrants(analysis: OperationAnalysis, model: PolicyModel): boolean {
  for (const g of analysis.governing) if (shareTypeOf(model, g) !== 'UNCONDITIONAL') return true;
  return false;
}

/**
 * Decides the whole operation: every governing coordinate must be UNCONDITIONAL, belong to a resource
 * the caller provides itself, or be covered by an active grant of the caller whose purpose the stated
 * purpose equals or begins with; one refused field refuses everything (no partial data). CONDITIONAL
 * data also needs a stated purpose.
 *
 * `readable` (the coordinates the gateway vouches for to the subgraphs) holds only what the operation
 * itself reads: no entity key or other field rides along for the planner's sake. CONTRACT §3 rules 4–5
 * keep the planner from needing any CONDITIONAL value the operation did not ask for.
 */
export function authorise(
  analysis: OperationAnalysis, model: PolicyModel, consumer: string, purpose: string | null,
  grants: readonly Grant[], now: Date,
): Authorisation {
  const active = grants.filter((g) => g.consumer === consumer && !g.revokedAt && Date.parse(g.validUntil) > now.getTime());
  const stated = purpose ? normalisePurpose(purpose) || null : null;
  const denied: DeniedField[] = [];
  const readable = new Set<string>();
  const raw = new Set<string>();
  const grantIds = new Set<string>();
  const conditionalTouched: string[] = [];
  const refuse = (coordinate: string, policy: FieldPolicy | undefined, reason: string) => denied.push({
    coordinate, resource: policy?.resource ?? '', provider: policy?.provider ?? '', condition: policy?.condition ?? null, reason,
  });
  for (const governing of analysis.governing) {
    const policy = model.fields.get(governing);
    // Every field the API serves is classified (CONTRACT §3 rule 1): one the model does not know is
    // refused rather than served unchecked — unless the model says what an unclassified field is
    // (conformance mode: UNCONDITIONAL, so nothing CONDITIONAL rides along either).
    if (!policy && model.unclassified === 'UNCONDITIONAL') continue;
    if (!policy) { refuse(governing, undefined, 'the field is not in the catalog: it has no share rule'); continue; }
    if (policy.shareType === 'UNCONDITIONAL') {
      addConditionalCovered(analysis, model, governing, readable);
      continue;
    }
    if (policy.shareType === 'NONE') { refuse(governing, policy, 'the field is not shared (NONE)'); continue; }
    const covers = analysis.covers.get(governing) ?? [governing];
    // A department reads its own resources without a grant (it cannot apply for them either).
    if (policy.provider === consumer) {
      conditionalTouched.push(governing);
      for (const c of covers) readable.add(c);
      continue;
    }
    const candidates = active.filter((g) => g.resource === policy.resource && g.fields.includes(governing));
    if (candidates.length === 0) { refuse(governing, policy, `${consumer} holds no active grant for this field`); continue; }
    conditionalTouched.push(governing);
    // Without a stated purpose the answer is PURPOSE_REQUIRED (below), not a mismatch.
    if (stated === null) continue;
    const matching = candidates.filter((g) => purposeCovers(g.purpose, stated));
    if (matching.length === 0) {
      const granted = [...new Set(candidates.map((g) => `"${normalisePurpose(g.purpose)}"`))].join(', ');
      refuse(governing, policy, `the stated purpose does not match: the grant covers requests whose purpose is, or begins with, ${granted}`);
      continue;
    }
    for (const g of matching) grantIds.add(g.id);
    for (const c of covers) readable.add(c);
    if (matching.some((g) => g.raw)) raw.add(governing);
  }
  if (denied.length > 0) return { kind: 'denied', denied: denied.sort((a, b) => a.coordinate.localeCompare(b.coordinate)) };
  if (conditionalTouched.length > 0 && !stated) return { kind: 'purpose-required', coordinates: conditionalTouched };
  return { kind: 'allowed', readable: [...readable].sort(), raw, conditional: conditionalTouched.length > 0, grantIds: [...grantIds] };
}

function addConditionalCovered(analysis: OperationAnalysis, model: PolicyModel, governing: string, readable: Set<string>): void {
  for (const c of analysis.covers.get(governing) ?? []) if (model.fields.get(c)?.shareType === 'CONDITIONAL') readable.add(c);
}
