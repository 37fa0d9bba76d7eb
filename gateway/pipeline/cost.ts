import {
  Kind, SchemaMetaFieldDef, TypeMetaFieldDef, getNamedType, getNullableType, isInterfaceType, isListType, isObjectType,
  type ArgumentNode, type DocumentNode, type FragmentDefinitionNode, type GraphQLField, type GraphQLNamedType,
  type GraphQLOutputType, type GraphQLSchema, type OperationDefinitionNode, type SelectionSetNode,
} from 'graphql';
import type { RequestLimits } from './limits.ts';

/**
 * CONTRACT §8 cost: a field costs 1; a list field multiplies the cost of what is below it by its
 * expected size — the length of its list argument (literal or variable) where it has one, else
 * the configured size for that field, else `listSize`. The expected size may depend on the
 * request's variables, so the document compiles once into a small expression (`compileCost`) that
 * each request evaluates (`evaluateCost`). Fragments compile once and are shared by reference, and
 * evaluation memoises shared parts: both are linear in the size of the document.
 */
export interface CostExpression {
  /** What does not depend on variables, folded. */
  constant: number;
  /** Parts scaled by a size known only with the variables (or shared fragment parts). */
  terms: CostTerm[];
}

interface CostTerm {
  /** The largest of these sizes applies; a number is already known, a variable's is its length times `times`. */
  sizes: Array<number | { variable: string; times: number }>;
  inner: CostExpression;
}

export function compileCost(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode, limits: RequestLimits): CostExpression {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
  const compiled = new Map<string, CostExpression | null>();

  const fragment = (name: string): CostExpression | null => {
    if (compiled.has(name)) return compiled.get(name) ?? null; // null while compiling: a cycle, refused by validation
    compiled.set(name, null);
    const definition = fragments.get(name);
    const type = definition ? schema.getType(definition.typeCondition.name.value) : undefined;
    const expression = definition && type ? selections(definition.selectionSet, type) : { constant: 0, terms: [] };
    compiled.set(name, expression);
    return expression;
  };

  const selections = (set: SelectionSetNode, parent: GraphQLNamedType): CostExpression => {
    const result: CostExpression = { constant: 0, terms: [] };
    for (const selection of set.selections) {
      if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const shared = fragment(selection.name.value);
        if (shared) add(result, { sizes: [1], inner: shared });
        continue;
      }
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        const target = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parent;
        if (target) merge(result, selections(selection.selectionSet, target));
        continue;
      }
      result.constant += 1;
      const field = fieldOf(schema, parent, selection.name.value);
      if (!field || !selection.selectionSet) continue;
      const below = selections(selection.selectionSet, getNamedType(field.type));
      const sizes = listSizes(field, selection.arguments ?? [], `${parent.name}.${selection.name.value}`, limits);
      if (sizes === null) merge(result, below);
      else add(result, { sizes, inner: below });
    }
    return result;
  };

  const root = operation.operation === 'query' ? schema.getQueryType()
    : operation.operation === 'mutation' ? schema.getMutationType() : schema.getSubscriptionType();
  return root ? selections(operation.selectionSet, root) : { constant: 0, terms: [] };
}

export function evaluateCost(expression: CostExpression, variables: Readonly<Record<string, unknown>> | undefined): number {
  if (expression.terms.length === 0) return expression.constant;
  const memo = new Map<CostExpression, number>();
  const value = (e: CostExpression): number => {
    const known = memo.get(e);
    if (known !== undefined) return known;
    let total = e.constant;
    for (const term of e.terms) total += sizeOf(term, variables) * value(term.inner);
    memo.set(e, total);
    return total;
  };
  return value(expression);
}

function sizeOf(term: CostTerm, variables: Readonly<Record<string, unknown>> | undefined): number {
  let size = 0;
  for (const s of term.sizes) {
    size = Math.max(size, typeof s === 'number' ? s : lengthOf(variables?.[s.variable]) * s.times);
  }
  return size;
}

/** graphql-js coerces a single value to a one-item list; a missing one is no list at all. */
function lengthOf(value: unknown): number {
  if (Array.isArray(value)) return value.length;
  return value === undefined || value === null ? 0 : 1;
}

/** Adds a scaled part, folding it into the constant when nothing in it waits for variables. */
function add(into: CostExpression, term: CostTerm): void {
  if (term.inner.terms.length === 0 && term.sizes.every((s) => typeof s === 'number')) {
    into.constant += Math.max(...(term.sizes as number[])) * term.inner.constant;
  } else {
    into.terms.push(term);
  }
}

function merge(into: CostExpression, from: CostExpression): void {
  into.constant += from.constant;
  for (const term of from.terms) into.terms.push(term);
}

/**
 * Sizes of a list field: each list level multiplies; the outer level takes the length of the
 * field's list arguments (the keys it looks up) when it has any. `null` for a field that is no list.
 */
function listSizes(field: GraphQLField<unknown, unknown>, args: readonly ArgumentNode[], coordinate: string, limits: RequestLimits): CostTerm['sizes'] | null {
  let levels = 0;
  for (let t: GraphQLOutputType = field.type; ; ) {
    const nullable = getNullableType(t);
    if (!isListType(nullable)) break;
    levels++;
    t = nullable.ofType;
  }
  if (levels === 0) return null;
  const fallback = limits.listSizes[coordinate] ?? limits.listSize;
  const times = fallback ** (levels - 1);
  const fromArguments: CostTerm['sizes'] = [];
  for (const arg of args) {
    const definition = field.args.find((a) => a.name === arg.name.value);
    if (!definition || !isListType(getNullableType(definition.type))) continue;
    if (arg.value.kind === Kind.LIST) fromArguments.push(arg.value.values.length * times);
    else if (arg.value.kind === Kind.VARIABLE) fromArguments.push({ variable: arg.value.name.value, times });
  }
  return fromArguments.length > 0 ? fromArguments : [fallback * times];
}

function fieldOf(schema: GraphQLSchema, parent: GraphQLNamedType, name: string): GraphQLField<unknown, unknown> | undefined {
  if (parent === schema.getQueryType()) {
    if (name === SchemaMetaFieldDef.name) return SchemaMetaFieldDef;
    if (name === TypeMetaFieldDef.name) return TypeMetaFieldDef;
  }
  return isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[name] : undefined;
}
