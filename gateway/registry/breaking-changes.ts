import type { PolicyModel } from '../../schema/policy-model.ts';
import type { Grant } from '../state/index.ts';

export interface BreakingChange {
  grantId: string;
  consumer: string;
  coordinate: string;
  change: string;
}

/**
 * A change that would silently take away what an active grant promised: a granted field removed,
 * made NONE, or moved to another resource (the grant names the old one).
 */
export function breakingChangesForGrants(before: PolicyModel, after: PolicyModel, subgraph: string, activeGrants: readonly Grant[]): BreakingChange[] {
  const changes: BreakingChange[] = [];
  for (const grant of activeGrants) {
    for (const coordinate of grant.fields) {
      const old = before.fields.get(coordinate);
      if (!old || old.subgraph !== subgraph) continue;
      const next = after.fields.get(coordinate);
      const change = !next ? 'removed'
        : next.shareType === 'NONE' ? 'no longer shared (NONE)'
        : next.resource !== grant.resource ? `moved from resource ${grant.resource} to ${next.resource}`
        : null;
      if (change) changes.push({ grantId: grant.id, consumer: grant.consumer, coordinate, change });
    }
  }
  return changes;
}
