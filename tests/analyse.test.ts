import { describe, expect, it } from 'vitest';
import { buildSchema, getIntrospectionQuery, parse, type OperationDefinitionNode } from 'graphql';
import { analyseOperation } from '../gateway/pipeline/analyse.ts';
import { compileCost, evaluateCost } from '../gateway/pipeline/cost.ts';
import { DEFAULT_REQUEST_LIMITS } from '../gateway/pipeline/limits.ts';
import { limitsFromEnv } from '../gateway/config.ts';
import { applyMasks } from '../gateway/pipeline/mask.ts';
import { authorise } from '../gateway/pipeline/authorise.ts';
import { analyseSubgraphs } from '../schema/policy-model.ts';
import { withShareDirectives } from '../schema/share-sdl.ts';

// A provider schema with an interface and a union, which the samples do not have.
const SDL = `
  type Query {
    party(id: ID!): Party @share(type: UNCONDITIONAL)
    search(text: String!): [Hit!]! @share(type: UNCONDITIONAL)
  }
  interface Party { id: ID! name: String }
  union Hit = Citizen | Company
  type Citizen implements Party @key(fields: "id")
    @resource(code: "R", name: "r", category: BASE, provider: "p", updateCycle: "实时") {
    id: ID! @share(type: UNCONDITIONAL)
    name: String @share(type: UNCONDITIONAL) @mask(rule: NAME)
    income: Float @share(type: CONDITIONAL, condition: "c")
    account: Account @share(type: CONDITIONAL, condition: "c")
  }
  type Company implements Party @key(fields: "id")
    @resource(code: "R", name: "r", category: BASE, provider: "p", updateCycle: "实时") {
    id: ID! @share(type: UNCONDITIONAL)
    name: String @share(type: CONDITIONAL, condition: "c")
  }
  type Account { iban: String @share(type: CONDITIONAL) @mask(rule: BANK_CARD) }`;
const { model, errors } = analyseSubgraphs([{ name: 'parties', sdl: withShareDirectives(SDL) }]);
const schema = buildSchema(SDL.replace(/@\w+(\([^)]*\))?/g, ''));

function operationOf(query: string) {
  const document = parse(query);
  return { document, operation: document.definitions.find((d) => d.kind === 'OperationDefinition') as OperationDefinitionNode };
}
function analyse(query: string) {
  const { document, operation } = operationOf(query);
  return analyseOperation(schema, document, operation, model);
}
function cost(query: string, variables: Record<string, unknown> = {}, limits = DEFAULT_REQUEST_LIMITS) {
  const { document, operation } = operationOf(query);
  return evaluateCost(compileCost(schema, document, operation, limits), variables);
}

describe('operation analysis', () => {
  it('the sample schema composes cleanly', () => expect(errors).toEqual([]));

  it('counts a field selected on an interface as every implementation\'s field', () => {
    const a = analyse('{ party(id: "1") { name } }');
    expect([...a.coordinates].sort()).toEqual(['Citizen.name', 'Company.name', 'Query.party']);
    const decision = authorise(a, model, 'consumer', 'purpose', [], new Date());
    expect(decision.kind).toBe('denied');
    if (decision.kind === 'denied') expect(decision.denied.map((d) => d.coordinate)).toEqual(['Company.name']);
  });

  it('follows inline fragments on union members', () => {
    const a = analyse('{ search(text: "x") { ... on Company { name } ... on Citizen { income } } }');
    expect(a.coordinates).toEqual(new Set(['Query.search', 'Company.name', 'Citizen.income']));
  });

  it('counts skipped and conditionally included fields', () => {
    const a = analyse('query($f: Boolean!) { party(id: "1") { ... on Citizen { income @skip(if: true) id @include(if: $f) } } }');
    expect(a.coordinates.has('Citizen.income')).toBe(true);
    expect(a.coordinates.has('Citizen.id')).toBe(true);
  });

  it('governs a value type by the field that leads to it, and plans its mask under the response key', () => {
    const a = analyse('{ party(id: "1") { ... on Citizen { acc: account { iban } } } }');
    expect(a.covers.get('Citizen.account')).toEqual(new Set(['Citizen.account', 'Account.iban']));
    expect(a.governing.has('Account.iban')).toBe(false);
    const plan = a.maskPlan.get('party')!.children.get('acc')!.children.get('iban')!;
    expect(plan.masks).toEqual([{ rule: 'BANK_CARD', coordinate: 'Account.iban', governing: 'Citizen.account' }]);
  });

  it('treats introspection as no data', () => {
    expect(analyse('{ __schema { types { name } } __typename }').introspectionOnly).toBe(true);
    expect(analyse('{ __typename party(id: "1") { id } }').introspectionOnly).toBe(false);
  });

  it('walks each fragment once, however often it is spread: the fragment bomb is linear', () => {
    const fragments = ['fragment F0 on Citizen { name income }'];
    for (let i = 1; i < 40; i++) fragments.push(`fragment F${i} on Citizen { ...F${i - 1} ...F${i - 1} }`);
    const started = performance.now();
    const a = analyse(`{ party(id: "1") { ...F39 } } ${fragments.join(' ')}`);
    expect(performance.now() - started).toBeLessThan(100);
    expect(a.coordinates).toEqual(new Set(['Query.party', 'Citizen.name', 'Citizen.income']));
    expect(a.maskPlan.get('party')!.children.get('name')!.masks).toEqual([{ rule: 'NAME', coordinate: 'Citizen.name', governing: 'Citizen.name' }]);
    expect(cost(`{ party(id: "1") { ...F39 } } ${fragments.join(' ')}`)).toBe(1 + 2 ** 39 * 2);
  });

  it('keeps a fragment\'s governing context apart where it is spread under different fields', () => {
    const a = analyse('{ party(id: "1") { ... on Citizen { account { ...A } } } } fragment A on Account { iban }');
    expect(a.covers.get('Citizen.account')).toEqual(new Set(['Citizen.account', 'Account.iban']));
    const plan = a.maskPlan.get('party')!.children.get('account')!.children.get('iban')!;
    expect(plan.masks).toEqual([{ rule: 'BANK_CARD', coordinate: 'Account.iban', governing: 'Citizen.account' }]);
  });

  it('masks a key that several types own with every rule not lifted (the response does not say which type)', () => {
    const a = analyse('{ search(text: "x") { ... on Citizen { n: name } ... on Company { n: name } } }');
    const data = { search: [{ n: '张伟' }, { n: '长沙星城' }] };
    applyMasks(data, a.maskPlan, new Set());
    expect(data.search).toEqual([{ n: '张*' }, { n: '长***' }]);
    const lifted = { search: [{ n: '张伟' }] };
    applyMasks(lifted, a.maskPlan, new Set(['Citizen.name']));
    expect(lifted.search).toEqual([{ n: '张伟' }]);
  });

  it('costs a field 1 and multiplies below a list by its list argument, its variable or 10', () => {
    expect(cost('{ party(id: "1") { id name } }')).toBe(3);
    expect(cost('{ search(text: "x") { ... on Citizen { name } } }')).toBe(1 + 10 * 1);
    const batch = buildSchema('type Query { people(ids: [ID!]!): [P]! } type P { a: Int b: [P] }');
    const batchCost = (query: string, variables: Record<string, unknown> = {}) => {
      const { document, operation } = operationOf(query);
      return evaluateCost(compileCost(batch, document, operation, DEFAULT_REQUEST_LIMITS), variables);
    };
    expect(batchCost('{ people(ids: ["1", "2", "3"]) { a } }')).toBe(1 + 3 * 1);
    expect(batchCost('query($ids: [ID!]!) { people(ids: $ids) { a b { a } } }', { ids: ['1', '2'] })).toBe(1 + 2 * (1 + 1 + 10));
    expect(batchCost('query($ids: [ID!]!) { people(ids: $ids) { a } }', { ids: '1' })).toBe(2);
    const configured = limitsFromEnv({ GOVSHARE_LIMITS: 'list:P.b=3' });
    const { document, operation } = operationOf('{ people(ids: ["1"]) { b { a } } }');
    expect(evaluateCost(compileCost(batch, document, operation, configured), {})).toBe(1 + 1 * (1 + 3));
  });

  it('fits the standard introspection query under the cost limit, but not its cycles', () => {
    const full = getIntrospectionQuery({ descriptions: true, inputValueDeprecation: true, specifiedByUrl: true, directiveIsRepeatable: true, schemaDescription: true });
    expect(cost(full)).toBeLessThan(DEFAULT_REQUEST_LIMITS.cost);
    let cycle = 'name';
    for (let i = 0; i < 7; i++) cycle = `fields { type { ${cycle} } }`;
    expect(cost(`{ __schema { types { ${cycle} } } }`)).toBeGreaterThan(DEFAULT_REQUEST_LIMITS.cost);
  });

  it('reads limits from GOVSHARE_LIMITS and refuses typos', () => {
    expect(limitsFromEnv({})).toBe(DEFAULT_REQUEST_LIMITS);
    expect(limitsFromEnv({ GOVSHARE_LIMITS: 'depth=15, cost=100000' })).toMatchObject({ depth: 15, cost: 100_000, aliases: 50 });
    expect(() => limitsFromEnv({ GOVSHARE_LIMITS: 'dept=15' })).toThrow(/unknown limit/);
    expect(() => limitsFromEnv({ GOVSHARE_LIMITS: 'depth=-1' })).toThrow(/positive integer/);
  });
});
