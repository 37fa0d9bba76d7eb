import { createHash } from 'node:crypto';
import { fieldsOfResource, type PolicyModel } from '../../schema/policy-model.ts';
import type { FieldPolicy, ResourceCategory, ResourceDef } from '../../schema/policy-types.ts';
import { canonicalJson } from '../state/audit-chain.ts';
import type { RecordStore } from '../state/index.ts';
import { shanghaiDate } from '../workdays/index.ts';
import { itemDataType, type ItemDataType } from './item-data-type.ts';
import type { ResourceHistoryRecord } from './records.ts';

/** The platform's own API is served like a subgraph but is not an information resource. */
export const PLATFORM_RESOURCE = 'GOVSHARE-PLATFORM';

export interface CatalogResource extends Omit<ResourceDef, 'relatedResources'> {
  publishedAt: string | null;
  updatedAt: string | null;
  fields: CatalogField[];
  /** 关联资源, each with its name and 信息资源代码 where it is in this catalog (null: not published here). */
  relatedResources: RelatedResource[];
  /** 共享方式: every resource is served only through the gateway's interface (the gateway is the only door). */
  shareMethod: 'INTERFACE';
}

export interface RelatedResource { code: string; name: string | null; catalogCode: string | null }

export interface CatalogField {
  coordinate: string;
  shareType: FieldPolicy['shareType'];
  mask: FieldPolicy['mask'];
  condition: string | null;
  description: string | null;
  compare: boolean;
  /** The GraphQL type as declared, and the catalog's 信息项数据类型 read from it. */
  dataType: string;
  itemType: ItemDataType;
  /** What applyForAccess accepts: CONDITIONAL fields that are not covered by the field leading to them. */
  appliable: boolean;
}

export interface CatalogFilter { category?: ResourceCategory | null; provider?: string | null; search?: string | null }

/** Every resource of the composed subgraphs, from their own directives: never maintained by hand. */
export async function listCatalog(model: PolicyModel, history: RecordStore<ResourceHistoryRecord>, filter: CatalogFilter = {}): Promise<CatalogResource[]> {
  const known = new Map((await history.list()).map((h) => [h.id, h]));
  const needle = filter.search?.trim().toLowerCase() ?? '';
  const out: CatalogResource[] = [];
  for (const resource of model.resources.values()) {
    if (resource.code === PLATFORM_RESOURCE) continue;
    if (filter.category && resource.category !== filter.category) continue;
    if (filter.provider && resource.provider !== filter.provider) continue;
    const fields = fieldsOfResource(model, resource.code).map(toCatalogField);
    if (needle && !searchText(resource, fields).includes(needle)) continue;
    const h = known.get(resource.code);
    const relatedResources = resource.relatedResources.map((code) => {
      const related = code === PLATFORM_RESOURCE ? undefined : model.resources.get(code);
      return { code, name: related?.name ?? null, catalogCode: related?.catalogCode ?? null };
    });
    // 元数据更新日期: as the provider declares it, else the day (Asia/Shanghai) the platform saw the entry change.
    const metadataUpdatedOn = resource.metadataUpdatedOn ?? (h?.updatedAt ? shanghaiDate(new Date(h.updatedAt)) : null);
    out.push({
      ...resource, publishedAt: h?.publishedAt ?? null, updatedAt: h?.updatedAt ?? null, fields,
      relatedResources, metadataUpdatedOn, shareMethod: 'INTERFACE',
    });
  }
  return out.sort((a, b) => a.code.localeCompare(b.code));
}

function toCatalogField(f: FieldPolicy): CatalogField {
  return {
    coordinate: f.coordinate, shareType: f.shareType, mask: f.mask, condition: f.condition, description: f.description,
    compare: f.compare, dataType: f.dataType, itemType: itemDataType(f), appliable: f.shareType === 'CONDITIONAL' && !f.onValueType && !f.key,
  };
}

/** Names, summary, codes and field coordinates, Chinese and English alike, case-folded. */
function searchText(resource: ResourceDef, fields: CatalogField[]): string {
  return [resource.code, resource.name, resource.summary ?? '', resource.provider, resource.category, resource.updateCycle,
    resource.catalogCode ?? '', ...resource.keywords,
    ...fields.flatMap((f) => [f.coordinate, f.description ?? '', f.condition ?? ''])].join('\n').toLowerCase();
}

/** A resource's content: what a catalog reader would see change. */
export function resourceFingerprint(model: PolicyModel, resource: ResourceDef): string {
  const { subgraph: _subgraph, ...metadata } = resource;
  const fields = fieldsOfResource(model, resource.code).map(toCatalogField);
  return createHash('sha256').update(canonicalJson({ metadata, fields })).digest('hex').slice(0, 32);
}

/**
 * Records first publication and last change of each resource whenever a supergraph is served.
 * Idempotent across replicas: an unchanged fingerprint changes nothing.
 */
export async function syncResourceHistory(model: PolicyModel, history: RecordStore<ResourceHistoryRecord>, now: Date): Promise<void> {
  for (const resource of model.resources.values()) {
    if (resource.code === PLATFORM_RESOURCE) continue;
    const fingerprint = resourceFingerprint(model, resource);
    const at = now.toISOString();
    if (await history.createIfAbsent({ id: resource.code, status: fingerprint, publishedAt: at, updatedAt: at })) continue;
    const current = await history.get(resource.code);
    if (current && current.status !== fingerprint) {
      await history.replaceIf(current.status, { ...current, status: fingerprint, updatedAt: at });
    }
  }
}
