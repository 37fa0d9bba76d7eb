import type { CatalogResource } from './catalog.ts';

const SHARE_TYPE_ZH = { UNCONDITIONAL: '无条件共享', CONDITIONAL: '有条件共享', NONE: '不予共享' } as const;
const CATEGORY_ZH = { BASE: '基础信息资源', THEME: '主题信息资源', DEPARTMENT: '部门信息资源' } as const;

/** W3C DCAT: a dcat:Catalog of dcat:Dataset, each served by the gateway's dcat:DataService. */
export function catalogAsDcat(resources: CatalogResource[], gatewayUrl: string): Record<string, unknown> {
  const service = { '@id': `${gatewayUrl}/graphql`, '@type': 'dcat:DataService', 'dct:title': 'govshare GraphQL gateway', 'dcat:endpointURL': { '@id': `${gatewayUrl}/graphql` } };
  return {
    '@context': {
      dcat: 'http://www.w3.org/ns/dcat#', dct: 'http://purl.org/dc/terms/', foaf: 'http://xmlns.com/foaf/0.1/',
      xsd: 'http://www.w3.org/2001/XMLSchema#', govshare: 'https://govshare.dev/share/v1.0#',
    },
    '@id': `${gatewayUrl}/catalog`,
    '@type': 'dcat:Catalog',
    'dct:title': '政务信息资源目录 (govshare resource catalog)',
    'dcat:service': [service],
    'dcat:dataset': resources.map((r) => ({
      '@id': `${gatewayUrl}/catalog/resources/${encodeURIComponent(r.code)}`,
      '@type': 'dcat:Dataset',
      'dct:identifier': r.code,
      'dct:title': r.name,
      'dct:description': r.summary ?? '',
      'dct:publisher': { '@type': 'foaf:Agent', 'foaf:name': r.provider },
      'dct:accrualPeriodicity': r.updateCycle,
      'dct:issued': r.publishedAt ? { '@value': r.publishedAt, '@type': 'xsd:dateTime' } : null,
      'dct:modified': r.updatedAt ? { '@value': r.updatedAt, '@type': 'xsd:dateTime' } : null,
      'dcat:theme': r.category,
      'govshare:category': CATEGORY_ZH[r.category],
      'dcat:distribution': [{ '@type': 'dcat:Distribution', 'dcat:accessService': { '@id': service['@id'] }, 'dct:format': 'application/graphql-response+json' }],
      'govshare:field': r.fields.map((f) => ({
        'govshare:coordinate': f.coordinate, 'govshare:shareType': f.shareType, 'govshare:shareTypeZh': SHARE_TYPE_ZH[f.shareType],
        'govshare:condition': f.condition, 'govshare:mask': f.mask, 'govshare:compare': f.compare,
      })),
    })),
  };
}

export const CSV_HEADER = ['资源名称', '资源代码', '提供方', '分类', '信息项', '共享类型', '共享条件', '更新周期', '发布日期'];

/** One row per information item (信息项), with the core metadata items of a GB/T 21063-style catalog. */
export function catalogAsCsv(resources: CatalogResource[]): string {
  const rows = [CSV_HEADER];
  for (const r of resources) {
    for (const f of r.fields) {
      rows.push([r.name, r.code, r.provider, CATEGORY_ZH[r.category], f.coordinate, SHARE_TYPE_ZH[f.shareType],
        f.condition ?? '', r.updateCycle, r.publishedAt ? r.publishedAt.slice(0, 10) : '']);
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
