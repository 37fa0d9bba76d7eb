import {
  Kind, getNamedType, isInterfaceType, isObjectType,
  type DocumentNode, type FragmentDefinitionNode, type GraphQLNamedType, type GraphQLObjectType,
  type GraphQLSchema, type OperationDefinitionNode, type SelectionSetNode,
} from 'graphql';
import type { PolicyModel } from '../../schema/policy-model.ts';
import type { MaskRule } from '../../schema/policy-types.ts';

/**
 * One masked field in the response, by response key (alias or name), with the coordinate whose raw
 * grant lifts it. Nodes are shared between the places a fragment is spread: never mutate one.
 */
export interface MaskPlanNode {
  /** Masks to apply to this key's value (one per concrete type that can own it), and the governing coordinate a raw grant must cover. */
  readonly masks: ReadonlyArray<{ rule: MaskRule; coordinate: string; governing: string }>;
  readonly children: ReadonlyMap<string, MaskPlanNode>;
}

export interface OperationAnalysis {
  /** The operation analysed: the executor runs this one and no other. */
  operation: OperationDefinitionNode;
  /** Every field coordinate the operation can touch (skipped/included ones too). */
  coordinates: Set<string>;
  /** Coordinates that decide access: a value type's fields are governed by the field leading to them. */
  governing: Set<string>;
  /** governing coordinate → coordinates it covers in this operation (itself included). */
  covers: Map<string, Set<string>>;
  maskPlan: ReadonlyMap<string, MaskPlanNode>;
  /** Only introspection (`__schema`, `__type`, `__typename`): no data. */
  introspectionOnly: boolean;
}

type Plan = Map<string, MaskPlanNode>;

/**
 * Walks the selected operation for its coordinates and mask plan. `@skip`/`@include` are ignored on
 * purpose: a skipped field is still asked for, and variables must not decide what is checked. On an
 * interface, a field counts as every implementing type's field.
 *
 * A fragment is walked once per governing context it is spread in (the coordinate that governs a
 * value type's fields), and its mask plan is shared by reference wherever it is spread: the walk is
 * linear in the document, whatever the fragments expand to. The limits (`limits.ts`) are checked
 * before this runs; this walk does not rely on them.
 */
export function analyseOperation(
  schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode, model: PolicyModel,
): OperationAnalysis {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);

  const analysis: OperationAnalysis = {
    operation, coordinates: new Set(), governing: new Set(), covers: new Map(), maskPlan: new Map(), introspectionOnly: true,
  };
  const root = operation.operation === 'query' ? schema.getQueryType()
    : operation.operation === 'mutation' ? schema.getMutationType() : schema.getSubscriptionType();
  if (!root) { analysis.introspectionOnly = false; return analysis; }

  // fragment name + governing context → its plan; null while it is being walked (a cycle, which validation refuses anyway).
  const walked = new Map<string, Plan | null>();

  const spread = (name: string, enclosing: string | null): Plan | null => {
    const key = `${name}\u0000${enclosing ?? ''}`;
    if (walked.has(key)) return walked.get(key) ?? null;
    walked.set(key, null);
    const fragment = fragments.get(name);
    const target = fragment ? schema.getType(fragment.typeCondition.name.value) : undefined;
    const plan: Plan = new Map();
    if (fragment && target) visit(fragment.selectionSet, target, enclosing, plan);
    walked.set(key, plan);
    return plan;
  };

  const visit = (selectionSet: SelectionSetNode, parent: GraphQLNamedType, enclosing: string | null, plan: Plan): void => {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        const target = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parent;
        if (target) visit(selection.selectionSet, target, enclosing, plan);
        continue;
      }
      if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const shared = spread(selection.name.value, enclosing);
        if (shared) mergePlans(plan, shared);
        continue;
      }
      const fieldName = selection.name.value;
      if (fieldName === '__typename' || fieldName === '__schema' || fieldName === '__type') continue;
      analysis.introspectionOnly = false;

      const responseKey = selection.alias?.value ?? fieldName;
      let childType: GraphQLNamedType | null = null;
      let childGoverning: string | null = enclosing;
      const masks: Array<MaskPlanNode['masks'][number]> = [];
      for (const owner of concreteOwners(schema, parent, fieldName)) {
        const field = owner.getFields()[fieldName];
        if (!field) continue;
        childType = getNamedType(field.type);
        const coordinate = `${owner.name}.${fieldName}`;
        const policy = model.fields.get(coordinate);
        const governing = policy?.onValueType && enclosing ? enclosing : coordinate;
        analysis.coordinates.add(coordinate);
        analysis.governing.add(governing);
        let covered = analysis.covers.get(governing);
        if (!covered) analysis.covers.set(governing, covered = new Set());
        covered.add(coordinate);
        childGoverning = governing;
        if (policy?.mask) masks.push({ rule: policy.mask, coordinate, governing });
      }
      const children: Plan = new Map();
      if (selection.selectionSet && childType) visit(selection.selectionSet, childType, childGoverning, children);
      if (masks.length > 0 || children.size > 0) mergePlans(plan, new Map([[responseKey, { masks, children }]]));
    }
  };
  visit(operation.selectionSet, root, null, analysis.maskPlan as Plan);
  return analysis;
}

/**
 * Merges `from` into `into` by response key. A node only one side has is shared as it is; where
 * both have one, a new node unites their masks and children (neither input is changed).
 */
function mergePlans(into: Plan, from: ReadonlyMap<string, MaskPlanNode>): void {
  for (const [key, node] of from) {
    const existing = into.get(key);
    if (!existing) { into.set(key, node); continue; }
    if (existing === node) continue;
    const masks = [...existing.masks];
    for (const m of node.masks) {
      if (!masks.some((e) => e.coordinate === m.coordinate && e.governing === m.governing)) masks.push(m);
    }
    const children: Plan = new Map(existing.children);
    mergePlans(children, node.children);
    into.set(key, { masks, children });
  }
}

/** The object types whose field this selection can be: the type itself, or an interface's implementations. */
function concreteOwners(schema: GraphQLSchema, parent: GraphQLNamedType, fieldName: string): GraphQLObjectType[] {
  if (isObjectType(parent)) return [parent];
  if (isInterfaceType(parent)) return schema.getPossibleTypes(parent).filter((t) => fieldName in t.getFields());
  return [];
}
