/**
 * Attack class: comparisons as oracles, lookups as enumeration (issue 10, finding 10; CONTRACT §5 v1.1).
 *
 * With only a `verifyPersons` grant, a department guessed names against the masked `张*` (34 guesses in
 * one request gave the full name) and household addresses it had no grant for (9,000 guesses). Now
 * every `@compare` field answers at most 3 distinct claimed values per (consumer, subject, field) in 30
 * days, counted by the provider in its own database; and lookups of unknown keys count against a
 * daily budget per consumer (RATE_LIMITED past it).
 */
import { createHash, createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import population from '../../subgraphs/population/index.ts';
import { createSubgraphServer, defineSubgraph, hostSubgraphs, type Sql } from '../../subgraphs/kit/index.ts';
import { unknownKeyBudgetFromEnv } from '../../subgraphs/kit/lookup-budget.ts';
import { persons } from '../../subgraphs/sample-data/index.ts';
import { POSTGRES_URL } from '../support/databases.ts';
import { grant } from '../support/grants.ts';
import { waitFor } from '../support/processes.ts';
import { personById, WELL_KNOWN } from '../support/fixtures.ts';
import { TEST_SAMPLE } from '../support/sample.ts';
import { postGraphQL, startStack, type Stack, type StateKind } from '../support/stack.ts';
import { as } from '../support/tokens.ts';

const ZHANG = '43010219850312123X';
const LI = '43010419900101567X';
const WANG = '430105197806152345';
const LIU = '43011119750520345X';
const OUYANG = '430102200108087772';
const zhang = personById(ZHANG);
const star = WELL_KNOWN.enterprises[0]!;
const PURPOSE = '资格核验';
const UNKNOWN_KEY_BUDGET = 20;

const VERIFY_PERSONS = `query Verify($claims: [PersonClaim!]!) {
  verifyPersons(claims: $claims) { index found nameMatches birthDateMatches addressMatches limited } }`;
const VERIFY_ENTERPRISES = `query VerifyEnterprises($claims: [EnterpriseClaim!]!) {
  verifyEnterprises(claims: $claims) { index found nameMatches legalRepresentativeMatches active limited } }`;
const VERIFY_OWNERSHIP = `query VerifyOwnership($claims: [OwnershipClaim!]!) {
  verifyPropertyOwnership(claims: $claims) { index ownsProperty propertyCount limited } }`;

/** Plausible wrong names: 张 and another character, as an attacker enumerates them. */
const WRONG_NAMES = [...'一二三四五六七八九十明华强军平刚杰磊勇涛斌超波辉敏静丽艳娟霞鹏飞宇浩'].map((c) => `张${c}`);
/** The 34-guess attack of the review: 33 wrong names, then the real one. */
const GUESSES = [...WRONG_NAMES.slice(0, 33), zhang.name as string];

type Row = Record<string, unknown>;

/** Both backends of the counts: in-process state on PGlite always; Redis on PostgreSQL when CI provides both. */
const SETUPS: Array<{ state: StateKind; database: 'pglite' | 'postgres' }> = [
  { state: 'pglite', database: 'pglite' },
  ...(process.env.REDIS_URL && POSTGRES_URL ? [{ state: 'postgres' as const, database: 'postgres' as const }] : []),
];

describe.each(SETUPS)('comparisons are no oracle, lookups no enumeration ($state state, $database)', ({ state, database }) => {
  let stack: Stack;
  let savedBudget: string | undefined;
  const headers = new Map<string, Record<string, string>>();
  const consumers = ['tax', 'civil-affairs', 'human-resources', 'development-reform', 'data-bureau', 'housing', 'market-regulation'];

  beforeAll(async () => {
    savedBudget = process.env.GOVSHARE_UNKNOWN_KEY_BUDGET;
    // Read once at start by each subgraph.
    process.env.GOVSHARE_UNKNOWN_KEY_BUDGET = String(UNKNOWN_KEY_BUDGET);
    stack = await startStack({ state, database, transport: 'inject' });
    for (const consumer of consumers) {
      // Only the comparisons: no grant on Person.householdAddress, Person.name is served masked.
      await grant(stack, consumer, ['Query.verifyPersons', 'Query.verifyEnterprises', 'Query.verifyPropertyOwnership'], { purpose: PURPOSE });
      headers.set(consumer, await as(consumer, { purpose: PURPOSE }));
    }
  }, 120_000);
  afterAll(async () => {
    if (savedBudget === undefined) delete process.env.GOVSHARE_UNKNOWN_KEY_BUDGET;
    else process.env.GOVSHARE_UNKNOWN_KEY_BUDGET = savedBudget;
    await stack?.close();
  });

  async function verify(consumer: string, query: string, claims: unknown[]): Promise<{ rows: Row[]; text: string }> {
    const { body } = await stack.query(query, { claims }, headers.get(consumer)!);
    expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
    return { rows: Object.values(body.data)[0] as Row[], text: JSON.stringify(body) };
  }
  const answered = (rows: Row[], flag: string) => rows.filter((r) => r[flag] !== null);

  it('34 name guesses in one request: the first 3 answer, the rest are limited, and the real name is never confirmed', async () => {
    const { rows, text } = await verify('tax', VERIFY_PERSONS, GUESSES.map((name) => ({ idNumber: ZHANG, name })));
    expect(rows).toHaveLength(34);
    expect(rows.slice(0, 3)).toEqual([0, 1, 2].map((index) => expect.objectContaining({ index, found: true, nameMatches: false, limited: false })));
    for (const r of rows.slice(3)) expect(r).toMatchObject({ found: true, nameMatches: null, birthDateMatches: null, limited: true });
    expect(rows.some((r) => r.nameMatches === true)).toBe(false);
    expect(text).not.toContain(zhang.name);
    expect(text).not.toContain(ZHANG);
  });

  it('the same guesses one request at a time: three answers in all, then limited whatever is claimed', async () => {
    const results: Row[] = [];
    for (const name of GUESSES) {
      const { rows } = await verify('civil-affairs', VERIFY_PERSONS, [{ idNumber: ZHANG, name }]);
      results.push(rows[0]!);
    }
    expect(answered(results, 'nameMatches')).toHaveLength(3);
    expect(results.slice(3).every((r) => r.limited === true && r.nameMatches === null && r.found === true)).toBe(true);
    expect(results.some((r) => r.nameMatches === true)).toBe(false);
    // A value already answered is answered again (the same value costs nothing) …
    expect((await verify('civil-affairs', VERIFY_PERSONS, [{ idNumber: ZHANG, name: GUESSES[1] }])).rows[0])
      .toMatchObject({ nameMatches: false, limited: false });
    // … and the real name, with every spelling the comparison accepts, stays unconfirmed.
    const spellings = [` ${zhang.name} `, `${zhang.name}\u3000`, zhang.name, `\t${zhang.name}`];
    const again = await verify('civil-affairs', VERIFY_PERSONS, spellings.map((name) => ({ idNumber: ZHANG, name })));
    expect(again.rows.every((r) => r.limited === true && r.nameMatches === null)).toBe(true);
    // Another spelling of the key is the same person, not a fresh allowance.
    const keyVariants = [ZHANG.toLowerCase(), ` ${ZHANG} `, '４３０１０２１９８５０３１２１２３Ｘ'];
    const viaKeys = await verify('civil-affairs', VERIFY_PERSONS, keyVariants.map((idNumber) => ({ idNumber, name: zhang.name })));
    expect(viaKeys.rows.every((r) => r.found === true && r.limited === true && r.nameMatches === null)).toBe(true);
  });

  it('9,000 address guesses without an address grant: 3 answer, the real address is never confirmed', async () => {
    const real = zhang.householdAddress as string;
    const guesses = Array.from({ length: 8_999 }, (_, i) => `湖南省长沙市芙蓉区五一大道${i + 2}号`);
    guesses.push(real);
    // Only the flags this attack reads: the gateway's cost limit counts every selected field of 9,000 results.
    const query = 'query Verify($claims: [PersonClaim!]!) { verifyPersons(claims: $claims) { addressMatches limited } }';
    const { rows, text } = await verify('human-resources', query, guesses.map((householdAddress) => ({ idNumber: ZHANG, householdAddress })));
    expect(rows).toHaveLength(9_000);
    expect(answered(rows, 'addressMatches')).toHaveLength(3);
    expect(rows.filter((r) => r.limited === true)).toHaveLength(8_997);
    expect(rows.some((r) => r.addressMatches === true)).toBe(false);
    expect(text).not.toContain(real);
    // Punctuation and spaces (removed by the address comparison) do not make a fresh value.
    const padded = await verify('human-resources', VERIFY_PERSONS, [{ idNumber: ZHANG, householdAddress: '湖南省 长沙市，芙蓉区（五一大道）1号。' }]);
    expect(padded.rows[0]).toMatchObject({ addressMatches: null, limited: true });
  });

  it('normalised variants count once: they neither buy tries nor cost them', async () => {
    // Five spellings of one wrong date, then two other wrong dates: three values, all answered.
    const wrong = ['1985-03-13', '1985/03/13', '19850313', '1985年3月13日', '１９８５年０３月１３日', '1985-03-14', '1985-03-15'];
    const first = await verify('development-reform', VERIFY_PERSONS, wrong.map((birthDate) => ({ idNumber: ZHANG, birthDate })));
    expect(first.rows.every((r) => r.limited === false && r.birthDateMatches === false)).toBe(true);
    // The real date is a fourth value, in every spelling.
    const real = ['1985-03-12', '1985/3/12', '19850312', '1985年3月12日'];
    const second = await verify('development-reform', VERIFY_PERSONS, real.map((birthDate) => ({ idNumber: ZHANG, birthDate })));
    expect(second.rows.every((r) => r.limited === true && r.birthDateMatches === null)).toBe(true);
    // A spelling of a value already answered is that value: answered, not limited.
    const third = await verify('development-reform', VERIFY_PERSONS, [{ idNumber: ZHANG, birthDate: '1985/3/14' }]);
    expect(third.rows[0]).toMatchObject({ birthDateMatches: false, limited: false });
    // The allowance is per field: names of the same person are still answered.
    const name = await verify('development-reform', VERIFY_PERSONS, [{ idNumber: ZHANG, name: zhang.name, birthDate: '1985-03-12' }]);
    expect(name.rows[0]).toMatchObject({ nameMatches: true, birthDateMatches: null, limited: true });
  });

  it('another consumer has its own allowance; the first consumer stays limited', async () => {
    const other = await verify('data-bureau', VERIFY_PERSONS, [{ idNumber: ZHANG, name: WRONG_NAMES[0] }, { idNumber: ZHANG, name: zhang.name }]);
    expect(other.rows.map((r) => [r.nameMatches, r.limited])).toEqual([[false, false], [true, false]]);
    const tax = await verify('tax', VERIFY_PERSONS, [{ idNumber: ZHANG, name: zhang.name }]);
    expect(tax.rows[0]).toMatchObject({ nameMatches: null, limited: true });
  });

  it('concurrent requests answer no more than the limit between them', async () => {
    const subject = [...persons(TEST_SAMPLE)][7]!;
    const batches = Array.from({ length: 4 }, (_, b) => [0, 1, 2].map((i) => ({ idNumber: subject.idNumber, name: `${subject.name}${b}${i}` })));
    const results = await Promise.all(batches.map((claims) => verify('housing', VERIFY_PERSONS, claims)));
    const all = results.flatMap((r) => r.rows);
    expect(answered(all, 'nameMatches')).toHaveLength(3);
    expect(all.filter((r) => r.limited === true)).toHaveLength(9);
  });

  it('aliases of one comparison in one operation share the allowance', async () => {
    const subject = [...persons(TEST_SAMPLE)][9]!;
    const claims = (suffix: string) => [1, 2, 3].map((i) => `{ idNumber: "${subject.idNumber}", name: "${subject.name}${suffix}${i}" }`).join(', ');
    const { body } = await stack.query(`query Twice {
      a: verifyPersons(claims: [${claims('a')}]) { nameMatches limited }
      b: verifyPersons(claims: [${claims('b')}]) { nameMatches limited } }`, {}, headers.get('housing')!);
    expect(body.errors).toBeUndefined();
    const all = [...body.data.a, ...body.data.b] as Row[];
    expect(answered(all, 'nameMatches')).toHaveLength(3);
    expect(all.filter((r) => r.limited === true)).toHaveLength(3);
    const real = await verify('housing', VERIFY_PERSONS, [{ idNumber: subject.idNumber, name: subject.name }]);
    expect(real.rows[0]).toMatchObject({ nameMatches: null, limited: true });
  });

  it('holds for verifyEnterprises: name and legal representative guesses are limited, active still answers', async () => {
    const names = ['长沙星城科技有限公司', '长沙星城数据有限公司', '长沙星城软件有限公司', '长沙星城信息有限公司', star.name];
    const { rows, text } = await verify('tax', VERIFY_ENTERPRISES, names.map((name) => ({ uscc: star.uscc, name })));
    expect(rows.map((r) => r.nameMatches)).toEqual([false, false, false, null, null]);
    expect(rows.map((r) => r.limited)).toEqual([false, false, false, true, true]);
    expect(rows.every((r) => r.found === true && r.active === true)).toBe(true);
    expect(text).not.toContain(star.name);
    // The legal representative's ID number: `x` and `X`, full width or not, are one value.
    const ids = [LI, LI.toLowerCase(), WANG, LIU, `${LIU.slice(0, -1)}x`, OUYANG, ZHANG];
    const reps = await verify('tax', VERIFY_ENTERPRISES, ids.map((legalRepresentativeIdNumber) => ({ uscc: star.uscc, legalRepresentativeIdNumber })));
    expect(reps.rows.map((r) => r.legalRepresentativeMatches)).toEqual([false, false, false, false, false, null, null]);
    expect(reps.rows.map((r) => r.limited)).toEqual([false, false, false, false, false, true, true]);
  });

  it('verifyPropertyOwnership claims only the key: nothing to limit, limited is false', async () => {
    const claims = Array.from({ length: 12 }, () => ({ idNumber: ZHANG }));
    const { rows } = await verify('tax', VERIFY_OWNERSHIP, claims);
    expect(rows.every((r) => r.limited === false && r.ownsProperty === true && r.propertyCount === 1)).toBe(true);
  });

  it('keeps the counts as keyed digests: no claimed value or key in clear, nothing an unkeyed hash reproduces', async () => {
    const db = stack.database.db;
    const rows = await db.query<Record<string, unknown>>('SELECT * FROM population_govshare.govshare_compare_claims');
    expect(rows.length).toBeGreaterThan(0);
    const text = JSON.stringify(rows, (_, v) => (typeof v === 'bigint' ? v.toString() : v));
    for (const value of [ZHANG, ZHANG.toLowerCase(), zhang.name, zhang.householdAddress, '湖南省长沙市芙蓉区五一大道2号', '1985-03-13', ...WRONG_NAMES.slice(0, 3)]) {
      expect(text, value).not.toContain(value);
    }
    const asBigint = (digest: Buffer) => digest.readBigInt64BE(0).toString();
    const subjects = rows.map((r) => String(r.subject));
    // Not a plain hash of the key …
    expect(subjects).not.toContain(asBigint(createHash('sha256').update(`subject\u0000${ZHANG}`).digest()));
    expect(subjects).not.toContain(asBigint(createHash('sha256').update(ZHANG).digest()));
    // … but the HMAC under the provider's own key, generated in its database (no default in the source).
    const [secret] = await db.query<{ value: string }>(`SELECT value FROM population_govshare.govshare_secret WHERE name = 'claim-digest'`);
    const key = Buffer.from(secret!.value, 'base64');
    expect(key.length).toBe(32);
    const mac = createHmac('sha256', key).update(`subject\u0000${ZHANG}`).digest();
    expect(subjects).toContain(asBigint(mac));
    // The values 'tax' claimed first (the 34 guesses): keyed by the 192 bits of that HMAC no row holds,
    // bound to subject and field; not an unkeyed hash of the value, nor of field and value.
    const taxRow = rows.find((r) => r.consumer === 'tax' && String(r.subject) === asBigint(mac))!;
    const digests = (taxRow.digests as unknown[]).map(String);
    const valueKey = mac.toString('hex', 8);
    expect(text).not.toContain(valueKey.slice(0, 16));
    for (const name of WRONG_NAMES.slice(0, 3)) {
      expect(digests).toContain(asBigint(createHash('sha256').update(`${valueKey}\u0000Person.name\u0000${name}`).digest()));
      expect(digests).not.toContain(asBigint(createHash('sha256').update(`Person.name\u0000${name}`).digest()));
      expect(digests).not.toContain(asBigint(createHash('sha256').update(name).digest()));
    }
    // Another subject's value key gives other digests for the same names.
    const other = createHmac('sha256', key).update(`subject\u0000${LI}`).digest().toString('hex', 8);
    expect(digests).not.toContain(asBigint(createHash('sha256').update(`${other}\u0000Person.name\u0000${WRONG_NAMES[0]}`).digest()));
  });

  it('the counts survive a restart of the subgraph on the same database', async () => {
    const index = stack.subgraphs.findIndex((s) => s.name === 'population');
    const old = stack.subgraphs[index]!;
    const port = Number(new URL(old.url).port);
    // A row whose every value left the window long ago: the restart clears it out.
    await stack.database.db.query(`INSERT INTO population_govshare.govshare_compare_claims (consumer, subject, attrs, digests, seen, last_seen)
      VALUES ('housing', 42, '{Person.name}', '{7}', ARRAY[current_date - 40], current_date - 40)`);
    await old.app.close();
    const [restarted] = await hostSubgraphs({
      definitions: [population], db: stack.database.db, sample: TEST_SAMPLE, gatewayKeys: { jwks: stack.keys.jwks }, ports: { population: port },
    });
    stack.subgraphs[index] = restarted!;
    expect(await stack.database.db.query(`SELECT 1 FROM population_govshare.govshare_compare_claims WHERE subject = 42`)).toEqual([]);
    // The gateway may lose a request or two to the restart itself; the counts are what this test is about.
    await waitFor(async () => !(await stack.query(`{ person(idNumber: "${ZHANG}") { birthDate } }`, {}, headers.get('housing')!)).body.errors, 10_000, 'the restarted subgraph');
    const { rows } = await verify('tax', VERIFY_PERSONS, [{ idNumber: ZHANG, name: GUESSES[0] }, { idNumber: ZHANG, name: zhang.name }]);
    expect(rows.map((r) => [r.nameMatches, r.limited])).toEqual([[false, false], [null, true]]);
  });

  it('frees a value\'s place 30 days after it was last claimed, not before', async () => {
    const subject = [...persons(TEST_SAMPLE)][11]!;
    const names = [1, 2, 3].map((i) => `${subject.name}${i}`);
    await verify('market-regulation', VERIFY_PERSONS, names.map((name) => ({ idNumber: subject.idNumber, name })));
    const blocked = await verify('market-regulation', VERIFY_PERSONS, [{ idNumber: subject.idNumber, name: subject.name }]);
    expect(blocked.rows[0]).toMatchObject({ limited: true, nameMatches: null });
    // 29 days on, still taken; 37 days on (past the window and its weekly re-dating), free again.
    const age = (days: number) => stack.database.db.query(
      `UPDATE population_govshare.govshare_compare_claims SET seen = array_fill(current_date - ${days}, ARRAY[cardinality(seen)]),
         last_seen = current_date - ${days} WHERE consumer = 'market-regulation'`);
    await age(29);
    expect((await verify('market-regulation', VERIFY_PERSONS, [{ idNumber: subject.idNumber, name: subject.name }])).rows[0]).toMatchObject({ limited: true });
    await age(37);
    expect((await verify('market-regulation', VERIFY_PERSONS, [{ idNumber: subject.idNumber, name: subject.name }])).rows[0])
      .toMatchObject({ limited: false, nameMatches: true });
  });

  it('refuses a comparison that names no calling department, even when signed by the gateway', async () => {
    const population = stack.subgraphs.find((s) => s.name === 'population')!;
    const body = JSON.stringify({ query: 'query($c: [PersonClaim!]!) { verifyPersons(claims: $c) { index nameMatches limited } }', variables: { c: [{ idNumber: ZHANG, name: zhang.name }] } });
    const signature = await stack.keys.signer.sign({
      aud: 'population', rid: 'oracle-test', pur: PURPOSE,
      fld: ['Query.verifyPersons', 'PersonVerification.index', 'PersonVerification.nameMatches', 'PersonVerification.limited'],
    }, body);
    const { body: answer } = await postGraphQL(population.url, body, { 'x-govshare-signature': signature });
    expect(answer.data?.verifyPersons ?? null).toBeNull();
    expect(answer.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('a provider\'s new @compare field is limited without asking: scalar claims, no claim rules, exact text', async () => {
    const checks = defineSubgraph({
      name: 'name-checks', dbSchema: 'name_checks', port: 0, ddl: 'CREATE SCHEMA IF NOT EXISTS name_checks;', loaders: () => ({}),
      sdl: `
        type Query {
          checkName(idNumber: ID!, name: String): NameCheck @share(type: CONDITIONAL, condition: "测试") @compare
        }
        type NameCheck @resource(code: "TST-NAME-CHECK", name: "姓名核验", category: DEPARTMENT, provider: "tax", updateCycle: "实时") {
          found: Boolean! @share(type: CONDITIONAL)
          matches: Boolean @share(type: CONDITIONAL)
          limited: Boolean! @share(type: CONDITIONAL)
        }`,
      resolvers: {
        Query: {
          checkName: (_: unknown, { idNumber, name }: { idNumber: string; name: string | null }) => ({
            found: idNumber === ZHANG, matches: name === null ? null : name === zhang.name,
          }),
        },
      },
    });
    const [hosted] = await hostSubgraphs({
      definitions: [checks], db: stack.database.db, sample: TEST_SAMPLE, gatewayKeys: { jwks: stack.keys.jwks }, ports: { 'name-checks': 0 },
    });
    try {
      const ask = async (name: string) => {
        const request = JSON.stringify({ query: 'query($n: String) { checkName(idNumber: "43010219850312123X", name: $n) { found matches limited } }', variables: { n: name } });
        const signature = await stack.keys.signer.sign({ aud: 'name-checks', rid: 'oracle-test', sub: 'tax', pur: PURPOSE, fld: ['Query.checkName'] }, request);
        const { body } = await postGraphQL(hosted!.url, request, { 'x-govshare-signature': signature });
        expect(body.errors).toBeUndefined();
        return body.data.checkName;
      };
      const answers = [];
      for (const name of [...WRONG_NAMES.slice(0, 3), zhang.name]) answers.push(await ask(name));
      expect(answers).toEqual([
        { found: true, matches: false, limited: false }, { found: true, matches: false, limited: false },
        { found: true, matches: false, limited: false }, { found: true, matches: null, limited: true },
      ]);
      // Its own records, beside its own schema.
      const rows = await stack.database.db.query('SELECT consumer FROM name_checks_govshare.govshare_compare_claims');
      expect(rows).toEqual([{ consumer: 'tax' }]);
    } finally {
      await hosted?.app.close();
    }
  });

  describe('unknown keys', () => {
    const absent = (i: number) => `99999919800101${String(i).padStart(4, '0')}`;
    const metric = async (subgraph: string, consumer: string) => {
      const s = stack.subgraphs.find((x) => x.name === subgraph)!;
      const text = await (await fetch(s.url.replace(/\/graphql$/, '/metrics'))).text();
      const line = text.split('\n').find((l) => l.startsWith('govshare_subgraph_unknown_key_lookups_total{')
        && l.includes(`consumer="${consumer}"`) && l.includes(`subgraph="${subgraph}"`));
      return line ? Number(line.split(' ').pop()) : 0;
    };

    it(`a consumer past ${UNKNOWN_KEY_BUDGET} unknown keys a day gets RATE_LIMITED for every lookup; another consumer does not`, async () => {
      const tax = headers.get('tax')!;
      const batch = (ids: string[]) => stack.query('query($ids: [ID!]!) { persons(idNumbers: $ids) { birthDate } }', { ids }, tax);
      // Within the budget: answered, nulls for the unknown keys (a repeated key counts once).
      const within = await batch([ZHANG, ...Array.from({ length: 15 }, (_, i) => absent(i)), absent(0)]);
      expect(within.body.errors).toBeUndefined();
      expect(within.body.data.persons.filter((p: unknown) => p === null)).toHaveLength(16);
      expect(await metric('population', 'tax')).toBe(15);
      // The gateway counts them too, for the department evaluation (16 nulls answered).
      const admin = await as('data-bureau', { roles: ['admin'] });
      const evaluation = await stack.query('{ evaluation(department: "tax") { unknownKeyLookups } }', {}, admin);
      expect(evaluation.body.data.evaluation[0].unknownKeyLookups).toBe(16);
      // The request that goes past the budget is refused …
      const past = await batch(Array.from({ length: 10 }, (_, i) => absent(100 + i)));
      expect(past.body.data?.persons ?? null).toBeNull();
      expect(past.body.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
      // CONTRACT §8: 429 with Retry-After, as for the gateway's own rate limit.
      expect(past.status).toBe(429);
      expect(Number(past.headers.get('retry-after'))).toBeGreaterThan(0);
      // … and so is every lookup after it, known keys included: a refusal only for misses would be an oracle.
      const known = await batch([ZHANG]);
      expect(known.body.data?.persons ?? null).toBeNull();
      expect(known.body.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
      const single = await stack.query(`{ person(idNumber: "${LI}") { birthDate } }`, {}, tax);
      expect(single.body.data?.person ?? null).toBeNull();
      expect(single.body.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
      expect(JSON.stringify([past.body, known.body, single.body])).not.toContain('1985-03-12');

      // The provider says why, and until when (the gateway passes the code on).
      const populationUrl = stack.subgraphs.find((x) => x.name === 'population')!.url;
      const request = JSON.stringify({ query: `{ person(idNumber: "${ZHANG}") { birthDate } }` });
      const signature = await stack.keys.signer.sign({ aud: 'population', rid: 'oracle-test', sub: 'tax', pur: PURPOSE, fld: [] }, request);
      const direct = await postGraphQL(populationUrl, request, { 'x-govshare-signature': signature });
      expect(direct.body.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', reason: 'UNKNOWN_KEY_BUDGET', budget: UNKNOWN_KEY_BUDGET });
      expect(direct.body.errors?.[0]?.extensions?.retryAfter).toBeGreaterThan(0);
      expect(direct.body.errors?.[0]?.message).toContain('unknown keys');

      // The provider's own record, per consumer and day.
      const rows = await stack.database.db.query<{ consumer: string; misses: string | number }>(
        'SELECT consumer, misses FROM population_govshare.govshare_lookup_misses');
      expect(rows.map((r) => [r.consumer, Number(r.misses)])).toEqual([['tax', 25]]);
      expect(await metric('population', 'tax')).toBe(25);

      // Another consumer, and the same consumer at another provider, have budgets of their own.
      const other = await stack.query(`{ person(idNumber: "${ZHANG}") { birthDate } }`, {}, headers.get('civil-affairs')!);
      expect(other.body.errors).toBeUndefined();
      expect(other.body.data.person.birthDate).toBe(zhang.birthDate);
      const enterprise = await stack.query(`{ enterprise(uscc: "${star.uscc}") { name } }`, {}, tax);
      expect(enterprise.body.errors).toBeUndefined();
      expect(enterprise.body.data.enterprise.name).toBe(star.name);
    });

    it('counts enumeration through enterprises too', async () => {
      const hr = headers.get('human-resources')!;
      const usccs = Array.from({ length: UNKNOWN_KEY_BUDGET + 1 }, (_, i) => `91439999MA${String(i).padStart(8, '0')}`);
      const past = await stack.query('query($ids: [ID!]!) { enterprises(usccs: $ids) { name } }', { ids: usccs }, hr);
      expect(past.body.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
      expect(await metric('legal-entity', 'human-resources')).toBe(UNKNOWN_KEY_BUDGET + 1);
      const after = await stack.query(`{ enterprise(uscc: "${star.uscc}") { name } }`, {}, hr);
      expect(after.body.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
      expect(JSON.stringify(after.body)).not.toContain(star.name);
    });
  });
});

describe('a @compare field the kit cannot limit does not start', () => {
  const sql: Sql = { query: async () => [], exec: async () => {} };
  const start = (sdl: string) => createSubgraphServer({
    definition: defineSubgraph({ name: 'checks', dbSchema: 'checks', port: 0, ddl: '', loaders: () => ({}), resolvers: {}, sdl }),
    sql, gatewayKeys: { jwksUrl: 'http://127.0.0.1:9/jwks.json' },
  });
  const resultType = (fields: string) => `type Check @resource(code: "TST-CHECK", name: "核验", category: DEPARTMENT, provider: "tax", updateCycle: "实时") {
    index: Int! @share(type: CONDITIONAL) found: Boolean! @share(type: CONDITIONAL) ${fields} }`;

  it('without limited: Boolean! on its result', async () => {
    await expect(start(`input CheckClaim { idNumber: ID!, name: String }
      type Query { verify(claims: [CheckClaim!]!): [Check!]! @share(type: CONDITIONAL) @compare }
      ${resultType('nameMatches: Boolean @share(type: CONDITIONAL)')}`)).rejects.toThrow(/Query\.verify returns Check, which lacks "limited: Boolean!"/);
  });

  it('with claimed values but no ID! key naming the subject', async () => {
    await expect(start(`input CheckClaim { idNumber: ID, name: String }
      type Query { verify(claims: [CheckClaim!]!): [Check!]! @share(type: CONDITIONAL) @compare }
      ${resultType('nameMatches: Boolean @share(type: CONDITIONAL) limited: Boolean! @share(type: CONDITIONAL)')}`)).rejects.toThrow(/no ID! key naming the subject/);
  });

  it(`with ${'GOVSHARE_UNKNOWN_KEY_BUDGET'} that is not a whole number`, () => {
    expect(unknownKeyBudgetFromEnv({})).toBe(1000);
    expect(unknownKeyBudgetFromEnv({ GOVSHARE_UNKNOWN_KEY_BUDGET: '5_000' })).toBe(5000);
    expect(unknownKeyBudgetFromEnv({ GOVSHARE_UNKNOWN_KEY_BUDGET: '0' })).toBe(0);
    for (const bad of ['-1', '1e3', 'many', '2.5', '99999999999999999999']) {
      expect(() => unknownKeyBudgetFromEnv({ GOVSHARE_UNKNOWN_KEY_BUDGET: bad }), bad).toThrow(/GOVSHARE_UNKNOWN_KEY_BUDGET must be a whole number/);
    }
  });
});
