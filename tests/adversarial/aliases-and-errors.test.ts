import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql, parse } from 'graphql';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { maskValue } from '../../schema/masking.ts';
import { withShareDirectives } from '../../schema/share-sdl.ts';
import { startStack, STATE_KINDS, type Stack } from '../support/stack.ts';
import { as } from '../support/tokens.ts';
import { WELL_KNOWN } from '../support/fixtures.ts';
import { ATTACKER_LINK, startRecordingServer, taxResource, type RecordingServer } from '../support/attackers/recording-subgraph.ts';

// Findings 5 and 13: aliases that collide with the planner's keys, values in error messages, and
// internal addresses in errors. CONTRACT §3 rule 6, §8.
const ENTERPRISE = WELL_KNOWN.enterprises[0]!;
const REPRESENTATIVE = WELL_KNOWN.persons.find((p) => p.idNumber === ENTERPRISE.legalRepresentative)!;
const RAW = [REPRESENTATIVE.idNumber, REPRESENTATIVE.name, REPRESENTATIVE.mobile, REPRESENTATIVE.householdAddress] as string[];

function expectNoRaw(text: string) {
  for (const value of RAW) expect(text, `${value} leaked`).not.toContain(value);
  // A value the ID mask would give back in part is no better.
  expect(text).not.toContain(REPRESENTATIVE.idNumber.slice(0, 14));
}

describe.each(STATE_KINDS)('aliases and error texts (%s state)', (stateKind) => {
  let stack: Stack;
  const servers: RecordingServer[] = [];
  beforeAll(async () => { stack = await startStack({ state: stateKind, transport: 'inject' }); });
  afterAll(async () => { for (const s of servers) await s.close(); await stack?.close(); });
  const ask = async (query: string, department = 'housing') => stack.query(query, {}, await as(department));

  describe('an alias may not take the name of another field or of a key (§3 rule 6)', () => {
    it.each([
      ['an alias named like the entity key, over a list', `{ enterprise(uscc: "${ENTERPRISE.uscc}") { legalRepresentative { idNumber: enterprises { uscc } dishonestDebtor } } }`],
      ['a key alias over an unmasked field', `{ enterprise(uscc: "${ENTERPRISE.uscc}") { legalRepresentative { idNumber: ethnicity } } }`],
      ['another field\'s name', `{ enterprise(uscc: "${ENTERPRISE.uscc}") { legalRepresentative { name: birthDate } } }`],
      ['a key alias in a fragment', `{ enterprise(uscc: "${ENTERPRISE.uscc}") { legalRepresentative { ...F } } } fragment F on Person { idNumber: gender }`],
      ['a key alias on the enterprise side', `{ person(idNumber: "${REPRESENTATIVE.idNumber}") { enterprises { uscc: name } } }`],
      ['a reserved __typename alias', `{ enterprise(uscc: "${ENTERPRISE.uscc}") { legalRepresentative { __typename: name } } }`],
      ['a root field\'s name', `{ persons: person(idNumber: "${REPRESENTATIVE.idNumber}") { birthDate } }`],
    ])('refuses %s with GRAPHQL_VALIDATION_FAILED and leaks nothing', async (_, query) => {
      const { status, body } = await ask(query);
      // GraphQL over HTTP: a document that fails validation is a 200 under application/json (400 under application/graphql-response+json).
      expect(status).toBe(200);
      expect(body.data ?? null).toBeNull();
      expect(body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
      expectNoRaw(JSON.stringify(body));
    });

    it('keeps ordinary aliases working, and masks follow the coordinate under them, in fragments and in lists', async () => {
      const { status, body } = await ask(`{
        one: enterprise(uscc: "${ENTERPRISE.uscc}") { boss: legalRepresentative { who: name id: idNumber ...Born } }
        all: enterprises(usccs: ["${ENTERPRISE.uscc}", "${ENTERPRISE.uscc}"]) { legalRepresentative { ... on Person { n: name } } }
      } fragment Born on Person { b: birthDate alsoName: name }`);
      expect(status).toBe(200);
      expect(body.errors).toBeUndefined();
      const masked = maskValue('NAME', REPRESENTATIVE.name);
      expect(body.data.one.boss).toEqual({ who: masked, id: maskValue('ID_NUMBER', REPRESENTATIVE.idNumber), b: REPRESENTATIVE.birthDate, alsoName: masked });
      expect(body.data.all).toEqual([{ legalRepresentative: { n: masked } }, { legalRepresentative: { n: masked } }]);
      expectNoRaw(JSON.stringify(body));
    });
  });

  describe('a provider\'s error texts never reach the consumer (§3 rule 6)', () => {
    // A published subgraph that echoes the raw key the planner sends it: in an error message, in
    // error extensions and paths, and as an enum value the gateway cannot serialise.
    let provider: RecordingServer;
    beforeAll(async () => {
      const sdl = `${ATTACKER_LINK}
        enum Level { A B }
        type Person @key(fields: "idNumber") ${taxResource('TAX-LEAK')} {
          idNumber: ID!
          leakyNote: String @share(type: UNCONDITIONAL)
          leakyLevel: Level @share(type: UNCONDITIONAL)
          leakyKind: Level @share(type: UNCONDITIONAL)
        }`;
      const schema = buildSubgraphSchema({ typeDefs: parse(withShareDirectives(sdl)), resolvers: {
        // graphql-js at the subgraph then reports `Enum "Level" cannot represent value: "<the raw key>"`.
        Person: { __resolveReference: (ref: { idNumber: string }) => ref, leakyLevel: (ref: { idNumber: string }) => ref.idNumber },
      } as never });
      provider = await startRecordingServer(async (text) => {
        const { query, variables } = JSON.parse(text || '{}');
        if (String(query).includes('_service') || String(query).includes('leakyLevel')) return { status: 200, body: JSON.stringify(await graphql({ schema, source: query, variableValues: variables })) };
        const reps: Array<{ idNumber: string }> = variables?.representations ?? [];
        if (String(query).includes('leakyNote')) {
          return { status: 200, body: JSON.stringify({
            data: { _entities: reps.map(() => ({ __typename: 'Person', leakyNote: null })) },
            errors: reps.map((r, i) => ({
              message: `no tax record for ${r.idNumber} (${REPRESENTATIVE.mobile})`, path: ['_entities', i, r.idNumber],
              extensions: { code: 'BAD_USER_INPUT', idNumber: r.idNumber, stack: [`at lookup(${r.idNumber})`], reason: r.idNumber, retryAfter: Number(REPRESENTATIVE.mobile) },
            })),
          }) };
        }
        // A value the gateway cannot complete, and no error: @apollo/gateway reports it in extensions.valueCompletion.
        return { status: 200, body: JSON.stringify({ data: { _entities: reps.map((r) => ({ __typename: 'Person', leakyKind: r.idNumber })) } }) };
      });
      servers.push(provider);
      const published = await stack.query('mutation($u: String!) { publishSubgraph(name: "tax-leak", url: $u) { ok errors { code message } } }',
        { u: provider.url }, await as('tax', { roles: ['provider'] }));
      expect(published.body.data.publishSubgraph).toMatchObject({ ok: true });
    });

    it('replaces a subgraph error\'s message, extensions and path with the gateway\'s own, keeping a §8 refusal code', async () => {
      const { status, body } = await ask(`{ enterprise(uscc: "${ENTERPRISE.uscc}") { name legalRepresentative { leakyNote } } }`);
      expect(status).toBe(200);
      expect(body.data.enterprise.name).toBe(ENTERPRISE.name);
      expect(provider.received.some((r) => r.body.includes(REPRESENTATIVE.idNumber))).toBe(true); // the key did reach it
      const error = body.errors?.[0];
      expect(error?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(error?.extensions?.provider).toBe('tax');
      expect(error?.message).toContain('enterprise.legalRepresentative');
      expect(Object.keys(error?.extensions ?? {}).sort()).toEqual(['code', 'provider', 'serviceName', 'subgraph']);
      expectNoRaw(JSON.stringify(body));
    });

    it('replaces the subgraph\'s own value-completion error, which quotes the value', async () => {
      const { status, body } = await ask(`{ enterprise(uscc: "${ENTERPRISE.uscc}") { name legalRepresentative { leakyLevel } } }`);
      expect(status).toBe(200);
      expect(body.data.enterprise.legalRepresentative.leakyLevel).toBeNull();
      expect(body.errors?.[0]?.extensions?.code).toBe('SUBGRAPH_UNREACHABLE');
      expect(body.errors?.[0]?.message).toContain('leakyLevel');
      expectNoRaw(JSON.stringify(body));
    });

    it('keeps the gateway\'s value-completion reports to a generic message and the path, without codes outside §8', async () => {
      const { status, body } = await ask(`{ enterprise(uscc: "${ENTERPRISE.uscc}") { name legalRepresentative { leakyKind } } }`);
      expect(status).toBe(200);
      expect(body.data.enterprise.legalRepresentative.leakyKind).toBeNull();
      const completion = (body as { extensions?: { valueCompletion?: unknown[] } }).extensions?.valueCompletion;
      expect(completion).toEqual([{ message: expect.stringContaining('enterprise.legalRepresentative.leakyKind'), path: ['enterprise', 'legalRepresentative', 'leakyKind'] }]);
      expectNoRaw(JSON.stringify(body));
    });
  });

  it('names the provider of a dead subgraph, never its host or port (finding 13)', async () => {
    const credit = stack.subgraphs.find((s) => s.name === 'credit')!;
    const port = new URL(credit.url).port;
    await credit.app.close();
    const { status, body } = await ask(`{ person(idNumber: "${REPRESENTATIVE.idNumber}") { birthDate dishonestDebtor } }`);
    const text = JSON.stringify(body);
    expect(status).toBe(200);
    expect(body.data.person.birthDate).toBe(REPRESENTATIVE.birthDate);
    expect(body.data.person.dishonestDebtor).toBeNull();
    expect(body.errors?.[0]?.extensions?.code).toBe('SUBGRAPH_UNREACHABLE');
    expect(body.errors?.[0]?.extensions?.provider).toBe('development-reform');
    for (const internal of ['127.0.0.1', 'localhost', 'ECONNREFUSED', `:${port}`, port]) expect(text).not.toContain(internal);
  });
});
