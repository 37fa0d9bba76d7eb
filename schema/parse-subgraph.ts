import {
  Kind, parse, print, valueFromASTUntyped,
  type DirectiveNode, type DocumentNode, type FieldDefinitionNode, type TypeNode,
} from 'graphql';
import {
  baseType, buildSubgraph, collectTargetFields, isCompositeType,
  type CompositeType, type Directive, type FederationMetadata, type FieldDefinition, type NamedType,
  type Post20FederationDirectiveDefinition, type Subgraph,
} from '@apollo/federation-internals';
import { SHARE_SPEC_IDENTITY } from './share-sdl.ts';

/** What one subgraph's SDL says about one field, before cross-subgraph rules are applied. */
export interface ParsedField {
  name: string;
  returnType: string;
  /** The type as written, wrappers included (`[License!]!`). */
  dataType: string;
  share: { type: string; condition: string | null; resource: string | null } | null;
  mask: string | null;
  compare: boolean;
  /** `@compare(sealed: REQUIRED)`. */
  sealedClaims?: 'REQUIRED';
  external: boolean;
  description: string | null;
  /** Coordinates a `@requires` on this field names (nested selections included); null without one. */
  requires: string[] | null;
  /** Coordinates a `@provides` on this field names, on its return type; null without one. */
  provides: string[] | null;
  /** The subgraph an `@override(from:)` on this field takes it from. */
  overrideFrom: string | null;
}

export type ParsedTypeKind = 'object' | 'interface' | 'enum' | 'scalar' | 'input' | 'union';

/** One `@key` of a type: its field set as written and every coordinate it names. */
export interface ParsedKey { fields: string; coordinates: string[] }

export interface ParsedType {
  name: string;
  kind: ParsedTypeKind;
  /** Field names that appear at the top level of any `@key(fields:)` of the type. */
  keyFields: Set<string>;
  keys: ParsedKey[];
  resource: Record<string, unknown> | null;
  fields: ParsedField[];
  /** Declared with `@interfaceObject`. */
  interfaceObject: boolean;
}

export interface ParsedSubgraph {
  name: string;
  document: DocumentNode;
  types: Map<string, ParsedType>;
  rootTypes: Set<string>;
  /** Where `@context` / `@fromContext` are used (they hand a subgraph other fields' values). */
  contextUses: string[];
}

const KIND_OF: Partial<Record<Kind, ParsedTypeKind>> = {
  [Kind.OBJECT_TYPE_DEFINITION]: 'object', [Kind.OBJECT_TYPE_EXTENSION]: 'object',
  [Kind.INTERFACE_TYPE_DEFINITION]: 'interface', [Kind.INTERFACE_TYPE_EXTENSION]: 'interface',
  [Kind.ENUM_TYPE_DEFINITION]: 'enum', [Kind.ENUM_TYPE_EXTENSION]: 'enum',
  [Kind.SCALAR_TYPE_DEFINITION]: 'scalar', [Kind.SCALAR_TYPE_EXTENSION]: 'scalar',
  [Kind.INPUT_OBJECT_TYPE_DEFINITION]: 'input', [Kind.INPUT_OBJECT_TYPE_EXTENSION]: 'input',
  [Kind.UNION_TYPE_DEFINITION]: 'union', [Kind.UNION_TYPE_EXTENSION]: 'union',
};

const ROOT_NAMES = { query: 'Query', mutation: 'Mutation', subscription: 'Subscription' } as const;

/**
 * Reads a subgraph's SDL into the facts the policy model needs. Throws graphql's syntax error, or
 * federation's error when the SDL is not a valid subgraph.
 *
 * Federation's own reading of the SDL (`@apollo/federation-internals`, the library composition uses)
 * decides which directive is which: a directive may be imported under another name
 * (`import: [{ name: "@key", as: "@k" }]`) or used by its namespaced name (`@federation__requires`),
 * and a check that looked for the literal `@key` would not see those keys at all.
 */
export function parseSubgraph(name: string, sdl: string): ParsedSubgraph {
  const document = parse(sdl);
  const federation = buildSubgraph(name, `http://${name}.invalid/graphql`, document);
  const metadata = federation.metadata();
  const shareFeature = federation.schema.coreFeatures?.getByIdentity(SHARE_SPEC_IDENTITY);
  const shareName = (directive: string) => shareFeature?.directiveNameInSchema(directive) ?? directive;
  const names = {
    share: shareName('share'), mask: shareName('mask'), compare: shareName('compare'), resource: shareName('resource'),
  };

  // Federation renames custom root types (`schema { query: Q }`) to Query/Mutation/Subscription, and so
  // does the supergraph: coordinates are written with the canonical names.
  const renamed = new Map<string, string>();
  for (const def of document.definitions) {
    if (def.kind !== Kind.SCHEMA_DEFINITION && def.kind !== Kind.SCHEMA_EXTENSION) continue;
    for (const op of def.operationTypes ?? []) renamed.set(op.type.name.value, ROOT_NAMES[op.operation]);
  }
  const canonical = (typeName: string) => renamed.get(typeName) ?? typeName;
  const rootTypes = new Set<string>(Object.values(ROOT_NAMES));

  const types = new Map<string, ParsedType>();
  for (const def of document.definitions) {
    const kind = KIND_OF[def.kind];
    if (!kind || !('name' in def) || !def.name) continue;
    const typeName = canonical(def.name.value);
    // Federation's own plumbing (_Service, _Entity, _Any …) is not a provider's data.
    if (typeName.startsWith('_')) continue;
    let type = types.get(typeName);
    if (!type) {
      type = { name: typeName, kind, keyFields: new Set(), keys: [], resource: null, fields: [], interfaceObject: false };
      types.set(typeName, type);
    }
    const directives = ('directives' in def ? def.directives : undefined) ?? [];
    for (const directive of directives) if (directive.name.value === names.resource) type.resource = arguments_(directive);
    if ((kind === 'object' || kind === 'interface') && 'fields' in def && def.fields) {
      for (const field of def.fields as readonly FieldDefinitionNode[]) {
        // `_entities` and `_service` are added by federation, never written by the provider.
        if (field.name.value.startsWith('_') && rootTypes.has(typeName)) continue;
        type.fields.push(parseField(field, names, isExternal(federation, metadata, typeName, field.name.value)));
      }
    }
  }

  addFederationFacts(metadata, types);
  return { name, document, types, rootTypes, contextUses: contextUses(metadata) };
}

function parseField(
  field: FieldDefinitionNode, names: { share: string; mask: string; compare: string }, external: boolean,
): ParsedField {
  let share: ParsedField['share'] = null;
  let mask: string | null = null;
  let compare = false;
  let sealedClaims: 'REQUIRED' | undefined;
  for (const directive of field.directives ?? []) {
    const directiveName = directive.name.value;
    if (directiveName === names.share) {
      const args = arguments_(directive);
      share = {
        type: String(args.type),
        condition: typeof args.condition === 'string' ? args.condition : null,
        resource: typeof args.resource === 'string' ? args.resource : null,
      };
    } else if (directiveName === names.mask) {
      mask = String(argument(directive, 'rule'));
    } else if (directiveName === names.compare) {
      compare = true;
      if (argument(directive, 'sealed') === 'REQUIRED') sealedClaims = 'REQUIRED';
    }
  }
  return {
    name: field.name.value, returnType: namedType(field.type), dataType: print(field.type), share, mask, compare, ...(sealedClaims ? { sealedClaims } : {}), external,
    description: field.description?.value ?? null, requires: null, provides: null, overrideFrom: null,
  };
}

function isExternal(federation: Subgraph, metadata: FederationMetadata, typeName: string, fieldName: string): boolean {
  const type = federation.schema.type(typeName);
  const field = type && isCompositeType(type) && 'field' in type ? type.field(fieldName) : undefined;
  return field ? metadata.isFieldExternal(field) : false;
}

/** Keys, `@requires`, `@provides`, `@override` and `@interfaceObject`, as federation reads them. */
function addFederationFacts(metadata: FederationMetadata, types: Map<string, ParsedType>): void {
  for (const key of metadata.keyDirective().applications()) {
    const parent = key.parent as unknown as NamedType;
    const type = types.get(parent.name);
    if (!type || !isCompositeType(parent)) continue;
    const fields = String(key.arguments().fields);
    type.keys.push({ fields, coordinates: targetCoordinates(parent, key) });
    for (const f of topLevelFieldNames(fields)) type.keyFields.add(f);
  }
  // federation-internals types a directive by its parent and arguments; any parent and arguments are read here.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const onField = (directive: Directive<any, any>): ParsedField | undefined => {
    const field = directive.parent as FieldDefinition<CompositeType>;
    return types.get(field.parent.name)?.fields.find((f) => f.name === field.name);
  };
  for (const requires of metadata.requiresDirective().applications()) {
    const field = requires.parent as unknown as FieldDefinition<CompositeType>;
    const parsed = onField(requires);
    if (parsed) parsed.requires = targetCoordinates(field.parent, requires);
  }
  for (const provides of metadata.providesDirective().applications()) {
    const field = provides.parent as unknown as FieldDefinition<CompositeType>;
    const target = baseType(field.type!);
    const parsed = onField(provides);
    // A @provides on a field that does not return a composite type is refused by federation itself.
    if (parsed) parsed.provides = isCompositeType(target) ? targetCoordinates(target, provides) : [];
  }
  for (const override of overrideApplications(metadata)) {
    const parsed = onField(override);
    if (parsed) parsed.overrideFrom = String(override.arguments().from);
  }
  for (const application of applicationsOf(metadata.interfaceObjectDirective())) {
    const type = types.get((application.parent as unknown as NamedType).name);
    if (type) type.interfaceObject = true;
  }
}

/**
 * `@override` applications; none in a Federation 1 subgraph, which has no such directive (federation-internals
 * asserts when asked for it, which would reject a valid subgraph as "not a valid subgraph").
 */
function overrideApplications(metadata: FederationMetadata) {
  return metadata.isFed2Schema() ? metadata.overrideDirective().applications() : [];
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any directive carrying a `fields` selection
function targetCoordinates(parentType: CompositeType, directive: Directive<any, any>): string[] {
  const fields = collectTargetFields({ parentType, directive, includeInterfaceFieldsImplementations: true, validate: false });
  return [...new Set(fields.map((f) => f.coordinate))].sort();
}

function contextUses(metadata: FederationMetadata): string[] {
  const uses: string[] = [];
  for (const application of applicationsOf(metadata.contextDirective())) uses.push(`@context on ${(application.parent as { coordinate?: string }).coordinate ?? '?'}`);
  for (const application of applicationsOf(metadata.fromContextDirective())) uses.push(`@fromContext on ${(application.parent as { coordinate?: string }).coordinate ?? '?'}`);
  return uses;
}

/* eslint-disable @typescript-eslint/no-explicit-any -- federation-internals' own generic bounds */
function applicationsOf<T extends { [key: string]: any }>(definition: Post20FederationDirectiveDefinition<T>): Iterable<Directive<any, T>> {
  return definition.applications() as Iterable<Directive<any, T>>;
}
/* eslint-enable @typescript-eslint/no-explicit-any */

export function namedType(type: TypeNode): string {
  return type.kind === Kind.NAMED_TYPE ? type.name.value : namedType(type.type);
}

function arguments_(directive: DirectiveNode): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const arg of directive.arguments ?? []) out[arg.name.value] = valueFromASTUntyped(arg.value);
  return out;
}

function argument(directive: DirectiveNode, name: string): unknown {
  return arguments_(directive)[name];
}

/** `"id owner { id }"` → `id`, `owner`: only the top level names the type's own fields. */
function topLevelFieldNames(selection: string): string[] {
  const names: string[] = [];
  let depth = 0;
  for (const token of selection.match(/[A-Za-z_][A-Za-z0-9_]*|[{}]/g) ?? []) {
    if (token === '{') depth++;
    else if (token === '}') depth--;
    else if (depth === 0) names.push(token);
  }
  return names;
}
