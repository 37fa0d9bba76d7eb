import type { ParsedKey, ParsedSubgraph, ParsedType } from '../parse-subgraph.ts';
import type { CompositionIssue } from '../policy-types.ts';
import type { RuleInput, SubgraphRule } from './rule.ts';

/**
 * CONTRACT §3 rule 4 (`KEY_NOT_UNCONDITIONAL`). The query planner fetches an entity's key fields from
 * the subgraph that owns them and hands them, vouched for by the gateway, to every subgraph that
 * declares that key: a key is a way for one provider to receive another provider's field values.
 *
 * The reading applied: a subgraph may declare any key made of fields it owns itself (housing's
 * `Property @key(fields: "certificateNumber")` is CONDITIONAL, but only housing resolves it). A key
 * naming a field another subgraph owns is allowed only when that owner declares the very same key and
 * every field of it is UNCONDITIONAL in the owner — the entity's own identity, such as population's
 * `Person @key(fields: "idNumber")`, which other providers re-use. Such a key may be masked: masks
 * follow the coordinate at the gateway, wherever the value lands. Any other key naming a CONDITIONAL,
 * NONE or masked field of someone else (`Person @key(fields: "mobile")`) is refused.
 */
export const keyNotUnconditional: SubgraphRule = ({ parsed, fields }: RuleInput) => {
  const errors: CompositionIssue[] = [];
  const byName = new Map(parsed.map((sg) => [sg.name, sg]));
  for (const sg of parsed) for (const type of sg.types.values()) for (const key of type.keys) {
    const owners = new Set<string>();
    let unknown = false;
    for (const coordinate of key.coordinates) {
      const owner = fields.get(coordinate)?.subgraph;
      if (owner) owners.add(owner); else unknown = true;
    }
    // A field nobody classifies is reported as UNCLASSIFIED_FIELD (or left to composition, when this
    // subgraph is checked alone at its own start-up).
    if (unknown || (owners.size === 1 && owners.has(sg.name)) || owners.size === 0) continue;
    const reason = refusal(sg, type, key, owners, byName, fields);
    if (reason) {
      errors.push({ code: 'KEY_NOT_UNCONDITIONAL', coordinate: type.name, subgraph: sg.name,
        message: `subgraph "${sg.name}" declares ${type.name} @key(fields: "${key.fields}"), but ${reason}: the planner would hand those values to "${sg.name}". Key on the entity's own identity key instead (CONTRACT §3 rule 4)` });
    }
  }
  return errors;
};

function refusal(
  sg: ParsedSubgraph, type: ParsedType, key: ParsedKey, owners: ReadonlySet<string>,
  byName: ReadonlyMap<string, ParsedSubgraph>, fields: RuleInput['fields'],
): string | null {
  if (owners.size > 1 || owners.has(sg.name)) return `its fields belong to several subgraphs (${[...owners].join(', ')})`;
  const owner = [...owners][0]!;
  const protectedFields = key.coordinates.filter((c) => fields.get(c)!.shareType !== 'UNCONDITIONAL');
  if (protectedFields.length > 0) {
    return protectedFields.map((c) => `${c} is ${fields.get(c)!.shareType} in "${owner}"`).join(', ');
  }
  const ownerKeys = byName.get(owner)?.types.get(type.name)?.keys ?? [];
  const same = ownerKeys.some((k) => k.coordinates.join(' ') === key.coordinates.join(' '));
  return same ? null : `"${owner}", which owns ${key.coordinates.join(', ')}, declares no such key`;
}
