import {
  OPEN_TYPES, RESOURCE_FORMATS,
  type CompositionIssue, type FieldPolicy, type OpenType, type ResourceCategory, type ResourceDef, type ResourceFormat,
} from './policy-types.ts';

/**
 * The catalog's core metadata beyond CONTRACT §3's `@resource` arguments (GB/T 21063.3; 政务信息资源目录
 * 编制指南, 2017): the optional arguments, their defaults, and the checks a subgraph must pass at
 * composition and publishing (`COMPOSITION_ERROR` with the resource and argument named).
 */
export const CATALOG_METADATA_ARGUMENTS = [
  'catalogCode', 'format', 'openType', 'openCondition', 'relatedResources', 'metadataMaintainer', 'metadataUpdatedOn', 'keywords',
] as const;

export type CatalogMetadata = Pick<ResourceDef, typeof CATALOG_METADATA_ARGUMENTS[number]>;

/**
 * 信息资源代码 (编制指南): 前段码 = the classification — 类 (1 digit), 项 (2), 目 (3), 细目 (any number
 * of digits, optional) — then `/`, then 后段码 = the resource's sequence number within that class.
 * ASCII digits only (`\d` without the `v` flag is [0-9]): full-width digits and slashes are other codes.
 */
const CATALOG_CODE = /^([1-3])(\d{2})(\d{3})(\d{0,9})\/(\d{1,10})$/;

/** 类: the first digit of the code is the resource's classification by attribute (资源属性分类). */
export const CATEGORY_CLASS_DIGIT: Readonly<Record<ResourceCategory, string>> = { BASE: '1', THEME: '2', DEPARTMENT: '3' };

const RELATED_CODE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
/** Control characters, line separators and format characters (zero-width, bidirectional overrides): a catalog text is shown as it is. */
const UNPRINTABLE = /[\p{Cc}\p{Cf}\u2028\u2029]/u;
/** A keyword is one keyword: the exports join them with `；`. */
const KEYWORD_SEPARATOR = /[,，;；、|]/;
const LIMITS = { keywords: 16, keywordLength: 32, related: 20, text: 500, maintainer: 64 } as const;

export interface CatalogCodeParts { classDigit: string; item: string; entry: string; detail: string; sequence: string }

/** The parts of a well-formed 信息资源代码, or null when it does not follow the coding rule. */
export function parseCatalogCode(code: string): CatalogCodeParts | null {
  const m = CATALOG_CODE.exec(code);
  if (!m) return null;
  const [, classDigit, item, entry, detail, sequence] = m as unknown as [string, string, string, string, string, string];
  // 00 / 000 / 0…0 are no class or sequence at all: numbering starts at 1.
  if (/^0+$/.test(item) || /^0+$/.test(entry) || /^0+$/.test(sequence)) return null;
  return { classDigit, item, entry, detail, sequence };
}

/**
 * Merges the metadata arguments of one more `@resource` repetition (a resource declared on several types)
 * into `merged`; returns the arguments the two give differently.
 */
export function mergeMetadataArguments(merged: Record<string, unknown>, more: Record<string, unknown>): string[] {
  const conflicts: string[] = [];
  for (const name of CATALOG_METADATA_ARGUMENTS) {
    if (more[name] === undefined || more[name] === null) continue;
    if (merged[name] === undefined || merged[name] === null) merged[name] = more[name];
    else if (JSON.stringify(merged[name]) !== JSON.stringify(more[name])) conflicts.push(name);
  }
  return conflicts;
}

/** The metadata with its defaults applied, and what is wrong with the arguments as given. */
export function readCatalogMetadata(
  args: Record<string, unknown>, resource: { code: string; category: ResourceCategory; provider: string },
): { metadata: CatalogMetadata; problems: string[] } {
  const problems: string[] = [];
  const text = (name: string): string | null => {
    const value = args[name];
    if (value === undefined || value === null) return null;
    if (typeof value !== 'string') { problems.push(`${name} must be a string`); return null; }
    return value;
  };
  const list = (name: string): string[] => {
    const value = args[name];
    if (value === undefined || value === null) return [];
    // GraphQL input coercion takes a single value for a list argument.
    const items = Array.isArray(value) ? value : [value];
    if (items.some((v) => typeof v !== 'string')) { problems.push(`${name} must be a list of strings`); return []; }
    return items as string[];
  };
  const oneOf = <T extends string>(name: string, allowed: readonly T[], fallback: T): T => {
    const value = args[name];
    if (value === undefined || value === null) return fallback;
    if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
    problems.push(`${name} ${JSON.stringify(value)} is not one of ${allowed.join(', ')}`);
    return fallback;
  };

  const catalogCode = text('catalogCode');
  if (catalogCode !== null) problems.push(...catalogCodeProblems(catalogCode, resource.category));

  const format: ResourceFormat = oneOf('format', RESOURCE_FORMATS, 'DATABASE');
  const openType: OpenType = oneOf('openType', OPEN_TYPES, 'NONE');
  const openCondition = text('openCondition');
  if (openCondition !== null) problems.push(...textProblems('openCondition', openCondition, LIMITS.text));
  if (openType === 'CONDITIONAL' && openCondition === null) problems.push('openType CONDITIONAL needs an openCondition saying on which conditions the public may have it');
  if (openType === 'UNCONDITIONAL' && openCondition !== null) problems.push('openType UNCONDITIONAL takes no openCondition: a condition makes it CONDITIONAL');

  const relatedResources = list('relatedResources');
  if (relatedResources.length > LIMITS.related) problems.push(`relatedResources names ${relatedResources.length} resources; at most ${LIMITS.related}`);
  for (const related of relatedResources) {
    if (!RELATED_CODE.test(related)) problems.push(`relatedResources ${JSON.stringify(related)} is not a resource code (letters, digits, - _ .; at most 64)`);
    else if (related === resource.code) problems.push('relatedResources names the resource itself');
  }
  if (new Set(relatedResources).size !== relatedResources.length) problems.push('relatedResources names a resource twice');

  const maintainer = text('metadataMaintainer');
  if (maintainer !== null) problems.push(...textProblems('metadataMaintainer', maintainer, LIMITS.maintainer));

  const metadataUpdatedOn = text('metadataUpdatedOn');
  if (metadataUpdatedOn !== null && !isCalendarDate(metadataUpdatedOn)) {
    problems.push(`metadataUpdatedOn ${JSON.stringify(metadataUpdatedOn)} is not a calendar date (YYYY-MM-DD)`);
  }

  const keywords = list('keywords');
  if (keywords.length > LIMITS.keywords) problems.push(`keywords has ${keywords.length} entries; at most ${LIMITS.keywords}`);
  for (const keyword of keywords) {
    const bad = textProblems('keyword', keyword, LIMITS.keywordLength);
    if (bad.length === 0 && KEYWORD_SEPARATOR.test(keyword)) bad.push(`keyword ${JSON.stringify(keyword)} holds a list separator (, ; 、 |): give each keyword separately`);
    problems.push(...bad);
  }
  if (new Set(keywords).size !== keywords.length) problems.push('keywords repeats a keyword');

  return {
    metadata: {
      catalogCode, format, openType, openCondition, relatedResources,
      metadataMaintainer: maintainer ?? resource.provider, metadataUpdatedOn, keywords,
    },
    problems,
  };
}

function catalogCodeProblems(code: string, category: ResourceCategory): string[] {
  const parts = parseCatalogCode(code);
  if (!parts) {
    return [`catalogCode ${JSON.stringify(code)} does not follow the coding rule 类(1 digit) 项(2) 目(3) [细目(digits)] / 顺序码(digits), none of them all zeros, ASCII digits only (e.g. 101001/000001)`];
  }
  const expected = CATEGORY_CLASS_DIGIT[category];
  return parts.classDigit === expected ? []
    : [`catalogCode ${JSON.stringify(code)} begins with 类 ${parts.classDigit}, but category ${category} is 类 ${expected}`];
}

function textProblems(name: string, value: string, max: number): string[] {
  if (value.trim() === '' || value.trim() !== value) return [`${name} ${JSON.stringify(value)} is empty or begins or ends with white space`];
  if (UNPRINTABLE.test(value)) return [`${name} ${JSON.stringify(value)} holds control or invisible characters`];
  if ([...value].length > max) return [`${name} is longer than ${max} characters`];
  return [];
}

/** A real date written YYYY-MM-DD (`2026-02-30` is not one). */
function isCalendarDate(text: string): boolean {
  const m = ISO_DATE.exec(text);
  if (!m) return false;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return new Date(ms).toISOString().slice(0, 10) === text;
}

/**
 * Checks across resources, once every field is classified: a 信息资源代码 names one resource, and a
 * resource open to the public without conditions holds nothing the platform shares only on conditions
 * (a CONDITIONAL, NONE or masked field would be open to everyone and conditional between departments).
 */
export function catalogMetadataIssues(resources: ReadonlyMap<string, ResourceDef>, fields: ReadonlyMap<string, FieldPolicy>): CompositionIssue[] {
  const issues: CompositionIssue[] = [];
  const byCatalogCode = new Map<string, string>();
  for (const r of resources.values()) {
    if (r.catalogCode === null) continue;
    const other = byCatalogCode.get(r.catalogCode);
    if (other) {
      issues.push({ code: 'COMPOSITION_ERROR', subgraph: r.subgraph,
        message: `resource ${r.code}: catalogCode ${r.catalogCode} is already resource ${other}'s: a 信息资源代码 names one resource` });
    } else byCatalogCode.set(r.catalogCode, r.code);
  }
  for (const r of resources.values()) {
    if (r.openType !== 'UNCONDITIONAL') continue;
    const closed = [...fields.values()].filter((f) => f.resource === r.code && (f.shareType !== 'UNCONDITIONAL' || f.mask !== null)).map((f) => f.coordinate).sort();
    if (closed.length > 0) {
      issues.push({ code: 'COMPOSITION_ERROR', subgraph: r.subgraph, coordinate: closed[0],
        message: `resource ${r.code} is openType UNCONDITIONAL (open to the public), but ${closed.join(', ')} ${closed.length > 1 ? 'are' : 'is'} not UNCONDITIONAL and unmasked: open it CONDITIONAL or NONE` });
    }
  }
  return issues;
}
