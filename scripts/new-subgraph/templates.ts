import { SHARE_DIRECTIVES_SDL, SHARE_LINK_SDL } from '../../schema/share-sdl.ts';

export interface ScaffoldNames {
  /** Subgraph name, e.g. `parking-permits`. */
  name: string;
  /** PostgreSQL schema, e.g. `parking_permits`. */
  dbSchema: string;
  /** Entity type, e.g. `ParkingPermit`. */
  type: string;
  /** Root field for one record, e.g. `parkingPermit`; the batch field adds an `s`. */
  field: string;
  resource: string;
  provider: string;
  port: number;
  /** Import path from the new folder to the provider kit. */
  kit: string;
  /** Import path from the tests folder to the new folder. */
  fromTests: string;
  /** Import path from the tests folder to the repo's tests/support. */
  support: string;
}

export function schemaGraphql(n: ScaffoldNames): string {
  return `# ${n.name}: resource ${n.resource}, provided by ${n.provider}.
# Every field carries @share; CONDITIONAL fields say what they may be used for; NONE fields stay in the
# catalog only. The link block and the directive definitions are the platform's (schema/).

${SHARE_LINK_SDL.trim()}

type Query {
  ${n.field}(id: ID!): ${n.type} @share(type: UNCONDITIONAL)
  "Batch lookup: results in input order, null for unknown ids."
  ${n.field}s(ids: [ID!]!): [${n.type}]! @share(type: UNCONDITIONAL)
}

type ${n.type} @key(fields: "id")
  @resource(code: "${n.resource}", name: "${n.name}", category: DEPARTMENT, provider: "${n.provider}",
    updateCycle: "每日", summary: "${n.name} records (describe the resource here, in Chinese and English)") {
  id: ID! @share(type: UNCONDITIONAL)
  title: String @share(type: UNCONDITIONAL)
  contactMobile: String @share(type: CONDITIONAL, condition: "describe the condition of use") @mask(rule: MOBILE)
  internalNote: String @share(type: NONE)
}

${SHARE_DIRECTIVES_SDL.trim()}
`;
}

export function schemaSql(n: ScaffoldNames): string {
  return `CREATE SCHEMA IF NOT EXISTS ${n.dbSchema};
CREATE TABLE IF NOT EXISTS ${n.dbSchema}.record (
  id             text PRIMARY KEY,
  title          text,
  contact_mobile text,
  internal_note  text
);
`;
}

export function seedTs(n: ScaffoldNames): string {
  return `import { insertRows, type SeedOptions, type Sql } from '${n.kit}';

/** Sample rows; a real provider points the subgraph at its own database instead. */
export async function seed${n.type}(sql: Sql, _options: SeedOptions): Promise<void> {
  await insertRows(sql, '${n.dbSchema}.record', ['id', 'title', 'contact_mobile', 'internal_note'], [
    ['R-0001', '第一条记录', '13800138001', '内部备注'],
    ['R-0002', '第二条记录', '13900139002', null],
  ]);
}
`;
}

export function loadersTs(n: ScaffoldNames): string {
  return `import { rowByKey, type Sql } from '${n.kit}';

export interface ${n.type}Row extends Record<string, unknown> {
  id: string; title: string | null; contactMobile: string | null; internalNote: string | null;
}

export function loaders(sql: Sql) {
  return {
    // N ids cost one query: the kit batches them into = ANY($1).
    record: rowByKey<${n.type}Row>(sql,
      \`SELECT id, title, contact_mobile AS "contactMobile", internal_note AS "internalNote"
         FROM ${n.dbSchema}.record WHERE id = ANY($1)\`, 'id'),
  };
}
export type Loaders = ReturnType<typeof loaders>;
`;
}

export function resolversTs(n: ScaffoldNames): string {
  return `import { loadBatch, type Resolvers, type SubgraphContext } from '${n.kit}';
import type { Loaders } from './loaders.ts';

type Ctx = SubgraphContext<Loaders>;

export const resolvers: Resolvers = {
  Query: {
    ${n.field}: (_: unknown, { id }: { id: string }, ctx: Ctx) => ctx.loaders.record.load(id),
    // Input order, null for unknown ids, one query, at most 1,000 ids (BAD_USER_INPUT beyond).
    ${n.field}s: (_: unknown, { ids }: { ids: string[] }, ctx: Ctx) => loadBatch(ctx.loaders.record, ids, '${n.field}s'),
  },
  ${n.type}: {
    __resolveReference: (ref: { id: string }, ctx: Ctx) => ctx.loaders.record.load(ref.id),
  },
};
`;
}

export function indexTs(n: ScaffoldNames): string {
  return `import { readFileSync } from 'node:fs';
import { defineSubgraph } from '${n.kit}';
import { loaders } from './loaders.ts';
import { resolvers } from './resolvers.ts';
import { seed${n.type} } from './seed.ts';

const file = (name: string) => readFileSync(new URL(name, import.meta.url), 'utf8');

export default defineSubgraph({
  name: '${n.name}',
  dbSchema: '${n.dbSchema}',
  port: ${n.port},
  sdl: file('schema.graphql'),
  ddl: file('schema.sql'),
  seed: seed${n.type},
  loaders,
  resolvers,
});
`;
}

export function testTs(n: ScaffoldNames): string {
  return `import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAMPLE_SUBGRAPHS } from '${n.support}/../../subgraphs/samples.ts';
import definition from '${n.fromTests}/index.ts';
import { startStack, type Stack } from '${n.support}/stack.ts';
import { grant } from '${n.support}/grants.ts';
import { as } from '${n.support}/tokens.ts';

describe('${n.name} behind the gateway', () => {
  let stack: Stack;
  beforeAll(async () => { stack = await startStack({ definitions: [...SAMPLE_SUBGRAPHS, definition] }); });
  afterAll(async () => { await stack?.close(); });

  it('serves UNCONDITIONAL fields to any department', async () => {
    const { body } = await stack.query('{ ${n.field}(id: "R-0001") { id title } }', {}, await as('tax'));
    expect(body.data.${n.field}).toEqual({ id: 'R-0001', title: '第一条记录' });
  });

  it('refuses the CONDITIONAL field without a grant, and masks it with one', async () => {
    const denied = await stack.query('{ ${n.field}(id: "R-0001") { contactMobile } }', {}, await as('tax', { purpose: '测试' }));
    expect(denied.body.errors?.[0]?.extensions?.code).toBe('SHARE_DENIED');
    await grant(stack, 'tax', ['${n.type}.contactMobile']);
    const masked = await stack.query('{ ${n.field}(id: "R-0001") { contactMobile } }', {}, await as('tax', { purpose: '测试' }));
    expect(masked.body.data.${n.field}.contactMobile).toBe('138****8001');
  });

  it('keeps the NONE field out of the API schema', async () => {
    const { body } = await stack.query('{ __type(name: "${n.type}") { fields { name } } }', {}, await as('tax'));
    expect(body.data.__type.fields.map((f: { name: string }) => f.name)).not.toContain('internalNote');
  });
});
`;
}
