import { Kind, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';
import type { PolicyModel } from '../../schema/policy-model.ts';
import { PLATFORM_RESOURCE } from '../platform/catalog.ts';

/**
 * Lookups of keys no provider knows (`persons(idNumbers:)` answering `null`): what enumerating ID
 * numbers looks like from the gateway. The providers enforce their own daily budget (the kit's
 * lookup budget); the gateway counts per consumer so that `evaluation` can show who probes.
 *
 * Counted on the answer: every `null` a root lookup of an entity returns, in a list or alone.
 */
export function countUnknownKeys(
  data: Record<string, unknown> | null | undefined, operation: OperationDefinitionNode | undefined, model: PolicyModel,
): number {
  if (!data || !operation || operation.operation !== 'query') return 0;
  const entities = entityTypes(model);
  let unknown = 0;
  const visit = (selectionSet: SelectionSetNode) => {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.INLINE_FRAGMENT) { visit(selection.selectionSet); continue; }
      if (selection.kind !== Kind.FIELD) continue;
      const policy = model.fields.get(`Query.${selection.name.value}`);
      if (!policy || policy.compare || policy.resource === PLATFORM_RESOURCE || !entities.has(policy.returnType)) continue;
      // Only lookups by key: an argument-less root list is no probe.
      if (!selection.arguments?.length) continue;
      const value = data[selection.alias?.value ?? selection.name.value];
      if (value === null) unknown++;
      else if (Array.isArray(value)) for (const item of value) if (item === null) unknown++;
    }
  };
  visit(operation.selectionSet);
  return unknown;
}

const entitiesByModel = new WeakMap<PolicyModel, ReadonlySet<string>>();
function entityTypes(model: PolicyModel): ReadonlySet<string> {
  let types = entitiesByModel.get(model);
  if (!types) {
    types = new Set([...model.fields.values()].filter((f) => f.key).map((f) => f.typeName));
    entitiesByModel.set(model, types);
  }
  return types;
}
