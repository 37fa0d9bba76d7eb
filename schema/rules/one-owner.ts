import type { CompositionIssue } from '../policy-types.ts';
import type { RuleInput, SubgraphRule } from './rule.ts';

/**
 * 一数一源 beyond "one subgraph per field" (rule 3): the federation features that let a subgraph stand
 * in for another's data are refused.
 * - `@override` takes a field from its owner (the owner moves a field by publishing without it).
 * - A value type (an object type some subgraph declares without `@key`, the platform's `Grant` or
 *   `AuditRecord` among them) belongs to one subgraph: another declaring the same name would add
 *   fields to it or serve its fields.
 * - A subgraph may repeat another subgraph's key field only inside a key it declares itself; otherwise
 *   it would be a second source of that field.
 * - `@interfaceObject` adds fields to types this subgraph does not declare, under coordinates the
 *   policy model cannot classify.
 */
export const oneOwner: SubgraphRule = ({ parsed }: RuleInput) => {
  const errors: CompositionIssue[] = [];
  const declaredBy = new Map<string, string[]>();
  const valueTypeIn = new Map<string, string>();
  const keyed = new Set<string>();
  for (const sg of parsed) for (const type of sg.types.values()) {
    if (type.kind !== 'object' || sg.rootTypes.has(type.name)) continue;
    declaredBy.set(type.name, [...(declaredBy.get(type.name) ?? []), sg.name]);
    if (type.keys.length === 0 && !valueTypeIn.has(type.name)) valueTypeIn.set(type.name, sg.name);
    if (type.keys.length > 0) keyed.add(type.name);
  }
  for (const [typeName, owner] of valueTypeIn) {
    const subgraphs = declaredBy.get(typeName)!;
    if (subgraphs.length < 2) continue;
    errors.push({ code: 'DUPLICATE_OWNER', coordinate: typeName,
      message: `type ${typeName} is declared by ${subgraphs.map((s) => `"${s}"`).join(', ')}, but "${owner}" declares it without @key: a value type belongs to one subgraph` });
  }

  for (const sg of parsed) for (const type of sg.types.values()) {
    if (type.interfaceObject) {
      errors.push({ code: 'COMPOSITION_ERROR', coordinate: type.name, subgraph: sg.name,
        message: `subgraph "${sg.name}" declares ${type.name} @interfaceObject: fields added to another subgraph's interface implementations cannot be classified, so it is not accepted` });
    }
    for (const field of type.fields) {
      const coordinate = `${type.name}.${field.name}`;
      if (field.overrideFrom !== null) {
        errors.push({ code: 'DUPLICATE_OWNER', coordinate, subgraph: sg.name,
          message: `${coordinate} in subgraph "${sg.name}" has @override(from: "${field.overrideFrom}"): a field has exactly one owner (一数一源); its owner moves it by publishing without it` });
      }
      if (!field.share && !field.external && keyed.has(type.name) && !type.keyFields.has(field.name) && isKeyElsewhere(parsed, sg.name, type.name, field.name)) {
        errors.push({ code: 'DUPLICATE_OWNER', coordinate, subgraph: sg.name,
          message: `${coordinate} in subgraph "${sg.name}" repeats another subgraph's key field without declaring a key on it: it would be a second source of that field` });
      }
    }
  }
  return errors;
};

function isKeyElsewhere(parsed: RuleInput['parsed'], subgraph: string, typeName: string, fieldName: string): boolean {
  return parsed.some((sg) => sg.name !== subgraph && (sg.types.get(typeName)?.keyFields.has(fieldName) ?? false));
}
