import { defineSubgraph, rowByKey, type SubgraphContext } from '../../subgraphs/kit/index.ts';
import { WELL_KNOWN } from './fixtures.ts';

/**
 * A test-only provider on the kit with the two mask rules no sample field uses (BANK_CARD, EMAIL),
 * so every rule of CONTRACT §4 can be checked through the gateway.
 */
export const CONTACT_BANK_CARDS: Record<string, string> = {
  '43010219850312123X': '6222021234567890123',
  '43010419900101567X': '6217001930005678901',
};
export const CONTACT_EMAILS: Record<string, string> = {
  '43010219850312123X': 'zhangwei@example.gov.cn',
  '43010419900101567X': 'lina@example.gov.cn',
};

type Row = { idNumber: string; bankCard: string | null; email: string | null };
const loaders = (sql: Parameters<typeof rowByKey>[0]) => ({
  contact: rowByKey<Row>(sql, `SELECT id_number AS "idNumber", bank_card AS "bankCard", email FROM test_contact.contact WHERE id_number = ANY($1)`, 'idNumber'),
});
type Ctx = SubgraphContext<ReturnType<typeof loaders>>;

export const contactSubgraph = defineSubgraph({
  name: 'test-contact',
  dbSchema: 'test_contact',
  port: 0,
  sdl: `
    type Person @key(fields: "idNumber")
      @resource(code: "TST-CONTACT", name: "测试联系方式", category: DEPARTMENT, provider: "tax", updateCycle: "实时") {
      idNumber: ID!
      bankCard: String @share(type: CONDITIONAL, condition: "测试") @mask(rule: BANK_CARD)
      email: String @share(type: CONDITIONAL, condition: "测试") @mask(rule: EMAIL)
    }`,
  ddl: `CREATE TABLE test_contact.contact (id_number text PRIMARY KEY, bank_card text, email text);`,
  async seed(sql) {
    for (const p of WELL_KNOWN.persons) {
      await sql.query('INSERT INTO test_contact.contact VALUES ($1, $2, $3)', [p.idNumber, CONTACT_BANK_CARDS[p.idNumber] ?? null, CONTACT_EMAILS[p.idNumber] ?? null]);
    }
  },
  loaders,
  resolvers: {
    Person: {
      __resolveReference: (ref: { idNumber: string }) => ref,
      bankCard: async (p: { idNumber: string }, _: unknown, ctx: Ctx) => (await ctx.loaders.contact.load(p.idNumber))?.bankCard ?? null,
      email: async (p: { idNumber: string }, _: unknown, ctx: Ctx) => (await ctx.loaders.contact.load(p.idNumber))?.email ?? null,
    },
  },
});
