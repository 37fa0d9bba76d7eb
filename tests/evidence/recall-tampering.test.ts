import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, STATE_KINDS, type Stack } from '../support/stack.ts';
import { call, readPerson, VERIFY_QUERY, ZHANG } from './support.ts';

const LI = '43010419900101567X';

/**
 * Recall notices are sent from the subject index (govshare.audit_subjects), and a notice names the record
 * key (an ID number) and the correction. Someone who can write the records database files a row for 张伟
 * under housing's read of another person (its consumer, purpose and time are that record's own), and one
 * under civil-affairs' application, which read nobody: a correction must still reach tax alone — each row counts only
 * if its record commits to it (`subjectsDigest`) — while the chain check reports both records broken.
 */
describe.each(STATE_KINDS)('recall notices from a tampered subject index (%s state)', (stateKind) => {
  let stack: Stack;
  beforeAll(async () => { stack = await startStack({ state: stateKind, transport: 'inject' }); });
  afterAll(async () => { await stack?.close(); });

  it('reach only the departments whose records commit to the read', async () => {
    const taxRead = await readPerson(stack, 'tax', 'TaxReadsZhang');
    const housing = await call(stack, `query HousingReadsLi { person(idNumber: "${LI}") { name } }`, {}, 'housing');
    expect(housing.errors).toBeUndefined();
    const [row] = await stack.database.db.query<{ seq: string }>(`SELECT seq::text AS seq FROM govshare.audit_records WHERE record->>'operationName' = 'HousingReadsLi'`);
    const housingRead = Number(row!.seq);
    const [zhang] = await stack.database.db.query<{ digest: string }>(`SELECT encode(digest, 'hex') AS digest FROM govshare.audit_subjects WHERE seq = $1 AND 'Person.name' = ANY(fields)`, [taxRead]);
    expect(zhang).toBeDefined();
    // 张伟's digest moved onto housing's record, with that record's own consumer, purpose and time …
    await stack.database.db.query(`INSERT INTO govshare.audit_subjects (digest, seq, at, consumer, purpose, fields, embargo_until)
      SELECT decode($1, 'hex'), seq, (record->>'at')::timestamptz, record->>'consumer', record->>'purpose', '{Person.name,Query.person}', NULL
      FROM govshare.audit_records WHERE seq = $2`, [zhang!.digest, housingRead]);
    // … and a made-up reader on a record of nobody's read (the application below is civil-affairs').
    const applied = await call(stack, 'mutation { applyForAccess(input: { resource: "POP-PERSON", fields: ["Person.mobile"], purpose: "低保核对" }) { id } }', {}, 'civil-affairs');
    expect(applied.errors).toBeUndefined();
    const [platform] = await stack.database.db.query<{ seq: string }>('SELECT max(seq)::text AS seq FROM govshare.audit_records');
    await stack.database.db.query(`INSERT INTO govshare.audit_subjects (digest, seq, at, consumer, purpose, fields, embargo_until)
      SELECT decode($1, 'hex'), seq, (record->>'at')::timestamptz, record->>'consumer', record->>'purpose', '{Person.name}', NULL
      FROM govshare.audit_records WHERE seq = $2`, [zhang!.digest, Number(platform!.seq)]);

    const reported = await call(stack, `mutation { reportDataIssue(input: { resource: "POP-PERSON", coordinate: "Person.name", recordKey: "${ZHANG}", description: "姓名有误" }) { id } }`, {}, 'tax');
    expect(reported.errors).toBeUndefined();
    const resolved = await call(stack, `mutation($id: ID!) { resolveDataIssue(id: $id, resolution: CORRECTED, note: "已更正") { recalled { consumer } } }`,
      { id: reported.data.reportDataIssue.id }, 'public-security', ['provider']);
    expect(resolved.errors).toBeUndefined();
    expect(resolved.data.resolveDataIssue.recalled.map((r: { consumer: string }) => r.consumer)).toEqual(['tax']);
    for (const department of ['housing', 'civil-affairs']) {
      const inbox = await call(stack, '{ notices { recordKey } }', {}, department);
      expect(inbox.errors).toBeUndefined();
      expect(inbox.data.notices, department).toEqual([]);
    }
    // The chain check names the first record whose rows no longer match it.
    const full = await call(stack, VERIFY_QUERY, { full: true }, 'data-bureau', ['admin']);
    expect(full.data.verifyAuditChain).toMatchObject({ ok: false, firstBrokenId: String(housingRead) });
  });

  it('show no confidential read in a subject access log when its embargo is lifted in the index alone', async () => {
    const inAYear = new Date(Date.now() + 365 * 86_400_000).toISOString().slice(0, 10);
    const applied = await call(stack, `mutation { applyForAccess(input: { resource: "POP-PERSON", fields: ["Person.maritalStatus"], purpose: "秘密核查", confidentialUntil: "${inAYear}" }) { id } }`, {}, 'civil-affairs');
    expect(applied.errors).toBeUndefined();
    const approved = await call(stack, 'mutation($id: ID!) { reviewApplication(id: $id, approve: true) { status } }', { id: applied.data.applyForAccess.id }, 'public-security', ['provider']);
    expect(approved.errors).toBeUndefined();
    const secret = await call(stack, `{ person(idNumber: "${LI}") { maritalStatus } }`, {}, 'civil-affairs', ['consumer'], '秘密核查');
    expect(secret.errors).toBeUndefined();
    const purposes = async () => {
      const body = await call(stack, 'query($k: String!) { subjectAccessLog(subjectKey: $k, first: 100) { entries { consumer purpose } } }', { k: LI }, 'data-bureau', ['service-desk']);
      expect(body.errors).toBeUndefined();
      return (body.data.subjectAccessLog.entries as Array<{ purpose: string | null }>).map((e) => e.purpose);
    };
    expect(await purposes()).not.toContain('秘密核查');
    const lifted = await stack.database.db.query<{ seq: string }>(`UPDATE govshare.audit_subjects SET embargo_until = NULL WHERE purpose = '秘密核查' RETURNING seq::text AS seq`);
    expect(lifted.length).toBeGreaterThan(0);
    expect(await purposes()).not.toContain('秘密核查');
    // A read around it still shows.
    const open = await call(stack, `{ person(idNumber: "${LI}") { ethnicity } }`, {}, 'civil-affairs', ['consumer'], '户籍核对');
    expect(open.errors).toBeUndefined();
    expect(await purposes()).toContain('户籍核对');
  });
});

