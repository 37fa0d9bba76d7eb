import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { startStack, STATE_KINDS, type Stack } from './support/stack.ts';
import { startPlainSubgraph, type PlainSubgraph } from './support/plain-subgraph.ts';
import { freePort } from './support/ports.ts';
import { as } from './support/tokens.ts';
import { grant } from './support/grants.ts';
import { REPO_ROOT, TEST_SAMPLE } from './support/sample.ts';
import { TAX_RESOLVERS, TAX_SDL_V1, TAX_SDL_V2 } from './support/tax-subgraph.ts';
import { hostSubgraphs, type SubgraphDefinition } from '../subgraphs/kit/index.ts';

const RESULT = 'ok supergraphVersion errors { code message coordinate } warnings { code message coordinate } checks { name ok }';

describe.each(STATE_KINDS)('publishing subgraphs (%s state)', (stateKind) => {
  let stack: Stack;
  const plain: PlainSubgraph[] = [];
  beforeAll(async () => { stack = await startStack({ state: stateKind, transport: 'inject' }); });
  afterAll(async () => { for (const p of plain) await p.close(); await stack?.close(); });

  const gql = async (department: string, query: string, variables: Record<string, unknown> = {}, roles: Array<'consumer' | 'provider' | 'admin'> = ['provider']): Promise<any> =>
    (await stack.query(query, variables, await as(department, { roles, purpose: '测试' }))).body;
  const publish = (department: string, name: string, url: string, roles?: Array<'consumer' | 'provider' | 'admin'>) =>
    gql(department, `mutation($n: String!, $u: String!) { publishSubgraph(name: $n, url: $u) { ${RESULT} } }`, { n: name, u: url }, roles);
  const unpublish = (department: string, name: string, roles?: Array<'consumer' | 'provider' | 'admin'>) =>
    gql(department, `mutation($n: String!) { unpublishSubgraph(name: $n) { ${RESULT} } }`, { n: name }, roles);
  const serve = async (sdl: string, resolvers: Record<string, any> = TAX_RESOLVERS) => {
    const subgraph = await startPlainSubgraph(sdl, resolvers);
    plain.push(subgraph);
    return subgraph.url;
  };
  /** What must not move when a publish fails: the served supergraph and the catalog. */
  const snapshot = async () => ({
    version: stack.gateway.source.supergraph!.version,
    catalog: JSON.stringify((await gql('tax', '{ catalog { code updatedAt fields { coordinate shareType } } }')).data.catalog),
    subgraphs: JSON.stringify((await gql('tax', '{ subgraphs { name url } }')).data.subgraphs),
  });

  it('registers the seven samples at first start', async () => {
    const { data } = await gql('tax', '{ subgraphs { name publishedBy } supergraphHistory { action by } }');
    expect(data.subgraphs.map((s: { name: string }) => s.name).sort()).toEqual(['civil-affairs', 'credit', 'e-license', 'housing', 'legal-entity', 'population', 'social-security']);
    expect(data.supergraphHistory[0]).toEqual({ action: 'bootstrap', by: 'gateway' });
  });

  it('publishes a provider\'s subgraph from another stack, serves it, catalogs its NONE field, and unpublishes it', async () => {
    const url = await serve(TAX_SDL_V1);
    const started = Date.now();
    const result = (await publish('tax', 'tax-records', url)).data.publishSubgraph;
    expect(result).toMatchObject({ ok: true, errors: [] });
    expect(result.checks.map((c: { name: string }) => c.name)).toEqual(['fetch SDL', 'authorise', 'share rules (CONTRACT §3)', 'composition', 'active grants', 'serve']);
    const served = await gql('housing', '{ taxPayment(id: "P1") { id year } }', {}, ['consumer']);
    expect(served.data.taxPayment).toEqual({ id: 'P1', year: 2025 });
    expect(Date.now() - started).toBeLessThan(5000);
    const type = await gql('housing', '{ __type(name: "TaxPayment") { fields { name } } }');
    expect(type.data.__type.fields.map((f: { name: string }) => f.name)).not.toContain('auditFlag');
    const resource = (await gql('housing', '{ resource(code: "TAX-PAYMENT") { provider subgraph publishedAt fields { coordinate shareType } } }')).data.resource;
    expect(resource).toMatchObject({ provider: 'tax', subgraph: 'tax-records' });
    expect(resource.publishedAt).toBeTruthy();
    expect(resource.fields).toContainEqual({ coordinate: 'TaxPayment.auditFlag', shareType: 'NONE' });
    expect((await gql('housing', '{ taxPayment(id: "P1") { amount } }')).errors[0].extensions.code).toBe('SHARE_DENIED');

    expect((await unpublish('housing', 'tax-records')).errors[0].extensions.code).toBe('FORBIDDEN');
    const removed = (await unpublish('tax', 'tax-records')).data.unpublishSubgraph;
    expect(removed.ok).toBe(true);
    expect((await gql('housing', '{ taxPayment(id: "P1") { id } }')).errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect((await gql('housing', '{ resource(code: "TAX-PAYMENT") { code } }')).data.resource).toBeNull();
  });

  it.each([
    ['UNCLASSIFIED_FIELD', 'TaxPayment.year', TAX_SDL_V1.replace('year: Int @share(type: UNCONDITIONAL)', 'year: Int')],
    ['INVALID_COMPARE_RESULT', 'Query.checkPayment', `${TAX_SDL_V1}
      extend type Query { checkPayment(id: ID!): PaymentCheck @share(type: CONDITIONAL) @compare }
      type PaymentCheck { found: Boolean @share(type: CONDITIONAL) payer: String @share(type: CONDITIONAL) }`],
    ['DUPLICATE_OWNER', 'Person.name', `${TAX_SDL_V1}
      type Person @key(fields: "idNumber") @resource(code: "TAX-PAYMENT", name: "纳税缴费信息", category: DEPARTMENT, provider: "tax", updateCycle: "每月") {
        idNumber: ID! name: String @share(type: UNCONDITIONAL) }`],
    ['COMPOSITION_ERROR', null, `${TAX_SDL_V1}
      type Person @key(fields: "idNumber") @resource(code: "TAX-PAYMENT", name: "纳税缴费信息", category: DEPARTMENT, provider: "tax", updateCycle: "每月") {
        idNumber: Int! taxpayer: Boolean @share(type: UNCONDITIONAL) }`],
  ])('refuses a subgraph with %s and changes nothing', async (code, coordinate, sdl) => {
    const url = await serve(sdl);
    const before = await snapshot();
    const result = (await publish('tax', 'tax-broken', url)).data.publishSubgraph;
    expect(result.ok).toBe(false);
    expect(result.supergraphVersion).toBeNull();
    expect(result.errors).toContainEqual(expect.objectContaining({ code, ...(coordinate ? { coordinate } : {}) }));
    expect(await snapshot()).toEqual(before);
  });

  it('refuses an unreachable subgraph with SUBGRAPH_UNREACHABLE', async () => {
    const before = await snapshot();
    const result = (await publish('tax', 'tax-records', `http://127.0.0.1:${await freePort()}/graphql`)).data.publishSubgraph;
    expect(result).toMatchObject({ ok: false, errors: [expect.objectContaining({ code: 'SUBGRAPH_UNREACHABLE' })] });
    expect(await snapshot()).toEqual(before);
  });

  it('refuses a department that is not the provider with FORBIDDEN, and bad input with BAD_USER_INPUT', async () => {
    const url = await serve(TAX_SDL_V1);
    const before = await snapshot();
    expect((await publish('housing', 'tax-records', url)).errors[0].extensions.code).toBe('FORBIDDEN');
    expect((await publish('tax', 'Bad Name', url)).errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect((await publish('tax', 'platform', url)).errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect((await publish('tax', 'tax-records', 'ftp://nope')).errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect((await unpublish('tax', 'no-such-subgraph')).errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(await snapshot()).toEqual(before);
  });

  it('refuses a breaking change to a granted field unless an admin publishes it, and rolls back', async () => {
    const v1 = (await publish('tax', 'tax-records', await serve(TAX_SDL_V1))).data.publishSubgraph;
    expect(v1.ok).toBe(true);
    const [g] = await grant(stack, 'housing', ['TaxPayment.amount'], { purpose: '补贴审核' });
    const v2url = await serve(TAX_SDL_V2);
    const before = await snapshot();
    const refused = (await publish('tax', 'tax-records', v2url)).data.publishSubgraph;
    expect(refused.ok).toBe(false);
    expect(refused.errors).toEqual([expect.objectContaining({ code: 'BREAKING_CHANGE', coordinate: 'TaxPayment.amount' })]);
    expect(refused.errors[0].message).toContain(g!.id);
    expect(await snapshot()).toEqual(before);

    const forced = (await publish('data-bureau', 'tax-records', v2url, ['admin'])).data.publishSubgraph;
    expect(forced).toMatchObject({ ok: true, warnings: [expect.objectContaining({ code: 'BREAKING_CHANGE', coordinate: 'TaxPayment.amount' })] });
    expect((await gql('housing', '{ taxPayment(id: "P1") { amount } }', {}, ['consumer'])).errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');

    expect((await gql('tax', `mutation { rollbackSupergraph(version: "${v1.supergraphVersion}") { ok } }`)).errors[0].extensions.code).toBe('FORBIDDEN');
    const rolledBack = (await gql('data-bureau', `mutation { rollbackSupergraph(version: "${v1.supergraphVersion}") { ${RESULT} } }`, {}, ['admin'])).data.rollbackSupergraph;
    expect(rolledBack).toMatchObject({ ok: true, supergraphVersion: v1.supergraphVersion });
    expect(stack.gateway.source.supergraph!.version).toBe(v1.supergraphVersion);
    const amount = await stack.query('{ taxPayment(id: "P1") { amount } }', {}, await as('housing', { purpose: '补贴审核' }));
    expect(amount.body.data.taxPayment.amount).toBe(1234.5);

    const history = (await gql('data-bureau', '{ supergraphHistory { action subgraph version } }', {}, ['admin'])).data.supergraphHistory;
    expect(history.map((e: { action: string }) => e.action).slice(-3)).toEqual(['publish', 'publish', 'rollback']);
    const log = (await gql('data-bureau', '{ auditLog(first: 100) { records { operationName detail } } }', {}, ['admin'])).data.auditLog.records;
    expect(log.some((r: { operationName: string }) => r.operationName === 'rollbackSubgraph')).toBe(true);
    expect(log.filter((r: { operationName: string }) => r.operationName === 'publishSubgraph').length).toBeGreaterThanOrEqual(2);
    await unpublish('data-bureau', 'tax-records', ['admin']);
  });

  it('publishes a subgraph scaffolded with npm run new-subgraph, as generated', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'govshare-scaffold-'));
    execFileSync(process.execPath, ['--import', 'tsx', 'scripts/new-subgraph.ts', `${stateKind}-permits`, '--provider', 'housing', '--dir', dir, '--tests', dir], { cwd: REPO_ROOT });
    const definition = (await import(join(dir, `${stateKind}-permits`, 'index.ts'))).default as SubgraphDefinition<unknown>;
    const [hosted] = await hostSubgraphs({ definitions: [definition], db: stack.database.db, sample: TEST_SAMPLE, gatewayKeys: { jwks: stack.keys.jwks }, ports: { [definition.name]: 0 } });
    try {
      const result = (await publish('housing', definition.name, hosted!.url)).data.publishSubgraph;
      expect(result).toMatchObject({ ok: true, errors: [], warnings: [] });
      // memory-permits → type MemoryPermit, memoryPermit(id), memoryPermits(ids)
      const field = `${stateKind}Permit`;
      const { data } = await gql('tax', `{ one: ${field}(id: "R-0001") { id title } many: ${field}s(ids: ["R-0002", "x"]) { id } }`, {}, ['consumer']);
      expect(data).toEqual({ one: { id: 'R-0001', title: '第一条记录' }, many: [{ id: 'R-0002' }, null] });
      expect((await unpublish('housing', definition.name)).data.unpublishSubgraph.ok).toBe(true);
    } finally {
      await hosted!.app.close();
    }
  });
});
