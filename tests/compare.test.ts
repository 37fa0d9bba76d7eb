import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeSupergraph } from '../gateway/composition/compose-supergraph.ts';
import { createSubgraphServer, defineSubgraph, subgraphSdl, type Sql } from '../subgraphs/kit/index.ts';
import {
  MAX_CLAIMS, matchAddress, matchDate, matchIdentifier, matchName, normalizeDate, normalizeIdentifier,
} from '../subgraphs/kit/compare-normalize.ts';
import { persons } from '../subgraphs/sample-data/index.ts';
import { postGraphQL, startStack, STATE_KINDS, subgraphDbQueries, type Stack } from './support/stack.ts';
import { grant } from './support/grants.ts';
import { as } from './support/tokens.ts';
import { WELL_KNOWN, personById } from './support/fixtures.ts';
import { TEST_SAMPLE } from './support/sample.ts';

const ZHANG = '43010219850312123X';
const LI = '43010419900101567X';
const LIU = '43011119750520345X';
const WANG = '430105197806152345';
const ABSENT = WELL_KNOWN.absentPersons[0]!;
const zhang = personById(ZHANG);

const VERIFY_PERSONS = `query VerifyPersons($claims: [PersonClaim!]!) {
  verifyPersons(claims: $claims) { index found nameMatches birthDateMatches addressMatches limited } }`;
const VERIFY_ENTERPRISES = `query VerifyEnterprises($claims: [EnterpriseClaim!]!) {
  verifyEnterprises(claims: $claims) { index found nameMatches legalRepresentativeMatches active limited } }`;
const VERIFY_OWNERSHIP = `query VerifyOwnership($claims: [OwnershipClaim!]!) {
  verifyPropertyOwnership(claims: $claims) { index ownsProperty propertyCount limited } }`;
const COMPARE_FIELDS = ['Query.verifyPersons', 'Query.verifyEnterprises', 'Query.verifyPropertyOwnership'];
const CONSUMER = 'civil-affairs';
const PURPOSE = '低保核对';

describe('comparison rules (kit/compare-normalize.ts)', () => {
  it('normalises keys: trimmed, full-width to half-width, upper case', () => {
    expect(normalizeIdentifier(' ４３０１０２１９８５０３１２１２３ｘ ')).toBe(ZHANG);
    expect(normalizeIdentifier('91430100ma4l00011k')).toBe('91430100MA4L00011K');
    expect(matchIdentifier('43010219850312123x', ZHANG)).toBe(true);
  });

  it('compares names after trimming and NFKC', () => {
    expect(matchName(' 张伟　', '张伟')).toBe(true);
    expect(matchName('张 伟', '张伟')).toBe(false);
    expect(matchName('ＡＢＣ', 'ABC')).toBe(true);
  });

  it('compares dates as dates in four forms; an unparseable or impossible date is false', () => {
    for (const claimed of ['1985-03-12', '1985/03/12', '19850312', '1985年3月12日', '１９８５年０３月１２日', ' 1985-3-12 ']) {
      expect(matchDate(claimed, '1985-03-12'), claimed).toBe(true);
    }
    for (const claimed of ['1985-03-13', '12/03/1985', '1985-02-30', '1985', 'yesterday']) {
      expect(matchDate(claimed, '1985-03-12'), claimed).toBe(false);
    }
    expect(normalizeDate('2000年2月29日')).toBe('2000-02-29');
    expect(normalizeDate('1900-02-29')).toBeNull();
  });

  it('compares addresses without whitespace and punctuation', () => {
    expect(matchAddress('湖南省 长沙市，芙蓉区（五一大道）1号。', '湖南省长沙市芙蓉区五一大道1号')).toBe(true);
    expect(matchAddress('湖南省长沙市芙蓉区五一大道1-号', '湖南省长沙市芙蓉区五一大道1号')).toBe(true);
    expect(matchAddress('湖南省长沙市芙蓉区五一大道2号', '湖南省长沙市芙蓉区五一大道1号')).toBe(false);
  });

  it('leaves an unstated field unanswered (null) and answers false where the register has nothing', () => {
    expect(matchName(null, '张伟')).toBeNull();
    expect(matchName(undefined, '张伟')).toBeNull();
    expect(matchName('  ', '张伟')).toBeNull();
    expect(matchAddress('湖南省', null)).toBe(false);
  });
});

describe('a @compare field whose result carries a provider value', () => {
  const leaky = defineSubgraph({
    name: 'leaky', dbSchema: 'leaky', port: 0, ddl: '', loaders: () => ({}), resolvers: {},
    sdl: `
      type Query {
        verifyLeaky(ids: [ID!]!): [LeakyVerification!]! @share(type: CONDITIONAL, condition: "测试") @compare
      }
      type LeakyVerification
        @resource(code: "TST-LEAKY", name: "测试", category: DEPARTMENT, provider: "tax", updateCycle: "实时") {
        index: Int! @share(type: CONDITIONAL)
        found: Boolean! @share(type: CONDITIONAL)
        realName: String @share(type: CONDITIONAL)
      }`,
  });

  it('is refused at composition with INVALID_COMPARE_RESULT', () => {
    const result = composeSupergraph([{ name: 'leaky', sdl: subgraphSdl(leaky), url: 'http://leaky.test/graphql' }]);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toContainEqual(expect.objectContaining({ code: 'INVALID_COMPARE_RESULT', coordinate: 'Query.verifyLeaky' }));
  });

  it('is refused at the subgraph\'s own start-up, naming the coordinate', async () => {
    const sql: Sql = { query: async () => [], exec: async () => {} };
    const start = createSubgraphServer({ definition: leaky, sql, gatewayKeys: { jwksUrl: 'http://127.0.0.1:9/jwks.json' } });
    await expect(start).rejects.toThrow(/INVALID_COMPARE_RESULT.*Query\.verifyLeaky/);
    await expect(start).rejects.toThrow(/LeakyVerification\.realName/);
  });

  it('is not the only rule checked at start-up: an unclassified field is refused too', async () => {
    const sql: Sql = { query: async () => [], exec: async () => {} };
    const unclassified = { ...leaky, sdl: leaky.sdl.replace('realName: String @share(type: CONDITIONAL)', 'matched: Boolean') };
    await expect(createSubgraphServer({ definition: unclassified, sql, gatewayKeys: { jwksUrl: 'http://127.0.0.1:9/jwks.json' } }))
      .rejects.toThrow(/UNCLASSIFIED_FIELD at LeakyVerification\.matched/);
  });
});

describe.each(STATE_KINDS)('comparisons through the gateway (%s state)', (stateKind) => {
  let stack: Stack;
  let headers: Record<string, string>;
  beforeAll(async () => {
    stack = await startStack({ state: stateKind, transport: 'inject' });
    await grant(stack, CONSUMER, COMPARE_FIELDS, { purpose: PURPOSE });
    headers = await as(CONSUMER, { purpose: PURPOSE });
  });
  afterAll(async () => { await stack?.close(); });

  const verify = async (query: string, claims: unknown[]) => {
    const { body } = await stack.query(query, { claims }, headers);
    expect(body.errors).toBeUndefined();
    return Object.values(body.data)[0] as Array<Record<string, unknown>>;
  };

  it('verifies persons: match, mismatches, absent, lowercase x, full-width digits, key only', async () => {
    const full = { name: zhang.name, birthDate: zhang.birthDate, householdAddress: zhang.householdAddress };
    const results = await verify(VERIFY_PERSONS, [
      { idNumber: ZHANG, ...full },
      { idNumber: ZHANG, ...full, name: '张伟伟' },
      { idNumber: ZHANG, ...full, birthDate: '1985-03-13' },
      { idNumber: ABSENT, ...full },
      { idNumber: '43010219850312123x', ...full },
      { idNumber: '４３０１０２１９８５０３１２１２３Ｘ', ...full },
      { idNumber: ZHANG },
      { idNumber: ZHANG, name: ' 张伟 ', birthDate: '1985年3月12日', householdAddress: '湖南省长沙市 芙蓉区，五一大道1号' },
      { idNumber: ZHANG, birthDate: 'not a date', householdAddress: '湖南省长沙市芙蓉区五一大道2号' },
    ]);
    const flags = (found: boolean, name: boolean | null, birth: boolean | null, address: boolean | null) =>
      ({ found, nameMatches: name, birthDateMatches: birth, addressMatches: address, limited: false });
    expect(results).toEqual([
      flags(true, true, true, true),
      flags(true, false, true, true),
      flags(true, true, false, true),
      flags(false, null, null, null),
      flags(true, true, true, true),
      flags(true, true, true, true),
      flags(true, null, null, null),
      flags(true, true, true, true),
      flags(true, null, false, false),
    ].map((r, index) => ({ index, ...r })));
  });

  it('matches every generated person against its own register entry', async () => {
    const all = [...persons(TEST_SAMPLE)];
    const results = await verify(VERIFY_PERSONS, all.map((p) => ({
      idNumber: p.idNumber, name: p.name, birthDate: p.birthDate, householdAddress: p.householdAddress,
    })));
    expect(results).toHaveLength(all.length);
    expect(results.every((r, i) => r.index === i && r.found && r.nameMatches && r.birthDateMatches && r.addressMatches && r.limited === false)).toBe(true);
  });

  it('verifies property ownership for an owner, a co-owner and a non-owner', async () => {
    const sole = WELL_KNOWN.properties.find((p) => p.owners.length === 1)!.owners[0];
    const joint = WELL_KNOWN.properties.find((p) => p.owners.length > 1)!.owners;
    expect(sole).toBe(LIU);
    expect(joint).toEqual([ZHANG, LI]);
    expect(await verify(VERIFY_OWNERSHIP, [{ idNumber: LIU }, { idNumber: LI }, { idNumber: ZHANG.toLowerCase() }, { idNumber: WANG }, { idNumber: ABSENT }]))
      .toEqual([
        { index: 0, ownsProperty: true, propertyCount: 1, limited: false },
        { index: 1, ownsProperty: true, propertyCount: 1, limited: false },
        { index: 2, ownsProperty: true, propertyCount: 1, limited: false },
        { index: 3, ownsProperty: false, propertyCount: 0, limited: false },
        { index: 4, ownsProperty: false, propertyCount: 0, limited: false },
      ]);
  });

  it('verifies enterprises: revoked, legal representative, absent', async () => {
    const [star, revoked] = [WELL_KNOWN.enterprises[0]!, WELL_KNOWN.enterprises.find((e) => e.status === 'REVOKED')!];
    expect(await verify(VERIFY_ENTERPRISES, [
      { uscc: revoked.uscc, name: revoked.name },
      { uscc: star.uscc.toLowerCase(), name: star.name, legalRepresentativeIdNumber: '43010219850312123x' },
      { uscc: star.uscc, legalRepresentativeIdNumber: LI },
      { uscc: WELL_KNOWN.absentEnterprises[0], name: star.name, legalRepresentativeIdNumber: ZHANG },
    ])).toEqual([
      { index: 0, found: true, nameMatches: true, legalRepresentativeMatches: null, active: false, limited: false },
      { index: 1, found: true, nameMatches: true, legalRepresentativeMatches: true, active: true, limited: false },
      { index: 2, found: true, nameMatches: null, legalRepresentativeMatches: false, active: true, limited: false },
      { index: 3, found: false, nameMatches: null, legalRepresentativeMatches: null, active: null, limited: false },
    ]);
  });

  it('answers an empty list with an empty list', async () => {
    expect(await verify(VERIFY_PERSONS, [])).toEqual([]);
  });

  it('refuses a department without a grant (SHARE_DENIED naming the resource) and a grant without purpose', async () => {
    const denied = await stack.query(VERIFY_PERSONS, { claims: [{ idNumber: ZHANG }] }, await as('tax', { purpose: PURPOSE }));
    expect(denied.body.data ?? null).toBeNull();
    expect(denied.body.errors?.[0]?.extensions?.code).toBe('SHARE_DENIED');
    expect(denied.body.errors?.[0]?.extensions?.denied).toEqual([expect.objectContaining({
      coordinate: 'Query.verifyPersons', resource: 'POP-PERSON', provider: 'public-security' })]);
    const noPurpose = await stack.query(VERIFY_PERSONS, { claims: [{ idNumber: ZHANG }] }, await as(CONSUMER));
    expect(noPurpose.body.data ?? null).toBeNull();
    expect(noPurpose.body.errors?.[0]?.extensions?.code).toBe('PURPOSE_REQUIRED');
  });

  it('keeps claim values out of the audit log, whether sent as variables or inline', async () => {
    const generated = [...persons(TEST_SAMPLE)].slice(40, 43);
    const sent = [zhang, ...generated];
    await verify(VERIFY_PERSONS, sent.map((p) => ({ idNumber: p.idNumber, name: p.name, birthDate: p.birthDate })));
    const inline = sent.map((p) => `{ idNumber: "${p.idNumber}", name: "${p.name}", householdAddress: "${p.householdAddress}" }`).join(', ');
    const { body } = await stack.query(`query InlineClaims { verifyPersons(claims: [${inline}]) { index found nameMatches } }`, {}, headers);
    expect(body.errors).toBeUndefined();
    expect(body.data.verifyPersons).toHaveLength(sent.length);
    const ownership = await verify(VERIFY_OWNERSHIP, sent.map((p) => ({ idNumber: p.idNumber.toLowerCase() })));
    expect(ownership).toHaveLength(sent.length);

    const page = await stack.state.audit.page({ first: 500, visibleTo: 'all' });
    expect(page.records.some((r) => r.operationName === 'InlineClaims' && r.fields.includes('Query.verifyPersons'))).toBe(true);
    const stored = JSON.stringify(page.records);
    for (const p of sent) {
      for (const value of [p.idNumber, p.idNumber.toLowerCase(), p.idNumber.slice(0, 14), p.name, p.householdAddress]) {
        expect(stored, `${value} in the audit log`).not.toContain(value);
      }
    }
  });

  it('reads a batch with one SQL query, whatever its size', async () => {
    const ids = [...persons(TEST_SAMPLE)].map((p) => p.idNumber);
    const claims = (n: number) => Array.from({ length: n }, (_, i) => ({ idNumber: i % 7 === 3 ? `${ABSENT.slice(0, 14)}${String(i % 1000).padStart(4, '0')}` : ids[i % ids.length]! }));
    const queriesFor = async (n: number) => {
      const before = await subgraphDbQueries(stack.subgraphs);
      const results = await verify(VERIFY_PERSONS, claims(n));
      const after = await subgraphDbQueries(stack.subgraphs);
      expect(results).toHaveLength(n);
      return after - before;
    };
    const one = await queriesFor(1);
    const many = await queriesFor(5000);
    expect(one).toBe(1);
    expect(many).toBe(one);
  });

  it('with claimed values, adds one statement for the claim limit (kit/claim-limits.ts), whatever the batch size', async () => {
    const people = [...persons(TEST_SAMPLE)];
    const claims = (n: number) => Array.from({ length: n }, (_, i) => ({ idNumber: people[i % people.length]!.idNumber, name: people[i % people.length]!.name }));
    const queriesFor = async (n: number) => {
      const before = await subgraphDbQueries(stack.subgraphs);
      const results = await verify(VERIFY_PERSONS, claims(n));
      expect(results.every((r) => r.nameMatches === true && r.limited === false)).toBe(true);
      return (await subgraphDbQueries(stack.subgraphs)) - before;
    };
    expect(await queriesFor(1)).toBe(2);
    expect(await queriesFor(5000)).toBe(2);
  });

  it(`refuses more than ${MAX_CLAIMS.toLocaleString('en-US')} claims with BAD_USER_INPUT naming the limit`, async () => {
    // Only `index` is selected: with every flag, 10,001 results would exceed the gateway's cost limit (§8) first.
    const only = (field: string, type: string) => `query Over($claims: [${type}!]!) { ${field}(claims: $claims) { index } }`;
    const fields = [
      ['population', 'verifyPersons', 'PersonClaim', 'idNumber'], ['legal-entity', 'verifyEnterprises', 'EnterpriseClaim', 'uscc'],
      ['housing', 'verifyPropertyOwnership', 'OwnershipClaim', 'idNumber'],
    ] as const;
    for (const [subgraph, field, type, key] of fields) {
      const claims = Array.from({ length: MAX_CLAIMS + 1 }, () => ({ [key]: key === 'uscc' ? WELL_KNOWN.enterprises[0]!.uscc : ZHANG }));
      const { body } = await stack.query(only(field, type), { claims }, headers);
      expect(body.data ?? null).toBeNull();
      expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      // The provider's own message names the limit (the gateway may pass on a generic one, §3.6).
      const url = stack.subgraphs.find((s) => s.name === subgraph)!.url;
      const request = JSON.stringify({ query: only(field, type), variables: { claims } });
      const signature = await stack.keys.signer.sign({ aud: subgraph, rid: 'compare-test', sub: CONSUMER, pur: PURPOSE, fld: [`Query.${field}`] }, request);
      const direct = await postGraphQL(url, request, { 'x-govshare-signature': signature });
      expect(direct.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(direct.body.errors?.[0]?.message).toContain('10,000');
    }
  });
});
