import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { persons } from '../subgraphs/sample-data/index.ts';
import { startStack, subgraphDbQueries, type Stack } from './support/stack.ts';
import { TEST_SAMPLE } from './support/sample.ts';
import { grant } from './support/grants.ts';
import { as } from './support/tokens.ts';

const QUERY = `query($ids: [ID!]!) { persons(idNumbers: $ids) {
  pension { status } properties { area } enterprises { creditRating } } }`;

function firstIds(n: number): string[] {
  const ids: string[] = [];
  for (const p of persons(TEST_SAMPLE)) { ids.push(p.idNumber); if (ids.length === n) break; }
  return ids;
}

describe('a list of N entities costs O(1) database round trips per subgraph', () => {
  let stack: Stack;
  let headers: Record<string, string>;
  beforeAll(async () => {
    stack = await startStack({ transport: 'inject' });
    await grant(stack, 'tax', ['Person.pension', 'Person.properties', 'Property.area'], { purpose: '批量核查' });
    headers = await as('tax', { purpose: '批量核查' });
    // The first lookup of a consumer each day loads its unknown-key count (kit/lookup-budget.ts): once
    // per consumer, day and process, not per request. Warm it so the tests below count the lookups alone.
    const { body } = await stack.query(QUERY, { ids: firstIds(1) }, headers);
    expect(body.errors).toBeUndefined();
  });
  afterAll(async () => { await stack?.close(); });

  async function queriesFor(ids: string[]) {
    const before = await subgraphDbQueries(stack.subgraphs);
    const { body } = await stack.query(QUERY, { ids }, headers);
    expect(body.errors).toBeUndefined();
    expect(body.data.persons).toHaveLength(ids.length);
    expect(body.data.persons.every((p: unknown) => p !== null)).toBe(true);
    return (await subgraphDbQueries(stack.subgraphs)) - before;
  }

  it('200 persons cost the same number of subgraph DB queries as 2', async () => {
    const two = await queriesFor(firstIds(2));
    const many = await queriesFor(firstIds(200));
    expect(two).toBeGreaterThan(0);
    expect(many).toBe(two);
  });

  it('counts every query: the counter moves with the work done', async () => {
    const before = await subgraphDbQueries(stack.subgraphs);
    await stack.query('query($id: ID!) { person(idNumber: $id) { birthDate } }', { id: firstIds(1)[0] }, headers);
    expect((await subgraphDbQueries(stack.subgraphs)) - before).toBe(1);
  });
});
