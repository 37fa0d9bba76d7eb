import { describe, expect, it } from 'vitest';
import { buildSchema, parse, type OperationDefinitionNode } from 'graphql';
import { analyseOperation, exceededLimit, DEFAULT_LIMITS } from '../gateway/pipeline/analyse.ts';
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

function analyse(query: string) {
  const document = parse(query);
  return analyseOperation(schema, document, document.definitions.find((d) => d.kind === 'OperationDefinition') as OperationDefinitionNode, model);
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

  it('measures depth and aliases against the limits', () => {
    const a = analyse(`{ ${Array.from({ length: 101 }, (_, i) => `p${i}: party(id: "1") { id }`).join(' ')} }`);
    expect(a.aliases).toBe(101);
    expect(exceededLimit(a, DEFAULT_LIMITS)).toContain('aliases');
  });
});
