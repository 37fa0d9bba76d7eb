import { createHash, createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postGraphQL, startStack, STATE_KINDS, type Stack } from '../support/stack.ts';
import { as } from '../support/tokens.ts';
import { WELL_KNOWN } from '../support/fixtures.ts';
import type { Role } from '../../gateway/identity/caller.ts';

const ZHANG = '43010219850312123X';
const LINA = '43010419900101567X';
const XINGCHENG = '91430100MA4L00011K'; // its legal representative is 张伟
const LOG = 'query($k: String!) { subjectAccessLog(subjectKey: $k) { entries { consumer fields purpose } } }';

/** Every spelling of a key someone might search a dump for: as written, lower-case, full-width, and its digits alone. */
function spellings(key: string): string[] {
  const fullWidth = key.replace(/[0-9A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));
  return [key, key.toLowerCase(), fullWidth, key.replace(/[^0-9]/g, '')];
}

describe.each(STATE_KINDS)('attacks on the subject index, recall and the subject access log (%s state)', (stateKind) => {
  let stack: Stack;
  const gql = async (department: string, query: string, variables: Record<string, unknown> = {}, roles?: Role[], purpose = '核查'): Promise<any> =>
    (await stack.query(query, variables, await as(department, { ...(roles ? { roles } : {}), purpose }))).body;
  const read = async (department: string, query: string, variables: Record<string, unknown> = {}) => {
    const body = await gql(department, query, variables);
    expect(body.errors, query).toBeUndefined();
    return body;
  };
  const logOf = async (key: string): Promise<Array<{ consumer: string; fields: string[]; purpose: string }>> => {
    const body = await gql('data-bureau', LOG, { k: key }, ['service-desk']);
    expect(body.errors).toBeUndefined();
    return body.data.subjectAccessLog.entries;
  };

  beforeAll(async () => { stack = await startStack({ state: stateKind }); });
  afterAll(async () => { await stack?.close(); });

  it('holds no subject key in clear, in any spelling, and no digest one could compute without the gateway\'s key', async () => {
    for (const person of WELL_KNOWN.persons) await read('tax', `query($id: ID!) { person(idNumber: $id) { name enterprises { uscc name } } }`, { id: person.idNumber });
    await read('tax', `{ persons(idNumbers: ${JSON.stringify(WELL_KNOWN.persons.map((p) => p.idNumber))}) { gender } }`);
    for (const enterprise of WELL_KNOWN.enterprises) await read('tax', `{ enterprise(uscc: "${enterprise.uscc}") { name legalRepresentative { name } } }`);
    const rows = await stack.database.db.query<{ row: string; digest: string }>(
      `SELECT t::text AS row, encode(t.digest, 'hex') AS digest FROM govshare.audit_subjects t`);
    expect(rows.length).toBeGreaterThanOrEqual(WELL_KNOWN.persons.length + WELL_KNOWN.enterprises.length);
    const dump = rows.map((r) => `${r.row}\n${r.digest}`).join('\n');
    const keys = [...WELL_KNOWN.persons.map((p) => p.idNumber as string), ...WELL_KNOWN.enterprises.map((e) => e.uscc as string)];
    for (const key of keys) {
      for (const spelling of spellings(key)) expect(dump.includes(spelling), `${spelling} in the subject index`).toBe(false);
      // Nor a digest anyone could make without the key: a plain hash, or an HMAC with an empty or well-known key.
      for (const guess of [createHash('sha256').update(key).digest('hex'), createHmac('sha256', '').update(key).digest('hex'),
        createHmac('sha256', 'govshare subject digest').update(key).digest('hex')]) {
        expect(dump.includes(guess), `a guessable digest of ${key}`).toBe(false);
      }
    }
    // Every key read is there once per read, as a digest the gateway's own lookup finds.
    expect((await logOf(ZHANG)).length).toBeGreaterThanOrEqual(3);
    // Recall notices name their issue, not the record key.
    const issue = await gql('tax', `mutation { reportDataIssue(input: { resource: "POP-PERSON", coordinate: "Person.gender", recordKey: "${LINA}", description: "性别有误" }) { id } }`);
    await gql('public-security', 'mutation($id: ID!) { resolveDataIssue(id: $id, resolution: CORRECTED, note: "已更正") { id } }', { id: issue.data.reportDataIssue.id }, ['provider']);
    const notices = await stack.database.db.query<{ data: string }>(`SELECT data::text AS data FROM govshare.records WHERE kind = 'notices'`);
    expect(notices.length).toBeGreaterThan(0);
    for (const spelling of spellings(LINA)) expect(notices.some((n) => n.data.includes(spelling))).toBe(false);
  });

  it('records a read whatever path, alias or fragment it took to the person', async () => {
    const paths: Array<[string, string, Record<string, unknown>?]> = [
      // The key aliased, or not selected at all.
      ['alias', `{ p: person(idNumber: "${ZHANG}") { k: idNumber n: name } }`],
      ['fragment', `query($id: ID!) { ...Q } fragment Q on Query { person(idNumber: $id) { ... on Person { ethnicity } } }`, { id: ZHANG }],
      // Through an enterprise, without ever selecting the person's key: the key the planner handed on counts.
      ['enterprise', `{ enterprise(uscc: "${XINGCHENG}") { legalRepresentative { birthDate } } }`],
      // In a batch with another person, twice.
      ['batch', `{ persons(idNumbers: ["${LINA}", "${ZHANG}", "${ZHANG}"]) { gender } }`],
      // The key skipped from the answer by a directive: the lookup argument still names him.
      ['skipped', `{ person(idNumber: "${ZHANG}") { idNumber @skip(if: true) name } }`],
    ];
    const departments = ['housing', 'civil-affairs', 'human-resources', 'development-reform', 'market-regulation'];
    for (const [i, [name, query, variables]] of paths.entries()) {
      const department = departments[i]!;
      await stack.query(query, variables ?? {}, await as(department, { purpose: `路径 ${name}` })).then((r) => expect(r.body.errors, name).toBeUndefined());
    }
    const log = await logOf(ZHANG);
    for (const [i, [name]] of paths.entries()) {
      expect(log.some((e) => e.consumer === departments[i] && e.purpose === `路径 ${name}`), `the ${name} read is in 张伟's log`).toBe(true);
    }
    const viaEnterprise = log.find((e) => e.purpose === '路径 enterprise')!;
    // His birth date was read of him; the enterprise's log shows the link, and what was read through it.
    expect(viaEnterprise.fields).toEqual(['Person.birthDate']);
    expect((await logOf(XINGCHENG)).find((e) => e.purpose === '路径 enterprise')!.fields).toEqual(['Enterprise.legalRepresentative', 'Person.birthDate', 'Query.enterprise']);
    // The planner's own key fetches are no read of the consumer's: Person.idNumber was never asked for there.
    expect(log.find((e) => e.purpose === '路径 skipped')!.fields).not.toContain('Person.idNumber');
    // A lookup that found nobody is no read of anybody.
    await read('tax', '{ persons(idNumbers: ["110101198001010010"]) { name } }');
    expect(await logOf('110101198001010010')).toEqual([]);
  });

  it('refuses someone else\'s subject log whatever the spelling of the request', async () => {
    const token = await as('tax', { roles: ['consumer', 'provider'], purpose: '核查' });
    const attempts: Array<{ query: string; variables?: Record<string, unknown>; operationName?: string }> = [
      { query: LOG, variables: { k: ZHANG } },
      { query: `{ a: subjectAccessLog(subjectKey: "${ZHANG}") { entries { consumer } } }` },
      { query: `query Q { ...F } fragment F on Query { subjectAccessLog(subjectKey: "${ZHANG}") { entries { consumer } } }`, operationName: 'Q' },
      { query: `{ me { code } subjectAccessLog(subjectKey: "${ZHANG.toLowerCase()}") { nextCursor } }` },
    ];
    for (const attempt of attempts) {
      const { body } = await postGraphQL(`${stack.gatewayUrl}/graphql`, attempt, token);
      expect(body.errors?.[0]?.extensions?.code, attempt.query).toBe('FORBIDDEN');
      expect(JSON.stringify(body.data ?? null)).not.toContain('entries');
    }
    const viaGet = await fetch(`${stack.gatewayUrl}/graphql?query=${encodeURIComponent(`{ subjectAccessLog(subjectKey: "${ZHANG}") { entries { consumer } } }`)}`, { headers: token });
    const got = await viaGet.json() as { errors?: Array<{ extensions?: { code?: string } }> };
    expect(got.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('keeps an embargoed read out of every view until its date: the log, its pages, the recall list', async () => {
    const applied = await gql('civil-affairs', 'mutation { applyForAccess(input: { resource: "POP-PERSON", fields: ["Person.maritalStatus"], purpose: "秘密核查", confidentialUntil: "2099-12-31" }) { id } }');
    expect(applied.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT'); // more than five years ahead
    const inAYear = new Date(Date.now() + 365 * 86_400_000).toISOString().slice(0, 10);
    const confidential = await gql('civil-affairs', `mutation { applyForAccess(input: { resource: "POP-PERSON", fields: ["Person.maritalStatus"], purpose: "秘密核查", confidentialUntil: "${inAYear}" }) { id } }`);
    await gql('public-security', 'mutation($id: ID!) { reviewApplication(id: $id, approve: true) { status } }', { id: confidential.data.applyForAccess.id }, ['provider']);
    const body = await gql('civil-affairs', `{ person(idNumber: "${LINA}") { maritalStatus } }`, {}, undefined, '秘密核查');
    expect(body.errors).toBeUndefined();
    // Another request, reading only UNCONDITIONAL data, needs no grant: it is not under the embargo and shows.
    await read('civil-affairs', `{ person(idNumber: "${LINA}") { ethnicity } }`);

    const desk = (await logOf(LINA)).filter((e) => e.consumer === 'civil-affairs');
    expect(desk.map((e) => e.purpose)).toEqual(['核查']);
    // Page by page, one at a time, it never shows.
    const seen: string[] = [];
    let after: string | null = null;
    do {
      const page: any = (await gql('data-bureau', 'query($k: String!, $a: String) { subjectAccessLog(subjectKey: $k, first: 1, after: $a) { entries { purpose } nextCursor } }', { k: LINA, a: after }, ['service-desk'])).data.subjectAccessLog;
      seen.push(...page.entries.map((e: { purpose: string }) => e.purpose));
      after = page.nextCursor;
    } while (after);
    expect(seen).not.toContain('秘密核查');
    const police = (await gql('public-security', LOG, { k: LINA }, ['provider'])).data.subjectAccessLog.entries;
    expect(police.some((e: { purpose: string }) => e.purpose === '秘密核查')).toBe(false);
    // Corrected: the investigating department is told, the provider is not shown that it was.
    const issue = await gql('tax', `mutation { reportDataIssue(input: { resource: "POP-PERSON", coordinate: "Person.maritalStatus", recordKey: "${LINA}", description: "婚姻状况有误" }) { id } }`);
    const resolved = await gql('public-security', 'mutation($id: ID!) { resolveDataIssue(id: $id, resolution: CORRECTED, note: "已更正") { recalled { consumer } } }', { id: issue.data.reportDataIssue.id }, ['provider']);
    expect(resolved.data.resolveDataIssue.recalled).toEqual([]);
    const inbox = await gql('civil-affairs', '{ notices { coordinate recordKey } }');
    expect(inbox.data.notices).toContainEqual({ coordinate: 'Person.maritalStatus', recordKey: LINA });
  });

  it('lets no department read or mark another department\'s notices', async () => {
    await read('housing', `{ person(idNumber: "${ZHANG}") { name gender } }`);
    const issue = await gql('tax', `mutation { reportDataIssue(input: { resource: "POP-PERSON", coordinate: "Person.gender", recordKey: "${ZHANG}", description: "性别有误" }) { id } }`);
    await gql('public-security', 'mutation($id: ID!) { resolveDataIssue(id: $id, resolution: CORRECTED, note: "已更正") { id } }', { id: issue.data.reportDataIssue.id }, ['provider']);
    const [notice] = (await gql('housing', '{ notices(unread: true) { id } }')).data.notices;
    expect(notice).toBeDefined();
    for (const [department, roles] of [['tax', ['consumer']], ['public-security', ['provider']], ['data-bureau', ['admin']]] as const) {
      const marked = await gql(department, 'mutation($id: ID!) { markNoticeRead(id: $id) { id } }', { id: notice.id }, [...roles]);
      expect(marked.errors[0].extensions.code, department).toBe('FORBIDDEN');
      const missing = await gql(department, 'mutation { markNoticeRead(id: "no-such-notice") { id } }', {}, [...roles]);
      expect(marked.errors[0].message.replace(notice.id, 'N')).toBe(missing.errors[0].message.replace('no-such-notice', 'N'));
      expect((await gql(department, '{ notices { id } }', {}, [...roles])).data.notices.map((n: { id: string }) => n.id)).not.toContain(notice.id);
    }
    expect((await gql('housing', '{ notices(unread: true) { id } }')).data.notices.map((n: { id: string }) => n.id)).toContain(notice.id);
  });
});
