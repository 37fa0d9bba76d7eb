import type { ParsedSubgraph } from '../parse-subgraph.ts';
import type { CompositionIssue, FieldPolicy } from '../policy-types.ts';

/** What a cross-subgraph rule sees: every subgraph as parsed, and each coordinate's owner and classification. */
export interface RuleInput {
  parsed: readonly ParsedSubgraph[];
  fields: ReadonlyMap<string, FieldPolicy>;
}

/** One CONTRACT §3 rule over the subgraphs being composed; returns its violations. */
export type SubgraphRule = (input: RuleInput) => CompositionIssue[];

/** Readable only as it is: the value any caller may see, no mask, no grant. */
export function isOpen(policy: FieldPolicy): boolean {
  return policy.shareType === 'UNCONDITIONAL' && policy.mask === null;
}
