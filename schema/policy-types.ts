export type ShareType = 'UNCONDITIONAL' | 'CONDITIONAL' | 'NONE';
export type ResourceCategory = 'BASE' | 'THEME' | 'DEPARTMENT';
export type MaskRule = 'NAME' | 'ID_NUMBER' | 'MOBILE' | 'BANK_CARD' | 'ADDRESS' | 'EMAIL';

export const SHARE_TYPES: readonly ShareType[] = ['UNCONDITIONAL', 'CONDITIONAL', 'NONE'];
export const MASK_RULES: readonly MaskRule[] = ['NAME', 'ID_NUMBER', 'MOBILE', 'BANK_CARD', 'ADDRESS', 'EMAIL'];

/** A catalog entry as one subgraph declares it with `@resource`. */
export interface ResourceDef {
  code: string;
  name: string;
  category: ResourceCategory;
  provider: string;
  updateCycle: string;
  summary: string | null;
  /** The subgraph that serves it. */
  subgraph: string;
  /** GB/T 21063.3 / 编制指南 core metadata from the optional `@resource` arguments (schema/catalog-metadata.ts). */
  catalogCode: string | null;
  format: ResourceFormat;
  openType: OpenType;
  openCondition: string | null;
  relatedResources: string[];
  metadataMaintainer: string;
  /** As declared; the catalog falls back to the date it last saw the entry change. */
  metadataUpdatedOn: string | null;
  keywords: string[];
}

export type ResourceFormat = 'ELECTRONIC_FILE' | 'SPREADSHEET' | 'DATABASE' | 'IMAGE' | 'STREAMING_MEDIA' | 'SELF_DESCRIBING' | 'OTHER';
export type OpenType = 'UNCONDITIONAL' | 'CONDITIONAL' | 'NONE';
export const RESOURCE_FORMATS: readonly ResourceFormat[] = ['ELECTRONIC_FILE', 'SPREADSHEET', 'DATABASE', 'IMAGE', 'STREAMING_MEDIA', 'SELF_DESCRIBING', 'OTHER'];
export const OPEN_TYPES: readonly OpenType[] = ['UNCONDITIONAL', 'CONDITIONAL', 'NONE'];

/** Everything the platform knows about one field coordinate (`Person.mobile`). */
export interface FieldPolicy {
  coordinate: string;
  typeName: string;
  fieldName: string;
  /** The subgraph that owns (resolves and classifies) the field: 一数一源. */
  subgraph: string;
  resource: string;
  provider: string;
  shareType: ShareType;
  condition: string | null;
  mask: MaskRule | null;
  compare: boolean;
  /** `@compare(sealed: REQUIRED)`: the comparison takes sealed claims only. */
  sealedClaims?: 'REQUIRED';
  description: string | null;
  /** The named type the field returns (list and non-null wrappers removed). */
  returnType: string;
  /** The field's type as declared (`[License!]!`): the catalog's data type of the item (信息项数据类型). */
  dataType: string;
  /** What kind of type `returnType` is in the owning subgraph (built-in scalars: 'scalar'). */
  returnKind: 'object' | 'interface' | 'enum' | 'scalar' | 'input' | 'union';
  /** An entity key field (may be repeated in every subgraph that uses the entity). */
  key: boolean;
  /** A field of a value type: covered by a grant on the field that leads to the value type. */
  onValueType: boolean;
  /** A field of the root Query or Mutation type. */
  root: boolean;
}

/** Codes of CONTRACT §8 that composition and publishing report. */
export type CompositionErrorCode =
  | 'UNCLASSIFIED_FIELD' | 'INVALID_COMPARE_RESULT' | 'DUPLICATE_OWNER' | 'COMPOSITION_ERROR'
  | 'SUBGRAPH_UNREACHABLE' | 'BREAKING_CHANGE'
  // CONTRACT §3 v1.1 rules 4 and 5.
  | 'KEY_NOT_UNCONDITIONAL' | 'REQUIRES_PROTECTED_FIELD';

export interface CompositionIssue {
  code: CompositionErrorCode;
  message: string;
  coordinate?: string;
  subgraph?: string;
}

export interface SubgraphSdl {
  name: string;
  sdl: string;
  url?: string;
}
