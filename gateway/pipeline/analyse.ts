import {
  Kind, getNamedType, isAbstractType, isInterfaceType, isObjectType,
  type DocumentNode, type FragmentDefinitionNode, type GraphQLNamedType, type GraphQLObjectType,
  type GraphQLSchema, type OperationDefinitionNode, type SelectionSetNode,
} from 'graphql';
import type { PolicyModel } from '../../schema/policy-model.ts';
import type { MaskRule } from '../../schema/policy-types.ts';

/** One masked field in the response, by response key (alias or name), with the coordinate whose raw grant lifts it. */
export interface MaskPlanNode {
  /** Mask to apply to this key's value, and the governing coordinate a raw grant must cover. */
  masks: Array<{ rule: MaskRule; coordinate: string; governing: string }>;
  children: Map<string, MaskPlanNode>;
}

export interface OperationAnalysis {
  /** Every field coordinate the operation can touch (skipped/included ones too). */
  coordinates: Set<string>;
  /** Coordinates that decide access: a value type's fields are governed by the field leading to them. */
  governing: Set<string>;
  /** governing coordinate → coordinates it covers in this operation (itself included). */
  covers: Map<string, Set<string>>;
  maskPlan: Map<string, MaskPlanNode>;
  depth: number;
  aliases: number;
  fields: number;
  /** Only introspection (`__schema`, `__type`, `__typename`): no data. */
  introspectionOnly: boolean;
}

export interface AnalysisLimits { maxDepth: number; maxAliases: number; maxFields: number }
export const DEFAULT_LIMITS: AnalysisLimits = { maxDepth: 15, maxAliases: 100, maxFields: 2000 };

/**
 * Walks the selected operation with every fragment expanded. `@skip`/`@include` are ignored on
 * purpose: a skipped field is still asked for, and variables must not decide what is checked.
 * On an interface, a field counts as every implementing type's field.
 */
export function analyseOperation(
  schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode, model: PolicyModel,
): OperationAnalysis {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);

  const analysis: OperationAnalysis = {
    coordinates: new Set(), governing: new Set(), covers: new Map(), maskPlan: new Map(),
    depth: 0, aliases: 0, fields: 0, introspectionOnly: true,
  };
  const root = operation.operation === 'query' ? schema.getQueryType()
    : operation.operation === 'mutation' ? schema.getMutationType() : schema.getSubscriptionType();
  if (!root) return analysis;

  const visit = (
    selectionSet: SelectionSetNode, parent: GraphQLNamedType, depth: number, enclosing: string | null,
    plan: Map<string, MaskPlanNode>, fragmentPath: ReadonlySet<string>,
  ): void => {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        const target = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parent;
        if (target) visit(selection.selectionSet, target, depth, enclosing, plan, fragmentPath);
        continue;
      }
      if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const name = selection.name.value;
        const fragment = fragments.get(name);
        // Validation already refuses cycles; the path check keeps this walk safe regardless.
        if (!fragment || fragmentPath.has(name)) continue;
        const target = schema.getType(fragment.typeCondition.name.value);
        if (target) visit(fragment.selectionSet, target, depth, enclosing, plan, new Set([...fragmentPath, name]));
        continue;
      }
      const fieldName = selection.name.value;
      if (selection.alias) analysis.aliases++;
      analysis.fields++;
      if (fieldName === '__typename') continue;
      if (fieldName === '__schema' || fieldName === '__type') continue;
      analysis.introspectionOnly = false;
      analysis.depth = Math.max(analysis.depth, depth);

      const responseKey = selection.alias?.value ?? fieldName;
      const owners = concreteOwners(schema, parent, fieldName);
      let childType: GraphQLNamedType | null = null;
      let childGoverning: string | null = enclosing;
      let node = plan.get(responseKey);
      for (const owner of owners) {
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
        if (policy?.mask) {
          if (!node) plan.set(responseKey, node = { masks: [], children: new Map() });
          node.masks.push({ rule: policy.mask, coordinate, governing });
        }
      }
      if (selection.selectionSet && childType) {
        if (!node) plan.set(responseKey, node = { masks: [], children: new Map() });
        visit(selection.selectionSet, childType, depth + 1, childGoverning, node.children, fragmentPath);
        if (node.masks.length === 0 && node.children.size === 0) plan.delete(responseKey);
      }
    }
  };
  visit(operation.selectionSet, root, 1, null, analysis.maskPlan, new Set());
  return analysis;
}

/** The object types whose field this selection can be: the type itself, or an interface's implementations. */
function concreteOwners(schema: GraphQLSchema, parent: GraphQLNamedType, fieldName: string): GraphQLObjectType[] {
  if (isObjectType(parent)) return [parent];
  if (isInterfaceType(parent)) {
    const owners = schema.getPossibleTypes(parent).filter((t) => fieldName in t.getFields());
    return owners.length > 0 ? [...owners] : [];
  }
  if (isAbstractType(parent)) return [];
  return [];
}

export function exceededLimit(analysis: OperationAnalysis, limits: AnalysisLimits): string | null {
  if (analysis.depth > limits.maxDepth) return `depth ${analysis.depth} exceeds the limit of ${limits.maxDepth}`;
  if (analysis.aliases > limits.maxAliases) return `${analysis.aliases} aliases exceed the limit of ${limits.maxAliases}`;
  if (analysis.fields > limits.maxFields) return `${analysis.fields} selected fields exceed the limit of ${limits.maxFields}`;
  return null;
}
