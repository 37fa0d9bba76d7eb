import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postGraphQL, startStack, subgraphDbQueries, type GraphQLResponse, type Stack } from '../support/stack.ts';
import { as } from '../support/tokens.ts';
import { WELL_KNOWN } from '../support/fixtures.ts';

// Finding 9 (and the variable bounds of finding 6): CONTRACT §8 v1.1 limits. Each hostile document is
// refused with QUERY_TOO_COMPLEX, HTTP 400, naming the limit and its value, before any subgraph is
// called, and quickly. The wall-clock bound is generous for CI; the limits are the real guarantee.
const ZHANG = WELL_KNOWN.persons[0]!.idNumber;
const USCC = WELL_KNOWN.enterprises[0]!.uscc;
const DECIDES_WITHIN_MS = 1_000;

describe('limits before analysis (CONTRACT §8)', () => {
  let stack: Stack;
  beforeAll(async () => { stack = await startStack(); });
  afterAll(async () => { await stack?.close(); });

  /** `body` as text sends JSON that `JSON.stringify` might not manage (a 6,000-deep value). */
  async function attempt(query: string, variables?: Record<string, unknown>, body?: string) {
    const before = await subgraphDbQueries(stack.subgraphs);
    const started = performance.now();
    const response = body === undefined
      ? await stack.query(query, variables, await as('tax'))
      : await postGraphQL(`${stack.gatewayUrl}/graphql`, body, await as('tax'));
    const ms = performance.now() - started;
    const after = await subgraphDbQueries(stack.subgraphs);
    return { response, ms, subgraphQueries: after - before };
  }

  function expectRefused({ response, ms, subgraphQueries }: { response: GraphQLResponse; ms: number; subgraphQueries: number }, limit: string, value: number) {
    expect(response.status).toBe(400);
    expect(response.body.data ?? null).toBeNull();
    const error = response.body.errors?.find((e) => e.extensions?.code === 'QUERY_TOO_COMPLEX');
    expect(error, JSON.stringify(response.body).slice(0, 500)).toBeDefined();
    expect(error!.extensions!.limit).toBe(limit);
    expect(error!.extensions!.value).toBe(value);
    expect(error!.message).toContain(String(value));
    expect(ms).toBeLessThan(DECIDES_WITHIN_MS);
    expect(subgraphQueries).toBe(0);
  }

  it('refuses the fragment bomb (20 fragments, each spreading the previous one twice) without expanding it', async () => {
    const fragments = ['fragment F0 on Person { name birthDate }'];
    for (let i = 1; i < 20; i++) fragments.push(`fragment F${i} on Person { ...F${i - 1} ...F${i - 1} }`);
    const bomb = `query Bomb { person(idNumber: "${ZHANG}") { ...F19 } } ${fragments.join(' ')}`;
    expect(bomb.length).toBeLessThan(1024);
    expectRefused(await attempt(bomb), 'fieldSelections', 2000);
  });

  it('refuses a document nested deeper than 12', async () => {
    let selection = 'name';
    for (let i = 0; i < 6; i++) selection = `legalRepresentative { enterprises { ${selection} } }`;
    expectRefused(await attempt(`{ enterprise(uscc: "${USCC}") { ${selection} } }`), 'depth', 12);
  });

  it('counts depth through fragments as if they were expanded', async () => {
    const query = `{ enterprise(uscc: "${USCC}") { ...L } }
      fragment L on Enterprise { legalRepresentative { enterprises { legalRepresentative { enterprises { ...M } } } } }
      fragment M on Enterprise { legalRepresentative { enterprises { legalRepresentative { enterprises { ...N } } } } }
      fragment N on Enterprise { legalRepresentative { enterprises { legalRepresentative { enterprises { name } } } } }`;
    expectRefused(await attempt(query), 'depth', 12);
  });

  it('refuses more than 50 aliases, __typename aliases included', async () => {
    const aliases = Array.from({ length: 51 }, (_, i) => `t${i}: __typename`).join(' ');
    expectRefused(await attempt(`{ person(idNumber: "${ZHANG}") { birthDate ${aliases} } }`), 'aliases', 50);
  });

  it('refuses more than 50 directives', async () => {
    const fields = Array.from({ length: 51 }, () => 'birthDate @include(if: true)').join(' ');
    expectRefused(await attempt(`{ person(idNumber: "${ZHANG}") { ${fields} } }`), 'directives', 50);
  });

  it('refuses a token flood under the size limit', async () => {
    const query = `{ person(idNumber: "${ZHANG}") { ${'name '.repeat(6_000)} } }`;
    expect(Buffer.byteLength(query)).toBeLessThan(64 * 1024);
    expectRefused(await attempt(query), 'tokens', 5000);
  });

  it('refuses a document over 64 KiB', async () => {
    const query = `{ person(idNumber: "${ZHANG}") { birthDate } } # ${'x'.repeat(70_000)}`;
    expectRefused(await attempt(query), 'documentBytes', 64 * 1024);
  });

  it('refuses a cost over 50,000, counting list sizes from the variables', async () => {
    const query = 'query($ids: [ID!]!) { persons(idNumbers: $ids) { name enterprises { name licenses { id number status } } } }';
    // 1 + n × (1 + 1 + 10 × (1 + 1 + 10 × 3)) = 1 + 322 n
    expectRefused(await attempt(query, { ids: Array.from({ length: 200 }, () => ZHANG) }), 'cost', 50_000);
    const small = await attempt(query, { ids: [ZHANG] });
    expect(small.response.status).toBe(200);
    expect(small.response.body.errors).toBeUndefined();
    expect(small.response.body.data.persons).toHaveLength(1);
  });

  it('counts a literal list argument and lists without one (10 by default)', async () => {
    const ids = JSON.stringify(Array.from({ length: 160 }, () => ZHANG));
    expectRefused(await attempt(`{ persons(idNumbers: ${ids}) { name enterprises { name licenses { id number status } } } }`), 'cost', 50_000);
    // No list argument: each list level multiplies by 10. With five license fields the cost is
    // 1 + 1 + (1 + 10 × (1 + 1 + 10 × (1 + 1 + 10 × (1 + 10 × 5)))) = 51,223; with four, 41,223.
    const nested = (fields: string) => `{ enterprise(uscc: "${USCC}") { legalRepresentative { enterprises { legalRepresentative { enterprises { legalRepresentative { enterprises { licenses { ${fields} } } } } } } } } }`;
    expectRefused(await attempt(nested('id number status title issuer')), 'cost', 50_000);
    const under = await attempt(nested('id number status title'));
    expect(under.response.status).toBe(200);
    expect(under.response.body.errors).toBeUndefined();
  });

  it('refuses variables over 1 MiB, even undeclared ones', async () => {
    const big = { ids: Array.from({ length: 60_000 }, () => ZHANG) };
    expect(JSON.stringify(big).length).toBeGreaterThan(1024 * 1024);
    expectRefused(await attempt(`{ person(idNumber: "${ZHANG}") { birthDate } }`, big), 'variablesBytes', 1024 * 1024);
  });

  it('refuses variables nested deeper than 32, declared or not', async () => {
    const query = `{ person(idNumber: "${ZHANG}") { birthDate } }`;
    const deep = `{"query":${JSON.stringify(query)},"variables":{"unused":${'{"a":'.repeat(6_000)}"x"${'}'.repeat(6_000)}}}`;
    expectRefused(await attempt(query, undefined, deep), 'variablesDepth', 32);
    let claim: unknown = ZHANG;
    for (let i = 0; i < 40; i++) claim = [claim];
    expectRefused(await attempt('query($ids: [ID!]!) { persons(idNumbers: $ids) { birthDate } }', { ids: claim }), 'variablesDepth', 32);
  });

  it('still serves an ordinary query, and the standard introspection query', async () => {
    const ok = await attempt(`{ person(idNumber: "${ZHANG}") { name birthDate enterprises { name creditRating } } }`);
    expect(ok.response.status).toBe(200);
    expect(ok.response.body.errors).toBeUndefined();
    const { getIntrospectionQuery } = await import('graphql');
    const introspection = await stack.query(getIntrospectionQuery({ descriptions: true, inputValueDeprecation: true, specifiedByUrl: true, directiveIsRepeatable: true, schemaDescription: true }), {}, await as('tax'));
    expect(introspection.status).toBe(200);
    expect(introspection.body.errors).toBeUndefined();
    expect(introspection.body.data.__schema.types.length).toBeGreaterThan(10);
  });
});
