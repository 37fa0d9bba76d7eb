import { GraphQLError } from 'graphql';
import { parseSubgraph, type ParsedField, type ParsedSubgraph, type ParsedType } from './parse-subgraph.ts';
import { catalogMetadataIssues, mergeMetadataArguments, readCatalogMetadata } from './catalog-metadata.ts';
import {
  MASK_RULES, SHARE_TYPES,
  type CompositionIssue, type FieldPolicy, type MaskRule, type ResourceCategory, type ResourceDef,
  type ShareType, type SubgraphSdl,
} from './policy-types.ts';
import { keyNotUnconditional } from './rules/key-not-unconditional.ts';
import { oneOwner } from './rules/one-owner.ts';
import { requiresProtectedField } from './rules/requires-protected-field.ts';
import type { SubgraphRule } from './rules/rule.ts';

/** The policy model: coordinate → resource, provider, share type, mask, compare. Immutable. */
export interface PolicyModel {
  readonly resources: ReadonlyMap<string, ResourceDef>;
  readonly fields: ReadonlyMap<string, FieldPolicy>;
  /** Resource codes each subgraph serves. */
  readonly subgraphResources: ReadonlyMap<string, readonly string[]>;
  /**
   * What a field without `@share` is: absent, such a field cannot be in a composed supergraph (CONTRACT §3
   * rule 1) and is refused if met; `UNCONDITIONAL` only in conformance mode (`GOVSHARE_CONFORMANCE`).
   */
  readonly unclassified?: 'UNCONDITIONAL';
}

/**
 * `strict`: CONTRACT §3 as written. `conformance` (`GOVSHARE_CONFORMANCE`, the federation audit only): a
 * field without `@share` is UNCONDITIONAL and who may resolve a field is plain federation's rule
 * (`@shareable`, `@override`, `@interfaceObject`, value types in several subgraphs), checked by
 * `@apollo/composition`; what is classified still follows every rule.
 */
export type PolicyMode = 'strict' | 'conformance';

/** The share type of a coordinate under `model`; undefined for a field the model refuses to serve. */
export function shareTypeOf(model: PolicyModel, coordinate: string): ShareType | undefined {
  return model.fields.get(coordinate)?.shareType ?? model.unclassified;
}

export interface PolicyAnalysis {
  model: PolicyModel;
  /** CONTRACT §3 rule violations; the model is only trustworthy when this is empty. */
  errors: CompositionIssue[];
}

// SealedResult (share-directives.graphql) is a result sealed to the consumer: flags the gateway cannot read.
const COMPARE_LEAVES = new Set(['Boolean', 'Int', 'Float', 'SealedResult']);

interface Occurrence { subgraph: ParsedSubgraph; type: ParsedType; field: ParsedField }

/** CONTRACT §3 rules that need every field's owner and classification: 4, 5, and the rest of 一数一源. */
const CROSS_SUBGRAPH_RULES: readonly SubgraphRule[] = [keyNotUnconditional, requiresProtectedField, oneOwner];

/**
 * Builds the policy model from the subgraphs' own SDL and checks CONTRACT §3 rules 1–5:
 * every field classified, `@compare` results carry flags only, one owner per field, keys only on
 * the entity's UNCONDITIONAL identity, `@requires`/`@provides` only on UNCONDITIONAL unmasked fields.
 */
export function analyseSubgraphs(subgraphs: readonly SubgraphSdl[], mode: PolicyMode = 'strict'): PolicyAnalysis {
  const conformance = mode === 'conformance';
  const errors: CompositionIssue[] = [];
  const parsed: ParsedSubgraph[] = [];
  for (const sg of subgraphs) {
    try {
      parsed.push(parseSubgraph(sg.name, sg.sdl));
    } catch (error) {
      const message = error instanceof GraphQLError ? error.message : String(error);
      errors.push({ code: 'COMPOSITION_ERROR', subgraph: sg.name, message: `subgraph "${sg.name}": SDL is not a valid subgraph: ${message}` });
    }
  }

  const resources = collectResources(parsed, errors);
  const subgraphResources = new Map<string, string[]>();
  for (const r of resources.values()) {
    const list = subgraphResources.get(r.subgraph) ?? [];
    list.push(r.code);
    subgraphResources.set(r.subgraph, list);
  }

  // Entities are types with @key in any subgraph: their non-root, keyless fellows are value types.
  const entityKeys = new Map<string, Set<string>>();
  for (const sg of parsed) for (const t of sg.types.values()) {
    if (t.keyFields.size === 0) continue;
    const keys = entityKeys.get(t.name) ?? new Set<string>();
    for (const k of t.keyFields) keys.add(k);
    entityKeys.set(t.name, keys);
  }

  const occurrences = new Map<string, Occurrence[]>();
  for (const sg of parsed) {
    for (const type of sg.types.values()) {
      if (type.kind !== 'object') continue;
      for (const field of type.fields) {
        if (field.external) continue;
        const coordinate = `${type.name}.${field.name}`;
        const isKey = entityKeys.get(type.name)?.has(field.name) ?? false;
        // Conformance mode: left out of the model, an unclassified field is UNCONDITIONAL (`shareTypeOf`).
        if (!field.share && conformance) continue;
        if (!field.share) {
          // Key fields may be repeated unclassified; the entity's owner classifies them (checked below).
          if (!isKey) errors.push({ code: 'UNCLASSIFIED_FIELD', coordinate, subgraph: sg.name,
            message: `${coordinate} in subgraph "${sg.name}" has no @share: every field must be classified (UNCONDITIONAL, CONDITIONAL or NONE)` });
          if (!isKey) continue;
        } else {
          checkShareArguments(sg, type, field, coordinate, resources, errors);
          if (field.compare) checkCompareResult(sg, field, coordinate, errors);
        }
        const list = occurrences.get(coordinate) ?? [];
        list.push({ subgraph: sg, type, field });
        occurrences.set(coordinate, list);
      }
    }
  }

  const fields = new Map<string, FieldPolicy>();
  for (const [coordinate, list] of occurrences) {
    const first = list[0]!;
    const isKey = entityKeys.get(first.type.name)?.has(first.field.name) ?? false;
    const classified = list.filter((o) => o.field.share);
    if (!isKey && list.length > 1) {
      errors.push({ code: 'DUPLICATE_OWNER', coordinate,
        message: `${coordinate} is resolved by ${list.length} subgraphs (${list.map((o) => `"${o.subgraph.name}"`).join(', ')}): a field has exactly one owner (一数一源)` });
      continue;
    }
    if (classified.length === 0) {
      errors.push({ code: 'UNCLASSIFIED_FIELD', coordinate, subgraph: first.subgraph.name,
        message: `key field ${coordinate} is classified by no subgraph: the entity's owner must put @share on it` });
      continue;
    }
    const owner = classified[0]!;
    // Even an identical classification by a second subgraph is refused: which one owns the key (and so
    // which keys other subgraphs may re-use, rule 4) must not depend on the order of the subgraphs.
    if (classified.length > 1) {
      const disagree = classified.some((o) => classificationOf(o.field) !== classificationOf(owner.field));
      errors.push({ code: 'DUPLICATE_OWNER', coordinate,
        message: `key field ${coordinate} is classified${disagree ? ' differently' : ''} by ${classified.map((o) => `"${o.subgraph.name}"`).join(' and ')}: only the entity's owner classifies it` });
      continue;
    }
    const policy = toFieldPolicy(owner, coordinate, isKey, entityKeys, resources, subgraphResources);
    if (policy) fields.set(coordinate, policy);
  }

  const rules = conformance ? CROSS_SUBGRAPH_RULES.filter((rule) => rule !== oneOwner) : CROSS_SUBGRAPH_RULES;
  for (const rule of rules) errors.push(...rule({ parsed, fields }));
  errors.push(...catalogMetadataIssues(resources, fields));
  return { model: { resources, fields, subgraphResources, ...(conformance ? { unclassified: 'UNCONDITIONAL' as const } : {}) }, errors };
}

function collectResources(parsed: readonly ParsedSubgraph[], errors: CompositionIssue[]): Map<string, ResourceDef> {
  const resources = new Map<string, ResourceDef>();
  // Catalog metadata arguments of every repetition of a resource's @resource, merged (catalog-metadata.ts).
  const metadataArgs = new Map<string, { args: Record<string, unknown>; where: string }>();
  for (const sg of parsed) for (const type of sg.types.values()) {
    const args = type.resource;
    if (!args) continue;
    const code = String(args.code);
    const existing = resources.get(code);
    if (existing && existing.subgraph !== sg.name) {
      errors.push({ code: 'DUPLICATE_OWNER', subgraph: sg.name, coordinate: type.name,
        message: `resource ${code} is declared by subgraphs "${existing.subgraph}" and "${sg.name}": a resource has one provider subgraph` });
      continue;
    }
    if (existing) {
      for (const name of mergeMetadataArguments(metadataArgs.get(code)!.args, args)) {
        errors.push({ code: 'COMPOSITION_ERROR', subgraph: sg.name, coordinate: type.name,
          message: `resource ${code}: @resource on ${type.name} gives ${name} differently from an earlier @resource of the same resource in subgraph "${sg.name}": give it once, or the same everywhere` });
      }
      continue;
    }
    const merged: Record<string, unknown> = {};
    mergeMetadataArguments(merged, args);
    metadataArgs.set(code, { args: merged, where: type.name });
    resources.set(code, {
      code,
      name: String(args.name),
      category: String(args.category) as ResourceCategory,
      provider: String(args.provider),
      updateCycle: String(args.updateCycle),
      summary: typeof args.summary === 'string' ? args.summary : null,
      subgraph: sg.name,
      ...readCatalogMetadata({}, { code, category: String(args.category) as ResourceCategory, provider: String(args.provider) }).metadata,
    });
  }
  // Read once every repetition is merged, so that the defaults fill only what no repetition gives.
  for (const [code, { args, where }] of metadataArgs) {
    const resource = resources.get(code)!;
    const { metadata, problems } = readCatalogMetadata(args, resource);
    Object.assign(resource, metadata);
    for (const problem of problems) {
      errors.push({ code: 'COMPOSITION_ERROR', subgraph: resource.subgraph, coordinate: where,
        message: `resource ${code} (@resource on ${where} in subgraph "${resource.subgraph}"): ${problem}` });
    }
  }
  return resources;
}

function checkShareArguments(
  sg: ParsedSubgraph, type: ParsedType, field: ParsedField, coordinate: string,
  resources: ReadonlyMap<string, ResourceDef>, errors: CompositionIssue[],
): void {
  const share = field.share!;
  if (!SHARE_TYPES.includes(share.type as ShareType)) {
    errors.push({ code: 'UNCLASSIFIED_FIELD', coordinate, subgraph: sg.name, message: `${coordinate}: unknown share type ${share.type}` });
  }
  if (field.mask && !MASK_RULES.includes(field.mask as MaskRule)) {
    errors.push({ code: 'UNCLASSIFIED_FIELD', coordinate, subgraph: sg.name, message: `${coordinate}: unknown mask rule ${field.mask}` });
  }
  const code = resourceCodeFor(sg, type, field);
  if (!code) {
    errors.push({ code: 'UNCLASSIFIED_FIELD', coordinate, subgraph: sg.name,
      message: `${coordinate} in subgraph "${sg.name}" belongs to no resource: put @resource on ${type.name} or name one with @share(resource:)` });
  } else if (resources.get(code)?.subgraph !== sg.name) {
    errors.push({ code: 'UNCLASSIFIED_FIELD', coordinate, subgraph: sg.name,
      message: `${coordinate} names resource ${code}, which subgraph "${sg.name}" does not declare with @resource` });
  }
}

/** A field's resource: named on the field, else its type's, else the subgraph's only resource. */
function resourceCodeFor(sg: ParsedSubgraph, type: ParsedType, field: ParsedField): string | null {
  if (field.share?.resource) return field.share.resource;
  if (type.resource) return String(type.resource.code);
  const codes = new Set<string>();
  for (const t of sg.types.values()) if (t.resource) codes.add(String(t.resource.code));
  return codes.size === 1 ? [...codes][0]! : null;
}

/** Rule 2: a comparison's result has only Boolean, Int, Float and enum leaves. */
function checkCompareResult(sg: ParsedSubgraph, field: ParsedField, coordinate: string, errors: CompositionIssue[]): void {
  const seen = new Set<string>();
  const visit = (typeName: string, path: string): string | null => {
    if (COMPARE_LEAVES.has(typeName)) return null;
    const type = sg.types.get(typeName);
    if (type?.kind === 'enum') return null;
    if (type?.kind === 'object') {
      if (seen.has(typeName)) return null;
      seen.add(typeName);
      for (const f of type.fields) {
        const bad = visit(f.returnType, `${typeName}.${f.name}`);
        if (bad) return bad;
      }
      return null;
    }
    return `${path}: ${typeName}`;
  };
  const bad = visit(field.returnType, coordinate);
  if (bad) {
    errors.push({ code: 'INVALID_COMPARE_RESULT', coordinate, subgraph: sg.name,
      message: `@compare field ${coordinate} would return a provider value (${bad}): comparison results may only have Boolean, Int, Float and enum leaves` });
  }
}

function classificationOf(field: ParsedField): string {
  return JSON.stringify([field.share?.type, field.share?.condition ?? null, field.mask]);
}

function toFieldPolicy(
  owner: Occurrence, coordinate: string, key: boolean, entityKeys: ReadonlyMap<string, Set<string>>,
  resources: ReadonlyMap<string, ResourceDef>, subgraphResources: ReadonlyMap<string, readonly string[]>,
): FieldPolicy | null {
  const { subgraph, type, field } = owner;
  const code = resourceCodeFor(subgraph, type, field) ?? subgraphResources.get(subgraph.name)?.[0];
  const resource = code ? resources.get(code) : undefined;
  if (!resource) return null;
  const root = subgraph.rootTypes.has(type.name);
  return {
    coordinate,
    typeName: type.name,
    fieldName: field.name,
    subgraph: subgraph.name,
    resource: resource.code,
    provider: resource.provider,
    shareType: field.share!.type as ShareType,
    condition: field.share!.condition,
    mask: (field.mask as MaskRule | null) ?? null,
    compare: field.compare,
    ...(field.sealedClaims ? { sealedClaims: field.sealedClaims } : {}),
    description: field.description,
    returnType: field.returnType,
    dataType: field.dataType,
    returnKind: subgraph.types.get(field.returnType)?.kind ?? 'scalar',
    key,
    onValueType: !root && !entityKeys.has(type.name),
    root,
  };
}

/** Fields of a resource, in coordinate order. */
export function fieldsOfResource(model: PolicyModel, code: string): FieldPolicy[] {
  return [...model.fields.values()].filter((f) => f.resource === code).sort((a, b) => a.coordinate.localeCompare(b.coordinate));
}
