import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyseSubgraphs } from '../schema/policy-model.ts';
import { parseCatalogCode } from '../schema/catalog-metadata.ts';
import { withShareDirectives } from '../schema/share-sdl.ts';
import { CSV_HEADER, DCAT_CONTEXT } from '../gateway/platform/catalog-export.ts';
import { shanghaiDate } from '../gateway/workdays/index.ts';
import { startStack, type Stack } from './support/stack.ts';
import { startPlainSubgraph, type PlainSubgraph } from './support/plain-subgraph.ts';
import { as } from './support/tokens.ts';
import { parseCsv } from './support/csv.ts';

/**
 * Catalog core metadata (GB/T 21063.3; 政务信息资源目录编制指南 2017; issue 16 part 7): the optional
 * @resource arguments, their defaults and checks, the catalog API, and both exports carrying every element.
 */

const gql = (s: string) => JSON.stringify(s);
/** A one-resource subgraph of tax with the given extra @resource arguments and fields. */
function taxSdl(extra: string, fields = 'id: ID! @share(type: UNCONDITIONAL)\n    amount: Float @share(type: UNCONDITIONAL)', code = 'TAX-META'): string {
  return `
  type Query { taxThing(id: ID!): TaxThing @share(type: UNCONDITIONAL) }
  type TaxThing @key(fields: "id")
    @resource(code: "${code}", name: "纳税信息", category: DEPARTMENT, provider: "tax", updateCycle: "每日"${extra ? `, ${extra}` : ''}) {
    ${fields}
  }`;
}
const analyse = (sdl: string) => analyseSubgraphs([{ name: 'tax-meta', sdl: withShareDirectives(sdl) }]);

const FULL = 'catalogCode: "307015001/000002", format: SPREADSHEET, openType: CONDITIONAL, openCondition: "纳税信用A级名单依法公开", '
  + 'relatedResources: ["ENT-ENTERPRISE", "NOT-HERE"], metadataMaintainer: "data-bureau", metadataUpdatedOn: "2026-12-01", keywords: ["纳税", "税务 信用"]';

describe('@resource catalog metadata in the policy model', () => {
  it('applies the defaults when no metadata argument is given', () => {
    const { model, errors } = analyse(taxSdl(''));
    expect(errors).toEqual([]);
    expect(model.resources.get('TAX-META')).toMatchObject({
      catalogCode: null, format: 'DATABASE', openType: 'NONE', openCondition: null, relatedResources: [],
      metadataMaintainer: 'tax', metadataUpdatedOn: null, keywords: [],
    });
  });

  it('reads every argument as given', () => {
    const { model, errors } = analyse(taxSdl(FULL));
    expect(errors).toEqual([]);
    expect(model.resources.get('TAX-META')).toMatchObject({
      catalogCode: '307015001/000002', format: 'SPREADSHEET', openType: 'CONDITIONAL', openCondition: '纳税信用A级名单依法公开',
      relatedResources: ['ENT-ENTERPRISE', 'NOT-HERE'], metadataMaintainer: 'data-bureau', metadataUpdatedOn: '2026-12-01', keywords: ['纳税', '税务 信用'],
    });
  });

  it('splits a code by the coding rule: 类 项 目 细目 / 顺序码', () => {
    expect(parseCatalogCode('307015001/000002')).toEqual({ classDigit: '3', item: '07', entry: '015', detail: '001', sequence: '000002' });
    expect(parseCatalogCode('101001/1')).toEqual({ classDigit: '1', item: '01', entry: '001', detail: '', sequence: '1' });
    expect(parseCatalogCode('POP-PERSON')).toBeNull();
  });

  it.each([
    ['catalogCode: "POP-PERSON"', 'catalogCode "POP-PERSON" does not follow the coding rule'],
    ['catalogCode: "101001/000001"', 'begins with 类 1, but category DEPARTMENT is 类 3'],
    ['catalogCode: "300001/000001"', 'does not follow the coding rule'],
    ['catalogCode: "301001/000000"', 'does not follow the coding rule'],
    ['openType: CONDITIONAL', 'openType CONDITIONAL needs an openCondition'],
    ['openType: CONDITIONAL, openCondition: "  "', 'openCondition "  " is empty'],
    ['relatedResources: ["TAX-META"]', 'relatedResources names the resource itself'],
    ['relatedResources: ["POP-PERSON", "POP-PERSON"]', 'relatedResources names a resource twice'],
    ['relatedResources: ["人口"]', 'relatedResources "人口" is not a resource code'],
    ['metadataUpdatedOn: "2026-02-30"', 'metadataUpdatedOn "2026-02-30" is not a calendar date'],
    ['metadataUpdatedOn: "2026/12/01"', 'is not a calendar date'],
    ['metadataMaintainer: ""', 'metadataMaintainer "" is empty'],
    ['keywords: ["纳税,信用"]', 'holds a list separator'],
    ['keywords: ["纳税", "纳税"]', 'keywords repeats a keyword'],
    ['keywords: [""]', 'keyword "" is empty'],
  ])('refuses %s with COMPOSITION_ERROR naming the resource', (args, message) => {
    const { errors } = analyse(taxSdl(args));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'COMPOSITION_ERROR', coordinate: 'TaxThing', subgraph: 'tax-meta' });
    expect(errors[0]!.message).toContain('resource TAX-META');
    expect(errors[0]!.message).toContain(message);
  });

  it('refuses an enum value the directive does not define', () => {
    const { errors } = analyse(taxSdl('format: PDF'));
    expect(errors.map((e) => e.code)).toEqual(['COMPOSITION_ERROR']);
    expect(errors[0]!.message).toMatch(/format/);
  });

  it('opens a resource to the public unconditionally only when every field is UNCONDITIONAL and unmasked', () => {
    expect(analyse(taxSdl('openType: UNCONDITIONAL')).errors).toEqual([]);
    const masked = analyse(taxSdl('openType: UNCONDITIONAL', 'id: ID! @share(type: UNCONDITIONAL)\n    contact: String @share(type: UNCONDITIONAL) @mask(rule: MOBILE)'));
    expect(masked.errors).toEqual([expect.objectContaining({ code: 'COMPOSITION_ERROR', coordinate: 'TaxThing.contact' })]);
    const conditional = analyse(taxSdl('openType: UNCONDITIONAL', 'id: ID! @share(type: UNCONDITIONAL)\n    amount: Float @share(type: CONDITIONAL)'));
    expect(conditional.errors[0]!.message).toContain('TaxThing.amount is not UNCONDITIONAL and unmasked');
    expect(analyse(taxSdl('openType: UNCONDITIONAL, openCondition: "x"')).errors[0]!.message).toContain('takes no openCondition');
  });

  it('merges repetitions of one resource\'s @resource, and refuses repetitions that disagree', () => {
    const twice = (second: string) => `
      type Query { taxThing(id: ID!): TaxThing @share(type: UNCONDITIONAL) }
      type TaxDetail @resource(code: "TAX-META", name: "纳税信息", category: DEPARTMENT, provider: "tax", updateCycle: "每日"${second}) {
        year: Int @share(type: UNCONDITIONAL)
      }
      type TaxThing @key(fields: "id")
        @resource(code: "TAX-META", name: "纳税信息", category: DEPARTMENT, provider: "tax", updateCycle: "每日", keywords: ["纳税"]) {
        id: ID! @share(type: UNCONDITIONAL)
        detail: TaxDetail @share(type: UNCONDITIONAL)
      }`;
    const merged = analyse(twice(', catalogCode: "307015001/000002"'));
    expect(merged.errors).toEqual([]);
    expect(merged.model.resources.get('TAX-META')).toMatchObject({ catalogCode: '307015001/000002', keywords: ['纳税'] });
    const clash = analyse(twice(', keywords: ["税务"]'));
    expect(clash.errors).toEqual([expect.objectContaining({ code: 'COMPOSITION_ERROR', coordinate: 'TaxThing' })]);
    expect(clash.errors[0]!.message).toContain('gives keywords differently');
  });

  it('refuses one 信息资源代码 for two resources', () => {
    const a = withShareDirectives(taxSdl('catalogCode: "307015001/000002"'));
    const b = withShareDirectives(taxSdl('catalogCode: "307015001/000002"', 'key: ID! @share(type: UNCONDITIONAL)', 'TAX-OTHER')
      .replace(/TaxThing/g, 'TaxOther').replace('taxThing', 'taxOther').replace('"id"', '"key"'));
    const { errors } = analyseSubgraphs([{ name: 'tax-a', sdl: a }, { name: 'tax-b', sdl: b }]);
    expect(errors).toEqual([expect.objectContaining({ code: 'COMPOSITION_ERROR' })]);
    expect(errors[0]!.message).toContain("catalogCode 307015001/000002 is already resource TAX-META's");
  });

  it('carries each field\'s declared type into the model', () => {
    const { model } = analyse(taxSdl('', 'id: ID! @share(type: UNCONDITIONAL)\n    years: [Int!]! @share(type: UNCONDITIONAL)\n    paid: Boolean @share(type: UNCONDITIONAL)'));
    expect(model.fields.get('TaxThing.years')).toMatchObject({ dataType: '[Int!]!', returnType: 'Int', returnKind: 'scalar' });
    expect(model.fields.get('Query.taxThing')).toMatchObject({ dataType: 'TaxThing', returnKind: 'object' });
  });
});

/** Compact IRIs of the vocabularies the export uses, each term checked against the vocabulary's own list. */
const VOCABULARY: Record<string, readonly string[]> = {
  dcat: ['Catalog', 'Dataset', 'Distribution', 'DataService', 'CatalogRecord', 'dataset', 'service', 'record', 'distribution',
    'accessService', 'accessURL', 'endpointURL', 'servesDataset', 'keyword', 'theme', 'mediaType'],
  dct: ['title', 'description', 'identifier', 'publisher', 'accrualPeriodicity', 'issued', 'modified', 'type', 'accessRights',
    'relation', 'format', 'conformsTo', 'Standard', 'RightsStatement'],
  foaf: ['Agent', 'name', 'primaryTopic'],
  skos: ['Concept', 'notation', 'prefLabel'],
  adms: ['Identifier', 'identifier', 'schemaAgency'],
  rdfs: ['label'],
  xsd: ['date', 'dateTime'],
};
const KEYWORDS = new Set(['@context', '@id', '@type', '@value', '@language']);

/**
 * What a JSON-LD processor would stumble on, short of running one: a key or type that is no compact IRI of
 * a declared prefix, a term its vocabulary does not define, a value object with other keys, a node id
 * that is no absolute IRI, a typed date that is not one. Returns the problems, [] for a clean document.
 */
function jsonLdProblems(doc: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const context = doc['@context'] as Record<string, string>;
  const known = (compact: string, path: string) => {
    const [prefix, term] = compact.split(':', 2) as [string, string | undefined];
    if (!term || !(prefix in context)) problems.push(`${path}: ${compact} is no compact IRI of a declared prefix`);
    else if (VOCABULARY[prefix] && !VOCABULARY[prefix]!.includes(term)) problems.push(`${path}: ${compact} is not a term of ${context[prefix]}`);
  };
  const walk = (node: unknown, path: string): void => {
    if (Array.isArray(node)) { node.forEach((n, i) => walk(n, `${path}[${i}]`)); return; }
    if (node === null || typeof node !== 'object') return;
    const object = node as Record<string, unknown>;
    if ('@value' in object) {
      const extra = Object.keys(object).filter((k) => k !== '@value' && k !== '@type' && k !== '@language');
      if (extra.length) problems.push(`${path}: value object with ${extra.join(', ')}`);
      if (object['@type'] === 'xsd:date' && !/^\d{4}-\d{2}-\d{2}$/.test(String(object['@value']))) problems.push(`${path}: bad xsd:date`);
      if (object['@type'] === 'xsd:dateTime' && Number.isNaN(Date.parse(String(object['@value'])))) problems.push(`${path}: bad xsd:dateTime`);
      return;
    }
    for (const [key, value] of Object.entries(object)) {
      if (key === '@context' && path !== '$') problems.push(`${path}: nested @context`);
      if (key === '@context') continue;
      if (key.startsWith('@')) {
        if (!KEYWORDS.has(key)) problems.push(`${path}: unknown keyword ${key}`);
        if (key === '@type') for (const t of [value].flat()) known(String(t), `${path}.@type`);
        if (key === '@id' && !URL.canParse(String(value))) problems.push(`${path}: @id ${String(value)} is no absolute IRI`);
        continue;
      }
      known(key, path);
      walk(value, `${path}.${key}`);
    }
  };
  walk(doc, '$');
  return problems;
}


const RESOURCE = `code catalogCode format shareMethod openType openCondition metadataMaintainer metadataUpdatedOn keywords updatedAt
  relatedResources { code name catalogCode } fields { coordinate dataType itemType }`;

describe('catalog metadata through the gateway', () => {
  let stack: Stack;
  const plain: PlainSubgraph[] = [];
  beforeAll(async () => { stack = await startStack(); });
  afterAll(async () => { for (const p of plain) await p.close(); await stack?.close(); });
  const query = async (department: string, text: string, variables: Record<string, unknown> = {}, roles: Array<'consumer' | 'provider' | 'admin'> = ['consumer']) =>
    (await stack.query(text, variables, await as(department, { roles, purpose: '目录测试' }))).body as any;

  it('shows every element of the sample resources in the catalog API', async () => {
    const { data, errors } = await query('tax', `{ pop: resource(code: "POP-PERSON") { ${RESOURCE} } soc: resource(code: "SOC-INSURANCE") { ${RESOURCE} } }`);
    expect(errors).toBeUndefined();
    expect(data.pop).toMatchObject({
      code: 'POP-PERSON', catalogCode: '101001/000001', format: 'DATABASE', shareMethod: 'INTERFACE', openType: 'NONE',
      openCondition: '含公民身份和户籍等个人信息，依法不向社会开放', metadataMaintainer: 'public-security', metadataUpdatedOn: '2026-11-20',
      keywords: ['人口', '户籍', '身份核验', '婚姻状况'],
    });
    expect(data.pop.relatedResources).toEqual([
      { code: 'LIC-LICENSE', name: '电子证照', catalogCode: '105001/000001' },
      { code: 'HSE-PROPERTY', name: '房产房屋', catalogCode: '103002/000001' },
      { code: 'SOC-INSURANCE', name: '社会保障', catalogCode: '203001/000001' },
      { code: 'CIV-ASSISTANCE', name: '社会救助', catalogCode: '307012001/000001' },
    ]);
    const types = Object.fromEntries(data.pop.fields.map((f: any) => [f.coordinate, [f.dataType, f.itemType]]));
    expect(types).toMatchObject({
      'Person.idNumber': ['ID!', 'CHARACTER'], 'Person.gender': ['Gender', 'CHARACTER'],
      'Query.persons': ['[Person]!', 'OBJECT'], 'PersonVerification.found': ['Boolean!', 'LOGICAL'], 'PersonVerification.index': ['Int!', 'INTEGER'],
    });
    // SOC-INSURANCE declares neither maintainer nor date: the provider, and the day the platform saw it change.
    expect(data.soc.metadataMaintainer).toBe('human-resources');
    expect(data.soc.metadataUpdatedOn).toBe(shanghaiDate(new Date(data.soc.updatedAt)));
  });

  it('finds resources by keyword and by 信息资源代码', async () => {
    const byKeyword = (await query('tax', '{ catalog(search: "失信被执行人") { code } }')).data.catalog.map((r: any) => r.code);
    expect(byKeyword).toEqual(['CRD-CREDIT']);
    const byCode = (await query('tax', '{ catalog(search: "203001/000001") { code } }')).data.catalog.map((r: any) => r.code);
    expect(byCode).toEqual(['SOC-INSURANCE']);
  });

  it('exports valid DCAT JSON-LD with every element', async () => {
    const response = await fetch(`${stack.gatewayUrl}/catalog/export.jsonld`);
    expect(response.headers.get('content-type')).toMatch(/^application\/ld\+json/);
    const doc = await response.json() as Record<string, any>;
    expect(doc['@context']).toEqual(DCAT_CONTEXT);
    expect(doc['@context']).toMatchObject({ dcat: 'http://www.w3.org/ns/dcat#', dct: 'http://purl.org/dc/terms/' });
    expect(jsonLdProblems(doc)).toEqual([]);
    expect(doc['@type']).toBe('dcat:Catalog');

    const person = doc['dcat:dataset'].find((d: any) => d['dct:identifier'] === 'POP-PERSON');
    const datasetId = `${stack.gatewayUrl}/catalog/resources/POP-PERSON`;
    expect(person).toMatchObject({
      '@id': datasetId, '@type': 'dcat:Dataset',
      'adms:identifier': { '@type': 'adms:Identifier', 'skos:notation': '101001/000001' },
      'dct:type': { '@type': 'skos:Concept', 'skos:notation': 'DATABASE', 'skos:prefLabel': { '@value': '数据库', '@language': 'zh' } },
      'dcat:keyword': ['人口', '户籍', '身份核验', '婚姻状况'],
      'dct:accessRights': {
        '@type': 'dct:RightsStatement', 'dct:description': '含公民身份和户籍等个人信息，依法不向社会开放',
        'dct:type': { '@id': 'http://publications.europa.eu/resource/authority/access-right/NON_PUBLIC' },
      },
      'dct:relation': [`${stack.gatewayUrl}/catalog/resources/LIC-LICENSE`, `${stack.gatewayUrl}/catalog/resources/HSE-PROPERTY`,
        `${stack.gatewayUrl}/catalog/resources/SOC-INSURANCE`, `${stack.gatewayUrl}/catalog/resources/CIV-ASSISTANCE`].map((id) => ({ '@id': id })),
    });
    expect(person['dcat:distribution'][0]).toMatchObject({ '@type': 'dcat:Distribution', 'govshare:shareMethod': 'INTERFACE', 'dcat:accessService': { '@id': `${stack.gatewayUrl}/graphql` } });
    expect(person['govshare:field'].find((f: any) => f['govshare:coordinate'] === 'Person.idNumber'))
      .toMatchObject({ '@type': 'govshare:InformationItem', 'govshare:dataType': 'ID!', 'govshare:itemType': 'CHARACTER', 'govshare:itemTypeZh': '字符型' });
    expect(doc['dcat:service'][0]['dcat:servesDataset']).toContainEqual({ '@id': datasetId });

    const record = doc['dcat:record'].find((r: any) => r['foaf:primaryTopic']['@id'] === datasetId);
    expect(record).toMatchObject({
      '@type': 'dcat:CatalogRecord', 'dct:modified': { '@value': '2026-11-20', '@type': 'xsd:date' },
      'dct:publisher': { '@type': 'foaf:Agent', 'foaf:name': 'public-security' },
    });
    const credit = doc['dcat:dataset'].find((d: any) => d['dct:identifier'] === 'CRD-CREDIT');
    expect(credit['dct:accessRights']['dct:type']['@id']).toMatch(/RESTRICTED$/);
    expect(credit['dct:accessRights']['rdfs:label']).toEqual({ '@value': '有条件开放', '@language': 'zh' });
  });

  it('exports a GB/T 21063 CSV a spreadsheet opens, with every element in its own column', async () => {
    const response = await fetch(`${stack.gatewayUrl}/catalog/export.csv`);
    const bytes = new Uint8Array(await response.arrayBuffer());
    // The UTF-8 BOM spreadsheets look for (fetch's text() would drop it silently).
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const rows = parseCsv(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    expect(rows[0]).toEqual(CSV_HEADER);
    for (const row of rows) expect(row).toHaveLength(CSV_HEADER.length);
    const column = (name: string) => CSV_HEADER.indexOf(name);
    const id = rows.find((r) => r[column('信息项')] === 'Person.idNumber')!;
    expect({
      code: id[column('信息资源代码')], format: id[column('信息资源格式')], type: id[column('数据类型')], graphql: id[column('GraphQL 类型')],
      method: id[column('共享方式')], open: id[column('开放属性')], condition: id[column('开放条件')], maintainer: id[column('元数据维护方')],
      date: id[column('元数据更新日期')], keywords: id[column('关键字')], summary: id[column('资源摘要')],
    }).toEqual({
      code: '101001/000001', format: '数据库', type: '字符型', graphql: 'ID!', method: '共享平台接口', open: '不予开放',
      condition: '含公民身份和户籍等个人信息，依法不向社会开放', maintainer: 'public-security', date: '2026-11-20',
      keywords: '人口；户籍；身份核验；婚姻状况', summary: '全市户籍与常住人口的身份、户籍和婚姻状况信息 (population register)',
    });
    expect(id[column('关联资源代码')]).toBe('105001/000001 LIC-LICENSE；103002/000001 HSE-PROPERTY；203001/000001 SOC-INSURANCE；307012001/000001 CIV-ASSISTANCE');
    const licenses = rows.find((r) => r[column('信息项')] === 'Person.licenses')!;
    expect([licenses[column('数据类型')], licenses[column('GraphQL 类型')], licenses[column('信息资源格式')]]).toEqual(['对象型', '[License!]!', '电子文件']);
    const capital = rows.find((r) => r[column('信息项')] === 'Enterprise.registeredCapital')!;
    expect(capital[column('数据类型')]).toBe('浮点型');
    // Every resource of the catalog has its 信息资源代码 in the export.
    const codes = new Map(rows.slice(1).map((r) => [r[column('资源代码')], r[column('信息资源代码')]]));
    expect(Object.fromEntries(codes)).toEqual({
      'CIV-ASSISTANCE': '307012001/000001', 'CRD-CREDIT': '104001/000001', 'ENT-ENTERPRISE': '102001/000001', 'HSE-PROPERTY': '103002/000001',
      'LIC-LICENSE': '105001/000001', 'POP-PERSON': '101001/000001', 'SOC-INSURANCE': '203001/000001',
    });
  });

  const publish = async (name: string, sdl: string) => {
    const subgraph = await startPlainSubgraph(sdl, { Query: { taxThing: (_: unknown, { id }: { id: string }) => ({ id, amount: 1 }) } });
    plain.push(subgraph);
    return (await query('tax', 'mutation($n: String!, $u: String!) { publishSubgraph(name: $n, url: $u) { ok errors { code message coordinate } } }',
      { n: name, u: subgraph.url }, ['provider'])).data.publishSubgraph;
  };
  const snapshot = async () => ({
    version: stack.gateway.source.supergraph!.version,
    catalog: JSON.stringify((await query('tax', `{ catalog { ${RESOURCE} } }`)).data.catalog),
  });

  it('refuses at publish a subgraph whose metadata breaks the rules, with a clear code, and changes nothing', async () => {
    const before = await snapshot();
    const badCode = await publish('tax-meta', taxSdl('catalogCode: "201001-000001"'));
    expect(badCode.ok).toBe(false);
    expect(badCode.errors).toEqual([{ code: 'COMPOSITION_ERROR', coordinate: 'TaxThing', message: expect.stringContaining('catalogCode "201001-000001" does not follow the coding rule') }]);
    const badDate = await publish('tax-meta', taxSdl(`metadataUpdatedOn: ${gql('2026-13-01')}`));
    expect(badDate.errors).toEqual([expect.objectContaining({ code: 'COMPOSITION_ERROR', message: expect.stringContaining('metadataUpdatedOn "2026-13-01"') })]);
    // Another department's 信息资源代码 (CIV-ASSISTANCE's, a department resource too, so 类 3 matches).
    const taken = await publish('tax-meta', taxSdl('catalogCode: "307012001/000001"'));
    expect(taken.errors).toEqual([expect.objectContaining({ code: 'COMPOSITION_ERROR', message: expect.stringContaining("already resource CIV-ASSISTANCE's") })]);
    expect(await snapshot()).toEqual(before);
  });

  it('publishes a subgraph with valid metadata and shows it at once, the related resource named', async () => {
    const published = await publish('tax-meta', taxSdl(FULL));
    expect(published).toEqual({ ok: true, errors: [] });
    const { data } = await query('housing', `{ resource(code: "TAX-META") { ${RESOURCE} } }`);
    expect(data.resource).toMatchObject({
      catalogCode: '307015001/000002', format: 'SPREADSHEET', openType: 'CONDITIONAL', metadataMaintainer: 'data-bureau',
      metadataUpdatedOn: '2026-12-01', keywords: ['纳税', '税务 信用'],
      relatedResources: [{ code: 'ENT-ENTERPRISE', name: '法人单位基础信息', catalogCode: '102001/000001' }, { code: 'NOT-HERE', name: null, catalogCode: null }],
    });
    const csv = parseCsv((await (await fetch(`${stack.gatewayUrl}/catalog/export.csv`)).text()).slice(1));
    const row = csv.find((r) => r[CSV_HEADER.indexOf('资源代码')] === 'TAX-META')!;
    expect(row[CSV_HEADER.indexOf('信息资源格式')]).toBe('电子表格');
    expect(row[CSV_HEADER.indexOf('关联资源代码')]).toBe('102001/000001 ENT-ENTERPRISE；NOT-HERE');
  });
});
