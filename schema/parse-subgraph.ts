import {
  Kind, parse, valueFromASTUntyped,
  type DirectiveNode, type DocumentNode, type FieldDefinitionNode, type TypeNode,
} from 'graphql';

/** What one subgraph's SDL says about one field, before cross-subgraph rules are applied. */
export interface ParsedField {
  name: string;
  returnType: string;
  share: { type: string; condition: string | null; resource: string | null } | null;
  mask: string | null;
  compare: boolean;
  external: boolean;
  description: string | null;
}

export type ParsedTypeKind = 'object' | 'interface' | 'enum' | 'scalar' | 'input' | 'union';

export interface ParsedType {
  name: string;
  kind: ParsedTypeKind;
  /** Field names that appear in any `@key(fields:)` of the type. */
  keyFields: Set<string>;
  resource: Record<string, unknown> | null;
  fields: ParsedField[];
}

export interface ParsedSubgraph {
  name: string;
  document: DocumentNode;
  types: Map<string, ParsedType>;
  rootTypes: Set<string>;
}

const KIND_OF: Partial<Record<Kind, ParsedTypeKind>> = {
  [Kind.OBJECT_TYPE_DEFINITION]: 'object', [Kind.OBJECT_TYPE_EXTENSION]: 'object',
  [Kind.INTERFACE_TYPE_DEFINITION]: 'interface', [Kind.INTERFACE_TYPE_EXTENSION]: 'interface',
  [Kind.ENUM_TYPE_DEFINITION]: 'enum', [Kind.ENUM_TYPE_EXTENSION]: 'enum',
  [Kind.SCALAR_TYPE_DEFINITION]: 'scalar', [Kind.SCALAR_TYPE_EXTENSION]: 'scalar',
  [Kind.INPUT_OBJECT_TYPE_DEFINITION]: 'input', [Kind.INPUT_OBJECT_TYPE_EXTENSION]: 'input',
  [Kind.UNION_TYPE_DEFINITION]: 'union', [Kind.UNION_TYPE_EXTENSION]: 'union',
};

/** Reads a subgraph's SDL into the facts the policy model needs. Throws graphql's syntax error. */
export function parseSubgraph(name: string, sdl: string): ParsedSubgraph {
  const document = parse(sdl);
  const types = new Map<string, ParsedType>();
  const rootTypes = new Set(['Query', 'Mutation', 'Subscription']);
  for (const def of document.definitions) {
    if (def.kind === Kind.SCHEMA_DEFINITION || def.kind === Kind.SCHEMA_EXTENSION) {
      for (const op of def.operationTypes ?? []) rootTypes.add(op.type.name.value);
      continue;
    }
    const kind = KIND_OF[def.kind];
    if (!kind || !('name' in def) || !def.name) continue;
    const typeName = def.name.value;
    // Federation's own plumbing (_Service, _Entity, _Any …) is not a provider's data.
    if (typeName.startsWith('_')) continue;
    let type = types.get(typeName);
    if (!type) {
      type = { name: typeName, kind, keyFields: new Set(), resource: null, fields: [] };
      types.set(typeName, type);
    }
    const directives = ('directives' in def ? def.directives : undefined) ?? [];
    for (const directive of directives) {
      if (directive.name.value === 'key') {
        const fields = argument(directive, 'fields');
        if (typeof fields === 'string') for (const f of topLevelFieldNames(fields)) type.keyFields.add(f);
      } else if (directive.name.value === 'resource') {
        type.resource = arguments_(directive);
      }
    }
    if ((kind === 'object' || kind === 'interface') && 'fields' in def && def.fields) {
      for (const field of def.fields as readonly FieldDefinitionNode[]) {
        // `_entities` and `_service` are added by federation, never written by the provider.
        if (field.name.value.startsWith('_') && rootTypes.has(typeName)) continue;
        type.fields.push(parseField(field));
      }
    }
  }
  return { name, document, types, rootTypes };
}

function parseField(field: FieldDefinitionNode): ParsedField {
  let share: ParsedField['share'] = null;
  let mask: string | null = null;
  let compare = false;
  let external = false;
  for (const directive of field.directives ?? []) {
    switch (directive.name.value) {
      case 'share': {
        const args = arguments_(directive);
        share = {
          type: String(args.type),
          condition: typeof args.condition === 'string' ? args.condition : null,
          resource: typeof args.resource === 'string' ? args.resource : null,
        };
        break;
      }
      case 'mask': mask = String(argument(directive, 'rule')); break;
      case 'compare': compare = true; break;
      case 'external': external = true; break;
    }
  }
  return {
    name: field.name.value, returnType: namedType(field.type), share, mask, compare, external,
    description: field.description?.value ?? null,
  };
}

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
