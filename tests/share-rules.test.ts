import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAMPLE_SUBGRAPHS } from '../subgraphs/samples.ts';
import { maskValue } from '../schema/masking.ts';
import { startStack, STATE_KINDS, type Stack } from './support/stack.ts';
import { grant } from './support/grants.ts';
import { as } from './support/tokens.ts';
import { WELL_KNOWN, personById, enterpriseByUscc } from './support/fixtures.ts';
import { CONTACT_BANK_CARDS, CONTACT_EMAILS, contactSubgraph } from './support/contact-subgraph.ts';

const ZHANG = '43010219850312123X';
const zhang = personById(ZHANG);
const MOBILE_DENIAL = { coordinate: 'Person.mobile', resource: 'POP-PERSON', provider: 'public-security' };

describe.each(STATE_KINDS)('share rules through the gateway (%s state)', (stateKind) => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ state: stateKind, definitions: [...SAMPLE_SUBGRAPHS, contactSubgraph], transport: 'inject' });
  });
  afterAll(async () => { await stack?.close(); });

  const ask = async (department: string, query: string, variables: Record<string, unknown> = {}, purpose?: string) =>
    stack.query(query, variables, await as(department, purpose === undefined ? {} : { purpose }));

  function expectDenied(result: Awaited<ReturnType<typeof ask>>, coordinates: string[]) {
    expect(result.body.data ?? null).toBeNull();
    const error = result.body.errors?.[0];
    expect(error?.extensions?.code).toBe('SHARE_DENIED');
    expect(error?.extensions?.denied.map((d: { coordinate: string }) => d.coordinate).sort()).toEqual([...coordinates].sort());
  }

  describe('without a grant', () => {
    it('serves UNCONDITIONAL fields, masked where the catalog says so', async () => {
      const { body } = await ask('tax', `{ person(idNumber: "${ZHANG}") { idNumber name gender birthDate } }`);
      expect(body.data.person).toEqual({
        idNumber: '4****************X', name: '张*', gender: zhang.gender, birthDate: zhang.birthDate,
      });
    });

    it('refuses a CONDITIONAL field naming the resource, the provider and the condition', async () => {
      const result = await ask('tax', `{ person(idNumber: "${ZHANG}") { name mobile } }`, {}, '低保审核');
      expectDenied(result, ['Person.mobile']);
      expect(result.body.errors![0]!.extensions!.denied[0]).toMatchObject(MOBILE_DENIAL);
      expect(result.body.errors![0]!.extensions!.denied[0].condition).toBeTruthy();
      expect(result.body.errors![0]!.message).toContain('POP-PERSON');
      expect(result.body.errors![0]!.message).toContain('public-security');
    });

    it.each([
      ['an alias', `{ person(idNumber: "${ZHANG}") { phone: mobile } }`],
      ['a named fragment', `query { person(idNumber: "${ZHANG}") { ...P } } fragment P on Person { mobile }`],
      ['an inline fragment', `{ person(idNumber: "${ZHANG}") { ... on Person { mobile } } }`],
      ['a nested fragment in a fragment', `query { person(idNumber: "${ZHANG}") { ...A } } fragment A on Person { ...B } fragment B on Person { name mobile }`],
      ['@skip(if: true)', `{ person(idNumber: "${ZHANG}") { name mobile @skip(if: true) } }`],
      ['@include with a variable set to false', `query($no: Boolean!) { person(idNumber: "${ZHANG}") { name mobile @include(if: $no) } }`],
      ['__typename beside it', `{ person(idNumber: "${ZHANG}") { __typename t2: __typename mobile } }`],
      ['a second root field', `{ a: person(idNumber: "${ZHANG}") { name } b: persons(idNumbers: ["${ZHANG}"]) { mobile } }`],
      ['a path through another subgraph', `{ enterprise(uscc: "91430100MA4L00011K") { legalRepresentative { mobile } } }`],
    ])('refuses %s', async (_, query) => {
      expectDenied(await ask('tax', query, { no: false }, '低保审核'), ['Person.mobile']);
    });

    it('lists every refused field at once, and serves nothing of the rest', async () => {
      const result = await ask('tax', `{ person(idNumber: "${ZHANG}") { name mobile householdAddress pension { status } properties { area } } }`, {}, '审核');
      expectDenied(result, ['Person.mobile', 'Person.householdAddress', 'Person.pension', 'Person.properties', 'Property.area']);
      const pension = result.body.errors![0]!.extensions!.denied.find((d: { coordinate: string }) => d.coordinate === 'Person.pension');
      expect(pension).toMatchObject({ resource: 'SOC-INSURANCE', provider: 'human-resources' });
    });

    it('offers no way to _entities or _service through the gateway', async () => {
      const entities = await ask('tax', `{ _entities(representations: [{ __typename: "Person", idNumber: "${ZHANG}" }]) { ... on Person { mobile } } }`);
      expect(entities.body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(entities.body.data).toBeUndefined();
      const service = await ask('tax', '{ _service { sdl } }');
      expect(service.body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(JSON.stringify(service.body)).not.toContain('securityNote');
    });

    it('shows CONDITIONAL fields in introspection with their condition', async () => {
      const { body } = await ask('tax', '{ __type(name: "Person") { fields { name description } } }');
      const mobile = body.data.__type.fields.find((f: { name: string }) => f.name === 'mobile');
      expect(mobile.description).toContain('CONDITIONAL');
      expect(mobile.description).toContain('须说明办理事项');
    });
  });

  describe('with a grant', () => {
    beforeAll(async () => {
      await grant(stack, 'civil-affairs', ['Person.mobile', 'Person.householdAddress', 'Person.properties', 'Property.address', 'Property.owners', 'Property.area', 'Enterprise.contactPhone', 'Person.pension', 'Person.bankCard', 'Person.email'], { purpose: '低保审核' });
      await grant(stack, 'housing', ['Person.mobile', 'Person.householdAddress', 'Property.address', 'Person.bankCard', 'Person.email', 'Enterprise.contactPhone'], { raw: true, purpose: '住房保障审核' });
    });

    it('needs a purpose', async () => {
      const result = await ask('civil-affairs', `{ person(idNumber: "${ZHANG}") { mobile } }`);
      expect(result.body.errors?.[0]?.extensions?.code).toBe('PURPOSE_REQUIRED');
      expect(result.body.data ?? null).toBeNull();
    });

    it('takes the purpose from extensions.purpose as well', async () => {
      const response = await fetch(`${stack.gatewayUrl}/graphql`, {
        method: 'POST', headers: { 'content-type': 'application/json', ...(await as('civil-affairs')) },
        body: JSON.stringify({ query: `{ person(idNumber: "${ZHANG}") { mobile } }`, extensions: { purpose: '低保审核' } }),
      });
      expect(((await response.json()) as any).data.person.mobile).toBe('138****8000');
    });

    it('serves masked values for every mask rule, at every depth', async () => {
      const { body } = await ask('civil-affairs', `{
        person(idNumber: "${ZHANG}") { idNumber name mobile householdAddress bankCard email
          properties { address owners { idNumber name } } }
        enterprise(uscc: "91430100MA4L00011K") { contactPhone legalRepresentative { name idNumber } } }`, {}, '低保审核');
      expect(body.errors).toBeUndefined();
      const property = WELL_KNOWN.properties.find((p) => p.owners.includes(ZHANG))!;
      expect(body.data.person).toEqual({
        idNumber: maskValue('ID_NUMBER', ZHANG),
        name: '张*',
        mobile: '138****8000',
        householdAddress: '湖南省长沙市****',
        bankCard: '622202*********0123',
        email: 'z***@example.gov.cn',
        properties: [{
          address: maskValue('ADDRESS', property.address),
          owners: property.owners.map((id: string) => ({ idNumber: maskValue('ID_NUMBER', id), name: maskValue('NAME', personById(id).name) })),
        }],
      });
      expect(body.data.enterprise).toEqual({
        contactPhone: maskValue('MOBILE', enterpriseByUscc('91430100MA4L00011K').contactPhone),
        legalRepresentative: { name: '张*', idNumber: '4****************X' },
      });
    });

    it('masks aliased, fragment-selected and listed values too', async () => {
      const { body } = await ask('civil-affairs', `query { ps: persons(idNumbers: ["${ZHANG}", "43010419900101567X"]) { ...C } }
        fragment C on Person { phone: mobile ... on Person { n: name } }`, {}, '低保审核');
      expect(body.data.ps).toEqual([
        { phone: '138****8000', n: '张*' },
        { phone: maskValue('MOBILE', personById('43010419900101567X').mobile), n: maskValue('NAME', personById('43010419900101567X').name) },
      ]);
    });

    it('serves raw values where the grant says raw, and only those', async () => {
      const { body } = await ask('housing', `{ person(idNumber: "${ZHANG}") { name mobile householdAddress bankCard email } }`, {}, '住房保障审核');
      expect(body.data.person).toEqual({
        name: '张*', // UNCONDITIONAL masked fields have no raw grant to lift them
        mobile: zhang.mobile, householdAddress: zhang.householdAddress,
        bankCard: CONTACT_BANK_CARDS[ZHANG], email: CONTACT_EMAILS[ZHANG],
      });
    });

    it('covers a value type through the field that leads to it, and still refuses what is not granted', async () => {
      const ok = await ask('civil-affairs', `{ person(idNumber: "${ZHANG}") { pension { status paidMonths employer { name } } } }`, {}, '低保审核');
      expect(ok.body.data.person.pension).toEqual({ status: 'PAYING', paidMonths: 156, employer: { name: enterpriseByUscc('91430100MA4L00011K').name } });
      expectDenied(await ask('civil-affairs', `{ person(idNumber: "${ZHANG}") { medicalInsurance { status } } }`, {}, '低保审核'), ['Person.medicalInsurance']);
      // A grant held by another department does not help.
      expectDenied(await ask('tax', `{ person(idNumber: "${ZHANG}") { pension { status } } }`, {}, '审核'), ['Person.pension']);
    });

    it('stops serving a grant the moment it is revoked', async () => {
      const [g] = await grant(stack, 'market-regulation', ['Person.maritalStatus'], { purpose: '登记核验' });
      const query = `{ person(idNumber: "${ZHANG}") { maritalStatus } }`;
      expect((await ask('market-regulation', query, {}, '登记核验')).body.data.person.maritalStatus).toBe('MARRIED');
      await stack.state.grants.revoke(g!.id, '测试撤销', new Date());
      expectDenied(await ask('market-regulation', query, {}, '登记核验'), ['Person.maritalStatus']);
    });

    it('stops serving an expired grant', async () => {
      await grant(stack, 'development-reform', ['Person.maritalStatus'], { validForMs: 400, purpose: '信用核查' });
      const query = `{ person(idNumber: "${ZHANG}") { maritalStatus } }`;
      expect((await ask('development-reform', query, {}, '信用核查')).body.data.person.maritalStatus).toBe('MARRIED');
      await new Promise((resolve) => setTimeout(resolve, 500));
      expectDenied(await ask('development-reform', query, {}, '信用核查'), ['Person.maritalStatus']);
    });
  });

  describe('limits', () => {
    it('refuses a deeply nested document with QUERY_TOO_COMPLEX', async () => {
      let selection = 'name';
      for (let i = 0; i < 10; i++) selection = `legalRepresentative { enterprises { ${selection} } }`;
      const result = await ask('tax', `{ enterprise(uscc: "91430100MA4L00011K") { ${selection} } }`);
      expect(result.body.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COMPLEX');
      expect(result.body.data ?? null).toBeNull();
    });

    it('refuses too many aliases and a huge document', async () => {
      const aliases = Array.from({ length: 150 }, (_, i) => `a${i}: birthDate`).join(' ');
      expect((await ask('tax', `{ person(idNumber: "${ZHANG}") { ${aliases} } }`)).body.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COMPLEX');
      const huge = `{ person(idNumber: "${ZHANG}") { ${'birthDate '.repeat(20_000)} } }`;
      expect((await ask('tax', huge)).body.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COMPLEX');
    });

    it('answers malformed JSON, a batch array and a syntax error with contract codes', async () => {
      const post = async (body: string) => {
        const r = await fetch(`${stack.gatewayUrl}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...(await as('tax')) }, body });
        return { status: r.status, body: await r.json() as any };
      };
      expect((await post('{"query": ')).body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
      expect((await post('[{"query":"{ me { code } }"}]')).body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
      expect((await post('{"query":"{ person(idNumber: "}')).body.errors[0].extensions.code).toBe('GRAPHQL_PARSE_FAILED');
      expect((await post('{"query":"query($n: Int!) { person(idNumber: $n) { name } }","variables":{"n":"x"}}')).body.errors[0].extensions.code).toMatch(/BAD_USER_INPUT|GRAPHQL_VALIDATION_FAILED/);
    });
  });
});
