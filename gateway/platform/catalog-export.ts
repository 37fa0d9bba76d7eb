import type { OpenType, ResourceFormat } from '../../schema/policy-types.ts';
import type { CatalogResource } from './catalog.ts';
import { ITEM_DATA_TYPE_ZH } from './item-data-type.ts';

const SHARE_TYPE_ZH = { UNCONDITIONAL: '无条件共享', CONDITIONAL: '有条件共享', NONE: '不予共享' } as const;
const CATEGORY_ZH = { BASE: '基础信息资源', THEME: '主题信息资源', DEPARTMENT: '部门信息资源' } as const;
export const FORMAT_ZH: Readonly<Record<ResourceFormat, string>> = {
  ELECTRONIC_FILE: '电子文件', SPREADSHEET: '电子表格', DATABASE: '数据库', IMAGE: '图形图像', STREAMING_MEDIA: '流媒体',
  SELF_DESCRIBING: '自描述格式', OTHER: '其他',
};
export const OPEN_TYPE_ZH: Readonly<Record<OpenType, string>> = { UNCONDITIONAL: '无条件开放', CONDITIONAL: '有条件开放', NONE: '不予开放' };
const SHARE_METHOD_ZH = { INTERFACE: '共享平台接口' } as const;
/** The EU access-right authority table DCAT-AP uses for dct:accessRights. */
const ACCESS_RIGHT: Readonly<Record<OpenType, string>> = {
  UNCONDITIONAL: 'http://publications.europa.eu/resource/authority/access-right/PUBLIC',
  CONDITIONAL: 'http://publications.europa.eu/resource/authority/access-right/RESTRICTED',
  NONE: 'http://publications.europa.eu/resource/authority/access-right/NON_PUBLIC',
};
const RESPONSE_MEDIA_TYPE = 'application/graphql-response+json';

export const DCAT_CONTEXT = {
  dcat: 'http://www.w3.org/ns/dcat#', dct: 'http://purl.org/dc/terms/', foaf: 'http://xmlns.com/foaf/0.1/',
  xsd: 'http://www.w3.org/2001/XMLSchema#', skos: 'http://www.w3.org/2004/02/skos/core#', adms: 'http://www.w3.org/ns/adms#',
  rdfs: 'http://www.w3.org/2000/01/rdf-schema#', govshare: 'https://govshare.dev/share/v1.0#',
} as const;

const zh = (value: string) => ({ '@value': value, '@language': 'zh' });
const date = (value: string | null) => (value ? { '@value': value, '@type': 'xsd:date' } : null);
const dateTime = (value: string | null) => (value ? { '@value': value, '@type': 'xsd:dateTime' } : null);

/**
 * W3C DCAT 3 (DCAT-AP where DCAT leaves a choice): a dcat:Catalog of dcat:Dataset, each served by the
 * gateway's dcat:DataService, with one dcat:CatalogRecord per dataset for the metadata's own maintainer
 * and update date (元数据维护方, 元数据更新日期). The GB/T 21063 items DCAT has no term for (share types,
 * masks, data types of the items) are in the govshare vocabulary.
 */
export function catalogAsDcat(resources: CatalogResource[], gatewayUrl: string): Record<string, unknown> {
  const service = {
    '@id': `${gatewayUrl}/graphql`, '@type': 'dcat:DataService', 'dct:title': 'govshare GraphQL gateway',
    'dcat:endpointURL': { '@id': `${gatewayUrl}/graphql` }, 'dcat:servesDataset': resources.map((r) => ({ '@id': datasetIri(gatewayUrl, r.code) })),
  };
  return {
    '@context': DCAT_CONTEXT,
    '@id': `${gatewayUrl}/catalog`,
    '@type': 'dcat:Catalog',
    'dct:title': '政务信息资源目录 (govshare resource catalog)',
    'dct:conformsTo': { '@type': 'dct:Standard', 'dct:title': 'GB/T 21063.3 政务信息资源目录体系 第3部分：核心元数据；政务信息资源目录编制指南（试行）' },
    'dcat:service': [service],
    'dcat:dataset': resources.map((r) => dataset(r, gatewayUrl, service['@id'])),
    'dcat:record': resources.map((r) => ({
      '@id': `${datasetIri(gatewayUrl, r.code)}#record`,
      '@type': 'dcat:CatalogRecord',
      'foaf:primaryTopic': { '@id': datasetIri(gatewayUrl, r.code) },
      'dct:issued': dateTime(r.publishedAt),
      'dct:modified': date(r.metadataUpdatedOn),
      'dct:publisher': { '@type': 'foaf:Agent', 'foaf:name': r.metadataMaintainer },
    })),
  };
}

function datasetIri(gatewayUrl: string, code: string): string {
  return `${gatewayUrl}/catalog/resources/${encodeURIComponent(code)}`;
}

function dataset(r: CatalogResource, gatewayUrl: string, serviceId: string): Record<string, unknown> {
  return {
    '@id': datasetIri(gatewayUrl, r.code),
    '@type': 'dcat:Dataset',
    'dct:identifier': r.code,
    // 信息资源代码: the identifier the coding rule gives, beside the platform's own.
    'adms:identifier': r.catalogCode
      ? { '@type': 'adms:Identifier', 'skos:notation': r.catalogCode, 'adms:schemaAgency': '政务信息资源目录编制指南（试行）信息资源代码' }
      : null,
    'dct:title': r.name,
    'dct:description': r.summary ?? '',
    'dct:publisher': { '@type': 'foaf:Agent', 'foaf:name': r.provider },
    'dct:accrualPeriodicity': r.updateCycle,
    'dct:issued': dateTime(r.publishedAt),
    'dct:modified': dateTime(r.updatedAt),
    'dcat:theme': { '@type': 'skos:Concept', 'skos:notation': r.category, 'skos:prefLabel': zh(CATEGORY_ZH[r.category]) },
    'dcat:keyword': r.keywords,
    // 信息资源格式: the nature of the resource as the provider holds it (the distribution is the interface).
    'dct:type': { '@type': 'skos:Concept', 'skos:notation': r.format, 'skos:prefLabel': zh(FORMAT_ZH[r.format]) },
    // 开放属性: access by the public; departments' access is each field's share type.
    'dct:accessRights': {
      '@type': 'dct:RightsStatement', 'rdfs:label': zh(OPEN_TYPE_ZH[r.openType]), 'dct:type': { '@id': ACCESS_RIGHT[r.openType] },
      'dct:description': r.openCondition,
    },
    'dct:relation': r.relatedResources.map((related) => ({ '@id': datasetIri(gatewayUrl, related.code) })),
    'govshare:category': CATEGORY_ZH[r.category],
    'govshare:openType': r.openType,
    'dcat:distribution': [{
      '@type': 'dcat:Distribution', 'dct:title': zh(SHARE_METHOD_ZH[r.shareMethod]), 'dcat:accessService': { '@id': serviceId },
      'dcat:accessURL': { '@id': serviceId }, 'dct:format': RESPONSE_MEDIA_TYPE,
      'dcat:mediaType': { '@id': `https://www.iana.org/assignments/media-types/${RESPONSE_MEDIA_TYPE}` },
      'govshare:shareMethod': r.shareMethod,
    }],
    'govshare:field': r.fields.map((f) => ({
      '@type': 'govshare:InformationItem',
      'govshare:coordinate': f.coordinate, 'govshare:shareType': f.shareType, 'govshare:shareTypeZh': SHARE_TYPE_ZH[f.shareType],
      'govshare:condition': f.condition, 'govshare:mask': f.mask, 'govshare:compare': f.compare,
      'govshare:dataType': f.dataType, 'govshare:itemType': f.itemType, 'govshare:itemTypeZh': ITEM_DATA_TYPE_ZH[f.itemType],
      'dct:description': f.description,
    })),
  };
}

export const CSV_HEADER = ['资源名称', '资源代码', '提供方', '分类', '信息项', '共享类型', '共享条件', '更新周期', '发布日期',
  // GB/T 21063.3 / 编制指南 core metadata (issue 16 part 7), after the columns readers already rely on.
  '信息资源代码', '资源摘要', '信息资源格式', '数据类型', 'GraphQL 类型', '共享方式', '开放属性', '开放条件', '关联资源代码',
  '元数据维护方', '元数据更新日期', '关键字'];

/** One row per information item (信息项), with the core metadata items of a GB/T 21063-style catalog. */
export function catalogAsCsv(resources: CatalogResource[]): string {
  const rows = [CSV_HEADER];
  for (const r of resources) {
    // 关联资源代码: the related resource's 信息资源代码 where this catalog has it, then the platform code.
    const related = r.relatedResources.map((x) => (x.catalogCode ? `${x.catalogCode} ${x.code}` : x.code)).join('；');
    for (const f of r.fields) {
      rows.push([r.name, r.code, r.provider, CATEGORY_ZH[r.category], f.coordinate, SHARE_TYPE_ZH[f.shareType],
        f.condition ?? '', r.updateCycle, r.publishedAt ? r.publishedAt.slice(0, 10) : '',
        r.catalogCode ?? '', r.summary ?? '', FORMAT_ZH[r.format], ITEM_DATA_TYPE_ZH[f.itemType], f.dataType, SHARE_METHOD_ZH[r.shareMethod],
        OPEN_TYPE_ZH[r.openType], r.openCondition ?? '', related, r.metadataMaintainer, r.metadataUpdatedOn ?? '', r.keywords.join('；')]);
    }
  }
  // BOM first: spreadsheet software on government desktops otherwise misreads UTF-8 Chinese.
  return '\uFEFF' + rows.map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

/**
 * Resource names, conditions and update cycles are written by providers. A spreadsheet opening the file
 * runs a cell that starts with `=`, `+`, `-` or `@` (or TAB/CR, which some programs skip first) as a
 * formula — `=HYPERLINK(…)` sends the reader's data elsewhere. Such a cell gets a leading `'` (OWASP
 * CSV injection), which spreadsheets show as text; full-width forms and leading white space are
 * treated the same, since some programs fold them. Quoting follows RFC 4180 after that.
 */
const FORMULA_START = /^[\s\u00a0\u3000]*[=+\-@\uff1d\uff0b\uff0d\uff20]|^[\t\r\n]/;

export function csvCell(value: string): string {
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
