import {
  Kind, getNamedType, getNullableType, isAbstractType, isInputObjectType, isLeafType, isListType, isObjectType, parse, valueFromAST,
  type DocumentNode, type FieldNode, type FragmentDefinitionNode, type GraphQLField, type GraphQLNamedType,
  type GraphQLObjectType, type GraphQLSchema, type OperationDefinitionNode, type SelectionSetNode,
} from 'graphql';
import type { PolicyModel } from '../../schema/policy-model.ts';
import { normaliseSubjectKey } from '../state/subject-digest.ts';

/** Whose records an answer read: normalised subject key → the coordinates read of that subject. */
export type SubjectReads = Map<string, Set<string>>;

const keysByModel = new WeakMap<PolicyModel, ReadonlyMap<string, string>>();

/** Entity type → its key field (`Person` → `idNumber`), from the fields the model marks as keys. */
export function entityKeyFields(model: PolicyModel): ReadonlyMap<string, string> {
  let keys = keysByModel.get(model);
  if (!keys) {
    const found = new Map<string, string>();
    for (const policy of model.fields.values()) if (policy.key && !found.has(policy.typeName)) found.set(policy.typeName, policy.fieldName);
    keysByModel.set(model, keys = found);
  }
  return keys;
}

/** One field of a selection, resolved once for one concrete parent type (fragments flattened). */
interface Step {
  node: FieldNode;
  field: GraphQLField<unknown, unknown>;
  responseKey: string;
  coordinate: string;
  childType: GraphQLNamedType;
  /** Where the child's entity key lands in the answer (its name or aliases), when the child is an entity that selects it. */
  childKeyResponseKeys: readonly string[];
}

interface Walk {
  schema: GraphQLSchema;
  fragments: ReadonlyMap<string, FragmentDefinitionNode>;
  keys: ReadonlyMap<string, string>;
  keyNames: ReadonlySet<string>;
  variables: Record<string, unknown>;
  out: SubjectReads;
}

/** Keys an operation named in a root field's arguments: one (`person(idNumber:)`), or one per result (`persons(idNumbers:)`, `verifyPersons(claims:)`). */
type ArgumentKeys = { one: string } | { each: ReadonlyArray<string | null> } | null;

/**
 * Which subjects' data an answer holds, read from the answer before it is masked and from the lookup
 * arguments: a read belongs to the subject whose key identifies the object it was read from — the key
 * field's value when the answer selects it, else the key the lookup was asked for (by position for batch
 * lookups and comparisons, whose results come in input order). The fields of value types belong to the
 * entity above them, and so do those of an entity whose key the answer does not carry: it was reached
 * through that subject. Coordinates are those of the schema (`Person.mobile`), whatever the aliases.
 */
export function collectSubjects(options: {
  schema: GraphQLSchema; document: DocumentNode; operation: OperationDefinitionNode; model: PolicyModel;
  data: Record<string, unknown>; variables: Record<string, unknown> | undefined;
  /** The planner's `_entities` calls of this request (the subgraph data source notes them). */
  fetches?: readonly EntityFetch[];
  /** The coordinates the operation reads (its analysis): the planner's own key fetches are no read of the consumer's. */
  reads: ReadonlySet<string>;
}): SubjectReads {
  const { schema, document, operation, model, data } = options;
  const keys = entityKeyFields(model);
  const walk: Walk = { schema, fragments: fragmentsOf(document), keys, keyNames: new Set(keys.values()), variables: options.variables ?? {}, out: new Map() };
  const root = operation.operation === 'mutation' ? schema.getMutationType() : schema.getQueryType();
  if (root && operation.operation !== 'subscription') visitRoot(walk, operation.selectionSet, root, data);
  for (const fetch of options.fetches ?? []) visitEntityFetch(walk, fetch);
  for (const [subject, fields] of walk.out) {
    for (const field of fields) if (!options.reads.has(field)) fields.delete(field);
    if (fields.size === 0) walk.out.delete(subject);
  }
  return walk.out;
}

/** The root fields: each may name keys in its arguments, which decide whose the objects below are when they carry none. */
function visitRoot(w: Walk, selectionSet: SelectionSetNode, root: GraphQLObjectType, data: Record<string, unknown>): void {
  for (const step of stepsFor(w, selectionSet, root)) {
    const value = data[step.responseKey];
    if (value === undefined) continue;
    const asked = keysFromArguments(w, step.field, step.node);
    if (!step.node.selectionSet) {
      // A lookup answering a scalar about one key is a read of that subject, unless nothing was found.
      if (asked && 'one' in asked && value !== null) add(w.out, asked.one, step.coordinate);
      continue;
    }
    for (const [item, position] of items(value)) {
      const askedKey = asked ? ('one' in asked ? asked.one : askedAt(asked.each, item, position)) : null;
      const subject = ownKey(step, item) ?? askedKey;
      // The lookup itself (Query.persons) is a read of each subject it returned; a key not found returned none.
      if (subject !== null) add(w.out, subject, step.coordinate);
      visitObject(w, step.node.selectionSet, step.childType, item, subject);
    }
  }
}

function visitObject(w: Walk, selectionSet: SelectionSetNode, type: GraphQLNamedType, value: Record<string, unknown>, subject: string | null): void {
  for (const concrete of concreteTypes(w.schema, type, value)) {
    for (const step of stepsFor(w, selectionSet, concrete)) {
      const child = value[step.responseKey];
      if (child === undefined) continue;
      if (subject !== null) add(w.out, subject, step.coordinate);
      if (!step.node.selectionSet || child === null) continue;
      for (const [item] of items(child)) visitObject(w, step.node.selectionSet, step.childType, item, ownKey(step, item) ?? subject);
    }
  }
}

function add(out: SubjectReads, subject: string, coordinate: string): void {
  let fields = out.get(subject);
  if (!fields) out.set(subject, fields = new Set());
  fields.add(coordinate);
}

/** The entity key the answer carries for this object, when the step's child is an entity and its selection asks for the key. */
function ownKey(step: Step, item: Record<string, unknown>): string | null {
  for (const responseKey of step.childKeyResponseKeys) {
    const found = item[responseKey];
    if (typeof found === 'string' && found.trim()) return normaliseSubjectKey(found);
  }
  return null;
}

/** The objects of a field's value (nulls left out), each with its position in the outer list: itself, or a list's at any depth. */
function items(value: unknown, position?: number): Array<[Record<string, unknown>, number]> {
  if (Array.isArray(value)) return value.flatMap((v, i) => items(v, position ?? i));
  return isRecord(value) ? [[value, position ?? 0]] : [];
}

const isRecord = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

/** A comparison's result says which claim it answers (`index`); otherwise results come in input order. */
function askedAt(each: ReadonlyArray<string | null>, item: Record<string, unknown>, position: number): string | null {
  const index = typeof item.index === 'number' && Number.isInteger(item.index) ? item.index : position;
  return each[index] ?? null;
}

/**
 * Keys a root field was asked for: an argument named as an entity's key field (`idNumber`), a list named
 * as its plural (`idNumbers`, `usccs`), or a list of claims whose input type has a key field.
 */
function keysFromArguments(w: Walk, field: GraphQLField<unknown, unknown>, node: FieldNode): ArgumentKeys {
  for (const arg of field.args) {
    const given = node.arguments?.find((a) => a.name.value === arg.name);
    if (!given) continue;
    const value = valueFromAST(given.value, arg.type, w.variables);
    const named = getNamedType(arg.type);
    const list = isListType(getNullableType(arg.type));
    if (isLeafType(named)) {
      if (!list && w.keyNames.has(arg.name) && typeof value === 'string') return { one: normaliseSubjectKey(value) };
      if (list && w.keyNames.has(arg.name.replace(/s$/, '')) && Array.isArray(value)) return { each: value.map(keyText) };
    } else if (isInputObjectType(named) && list && Array.isArray(value)) {
      const keyField = Object.keys(named.getFields()).find((f) => w.keyNames.has(f));
      if (keyField) return { each: value.map((claim) => keyText(isRecord(claim) ? claim[keyField] : null)) };
    }
  }
  return null;
}

const keyText = (value: unknown): string | null => (typeof value === 'string' && value.trim() ? normaliseSubjectKey(value) : null);

/** The object types a value of `type` can be here: itself, or the implementation the answer names (all of them when it names none). */
function concreteTypes(schema: GraphQLSchema, type: GraphQLNamedType, value: Record<string, unknown>): readonly GraphQLObjectType[] {
  if (isObjectType(type)) return [type];
  if (!isAbstractType(type)) return [];
  const possible = schema.getPossibleTypes(type);
  const named = possible.filter((t) => t.name === value.__typename);
  return named.length > 0 ? named : possible;
}

/**
 * A selection set's fields for one concrete parent type, fragments that apply to it flattened in. Computed
 * once per (selection, type): Apollo hands every request with the same text the same parsed document, and
 * the planner's fetch documents are parsed once (below), so a request only looks values up.
 */
const plans = new WeakMap<SelectionSetNode, WeakMap<GraphQLObjectType, readonly Step[]>>();

function stepsFor(w: Walk, selectionSet: SelectionSetNode, parent: GraphQLObjectType): readonly Step[] {
  let byType = plans.get(selectionSet);
  if (!byType) plans.set(selectionSet, byType = new WeakMap());
  let steps = byType.get(parent);
  if (!steps) byType.set(parent, steps = planSteps(w, selectionSet, parent, []));
  return steps;
}

function planSteps(w: Walk, selectionSet: SelectionSetNode, parent: GraphQLObjectType, steps: Step[], spread = new Set<string>()): Step[] {
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.INLINE_FRAGMENT || selection.kind === Kind.FRAGMENT_SPREAD) {
      const named = selection.kind === Kind.FRAGMENT_SPREAD ? selection.name.value : null;
      // A cycle is a validation error; guarded here all the same.
      if (named !== null && spread.has(named)) continue;
      const fragment = selection.kind === Kind.FRAGMENT_SPREAD ? w.fragments.get(selection.name.value) : selection;
      if (!fragment) continue;
      const condition = fragment.typeCondition ? w.schema.getType(fragment.typeCondition.name.value) : parent;
      if (condition === parent || (condition && isAbstractType(condition) && w.schema.isSubType(condition, parent))) {
        planSteps(w, fragment.selectionSet, parent, steps, named !== null ? new Set(spread).add(named) : spread);
      }
      continue;
    }
    const name = selection.name.value;
    const field = name.startsWith('__') ? undefined : parent.getFields()[name];
    if (!field) continue;
    const childType = getNamedType(field.type);
    const keyField = w.keys.get(childType.name);
    steps.push({
      node: selection, field, responseKey: selection.alias?.value ?? name, coordinate: `${parent.name}.${name}`, childType,
      childKeyResponseKeys: keyField && selection.selectionSet ? keyResponseKeys(w, selection.selectionSet, keyField) : [],
    });
  }
  return steps;
}

/** Where the key field lands in the answer: its name or its aliases, through fragments too. */
function keyResponseKeys(w: Walk, selectionSet: SelectionSetNode, keyField: string, seen = new Set<string>()): string[] {
  const found: string[] = [];
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      if (selection.name.value === keyField) found.push(selection.alias?.value ?? keyField);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      found.push(...keyResponseKeys(w, selection.selectionSet, keyField, seen));
    } else if (!seen.has(selection.name.value)) {
      seen.add(selection.name.value);
      const fragment = w.fragments.get(selection.name.value);
      if (fragment) found.push(...keyResponseKeys(w, fragment.selectionSet, keyField, seen));
    }
  }
  return found;
}

/** One `_entities` call: its query text, the representations the planner sent (each names its entity's key) and the answers, in their order. */
export interface EntityFetch { query: string; representations: readonly unknown[]; entities: unknown }

/**
 * The planner's fetch documents, parsed once: a query plan's fetches are the same text for every request
 * with that plan. Bounded (cleared when full, like the token cache): distinct plans are few, and a flood
 * of new ones costs a parse each, nothing more.
 */
const FETCH_CACHE_LIMIT = 2000;
const fetchDocuments = new Map<string, { fragments: ReadonlyMap<string, FragmentDefinitionNode>; selection: SelectionSetNode } | null>();

function entitiesSelection(query: string): { fragments: ReadonlyMap<string, FragmentDefinitionNode>; selection: SelectionSetNode } | null {
  let found = fetchDocuments.get(query);
  if (found !== undefined) return found;
  found = null;
  try {
    const document = parse(query, { noLocation: true });
    const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
    const field = operation?.selectionSet.selections.find((s): s is FieldNode => s.kind === Kind.FIELD && s.name.value === '_entities');
    if (field?.selectionSet) found = { fragments: fragmentsOf(document), selection: field.selectionSet };
  } catch { /* not ours to judge: the subgraph was sent it, and it answered */ }
  if (fetchDocuments.size >= FETCH_CACHE_LIMIT) fetchDocuments.clear();
  fetchDocuments.set(query, found);
  return found;
}

/**
 * An entity reached through another (a person as an enterprise's legal representative) is fetched from
 * its own subgraph by the key the planner took from the first answer: what comes back for each
 * representation is a read of that key's subject, even when the operation never selected the key.
 */
function visitEntityFetch(w: Walk, fetch: EntityFetch): void {
  if (!Array.isArray(fetch.entities)) return;
  const parsed = entitiesSelection(fetch.query);
  if (!parsed) return;
  const inner: Walk = { ...w, fragments: parsed.fragments };
  fetch.representations.forEach((representation, i) => {
    const entity = (fetch.entities as unknown[])[i];
    if (!isRecord(representation) || !isRecord(entity) || typeof representation.__typename !== 'string') return;
    const type = w.schema.getType(representation.__typename);
    const keyField = w.keys.get(representation.__typename);
    const key = keyField ? keyText(representation[keyField]) : null;
    if (type && key) visitObject(inner, parsed.selection, type, entity, key);
  });
}

const fragmentsByDocument = new WeakMap<DocumentNode, ReadonlyMap<string, FragmentDefinitionNode>>();

function fragmentsOf(document: DocumentNode): ReadonlyMap<string, FragmentDefinitionNode> {
  let fragments = fragmentsByDocument.get(document);
  if (!fragments) {
    const found = new Map<string, FragmentDefinitionNode>();
    for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) found.set(def.name.value, def);
    fragmentsByDocument.set(document, fragments = found);
  }
  return fragments;
}
