import type { CompositionIssue } from '../policy-types.ts';
import { isOpen, type RuleInput, type SubgraphRule } from './rule.ts';

/**
 * CONTRACT §3 rule 5 (`REQUIRES_PROTECTED_FIELD`): `@requires` makes the planner fetch another
 * subgraph's fields and send them to this one; `@provides` lets this subgraph answer another's fields
 * itself. Either may name only fields that are UNCONDITIONAL and unmasked in their owner, nested
 * selections included, so a provider never receives (or stands in for) a value its own callers could
 * not read as it is. `@context`/`@fromContext` pass other fields' values the same way and are refused.
 */
export const requiresProtectedField: SubgraphRule = ({ parsed, fields }: RuleInput) => {
  const errors: CompositionIssue[] = [];
  for (const sg of parsed) {
    for (const use of sg.contextUses) {
      errors.push({ code: 'REQUIRES_PROTECTED_FIELD', subgraph: sg.name,
        message: `subgraph "${sg.name}" uses ${use}: @context/@fromContext hand a subgraph other fields' values and are not accepted; use @requires on UNCONDITIONAL unmasked fields` });
    }
    for (const type of sg.types.values()) for (const field of type.fields) {
      for (const [directive, coordinates] of [['@requires', field.requires], ['@provides', field.provides]] as const) {
        for (const coordinate of coordinates ?? []) {
          const policy = fields.get(coordinate);
          // Its own field, or one nobody classifies (reported elsewhere, or left to composition).
          if (!policy || policy.subgraph === sg.name || isOpen(policy)) continue;
          const what = policy.mask ? `${policy.shareType} and masked (${policy.mask})` : policy.shareType;
          errors.push({ code: 'REQUIRES_PROTECTED_FIELD', coordinate: `${type.name}.${field.name}`, subgraph: sg.name,
            message: `${type.name}.${field.name} in subgraph "${sg.name}" has ${directive} naming ${coordinate}, which is ${what} in "${policy.subgraph}": ${directive} may name only UNCONDITIONAL unmasked fields of another subgraph (CONTRACT §3 rule 5)` });
        }
      }
    }
  }
  return errors;
};
