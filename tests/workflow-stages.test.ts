import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, gatewayConfigFromEnv, loadConfig } from '../gateway/config.ts';
import { createGateway } from '../gateway/app.ts';
import { loadMigrations } from '../gateway/records/migrate.ts';
import { freePort } from './support/ports.ts';
import { spawnScript } from './support/processes.ts';
import { openPrivateState, startStack, STATE_KINDS, type Stack } from './support/stack.ts';
import { applicationCases, movableClock, outcome, startStagedStack, workflowClient, writeJson } from './support/workflow-stages.ts';

/**
 * Review stages (issue 16 parts 1–3) through the gateway's platform API: the data authority's
 * pre-review, the provider's stage, one extension per stage, escalation of a refusal — each deadline
 * counted on the working-day calendar, each overdue flag per stage. Dates were counted by hand on the
 * 2026 schedule (National Day: 10-01…10-07 off, Saturday 10-10 worked) and on HOLIDAYS_2027.
 */
describe.each(STATE_KINDS)('review stages under GOVSHARE_WORKFLOW (%s state)', (kind) => {
  const clock = movableClock('2026-09-30T02:00:00Z'); // 10:00 in Shanghai, the day before National Day
  let stack: Stack;
  let c: ReturnType<typeof workflowClient>;
  const nextCase = applicationCases();
  beforeAll(async () => { stack = await startStagedStack(kind, clock.now); c = workflowClient(stack); });
  afterAll(async () => { await stack?.close(); });
  beforeEach(() => clock.set('2026-09-30T02:00:00Z'));

  it('says which stages it runs', async () => {
    const { data } = await c.gql('tax', c.CONSUMER, '{ workflowSettings { preReviewBy preReviewWorkingDays providerWorkingDays escalationAuthority escalationWorkingDays maxExtensionWorkingDays } }');
    expect(data.workflowSettings).toEqual({
      preReviewBy: 'data-bureau', preReviewWorkingDays: 2, providerWorkingDays: 10, escalationAuthority: 'data-bureau', escalationWorkingDays: 5, maxExtensionWorkingDays: 10,
    });
  });

  it('pre-review → the provider → an extension → approval, across National Day', async () => {
    const applied = await c.apply('tax', 'POP-PERSON', ['Person.mobile']);
    expect(applied.errors).toBeUndefined();
    const id = applied.data.applyForAccess.id;
    // The authority's 2 working days: 10-08, 10-09.
    expect(applied.data.applyForAccess).toMatchObject({ status: 'PENDING', stage: 'PRE_REVIEW', deadline: '2026-10-09', overdue: false, grant: null });
    expect(applied.data.applyForAccess.stages).toEqual([expect.objectContaining({
      name: 'PRE_REVIEW', holder: 'data-bureau', holderName: '政务服务数据管理局', startedAt: '2026-09-30T02:00:00.000Z', deadline: '2026-10-09',
      decidedAt: null, decision: null, overdue: false, extendedBy: null,
    })]);
    // The provider sees it waiting at pre-review, and cannot decide it yet.
    const inbox = await c.gql('public-security', c.PROVIDER, '{ applications(as: PROVIDER, stage: PRE_REVIEW) { id stage } }');
    expect(inbox.data.applications).toContainEqual({ id, stage: 'PRE_REVIEW' });
    expect(outcome(await c.review('public-security', c.PROVIDER, id, true))).toBe('FORBIDDEN');

    clock.set('2026-10-09T02:00:00Z');
    const passed = await c.review('data-bureau', c.AUTHORITY, id, true);
    expect(passed.errors).toBeUndefined();
    // The provider's 10 working days count from the pre-review's decision: 10-10 (worked Saturday) … 10-22.
    expect(passed.data.reviewApplication).toMatchObject({ status: 'PENDING', stage: 'PROVIDER_REVIEW', deadline: '2026-10-22', grant: null, decidedAt: null });
    expect(passed.data.reviewApplication.stages).toEqual([
      expect.objectContaining({ name: 'PRE_REVIEW', decision: 'APPROVED', decidedBy: 'data-bureau', decidedAt: '2026-10-09T02:00:00.000Z', overdue: false }),
      expect.objectContaining({ name: 'PROVIDER_REVIEW', holder: 'public-security', startedAt: '2026-10-09T02:00:00.000Z', deadline: '2026-10-22', decision: null }),
    ]);
    // Passing pre-review grants nothing.
    expect((await stack.state.grants.list({ consumer: 'tax' })).filter((g) => g.applicationId === id)).toEqual([]);

    clock.set('2026-10-20T02:00:00Z');
    const extended = await c.extend('public-security', c.PROVIDER, id, 3, '需核对户籍档案');
    expect(extended.errors).toBeUndefined();
    expect(extended.data.extendDeadline).toMatchObject({ stage: 'PROVIDER_REVIEW', deadline: '2026-10-27' });
    // The consumer reads the new deadline and why.
    const seen = await c.read('tax', id);
    expect(seen.deadline).toBe('2026-10-27');
    expect(seen.stages[1]).toMatchObject({ deadline: '2026-10-27', extendedBy: 3, extensionReason: '需核对户籍档案', extendedAt: '2026-10-20T02:00:00.000Z' });

    clock.set('2026-10-27T09:00:00Z'); // 17:00 on the extended deadline day
    const approved = await c.review('public-security', c.PROVIDER, id, true);
    expect(approved.data.reviewApplication).toMatchObject({ status: 'APPROVED', stage: 'DECIDED', decidedBy: 'public-security', overdue: false, deadline: '2026-10-27' });
    expect(approved.data.reviewApplication.grant).toMatchObject({ active: true, fields: ['Person.mobile'], consumer: 'tax' });
    expect(approved.data.reviewApplication.stages.map((s: { overdue: boolean }) => s.overdue)).toEqual([false, false]);
    const mobile = await c.gql('tax', c.CONSUMER, '{ person(idNumber: "43010219850312123X") { mobile } }', {}, '税务稽查');
    expect(mobile.data.person.mobile).toBe('138****8000');
  });

  it('a rejection at pre-review needs a reason and is final', async () => {
    const k = nextCase();
    const id = (await c.apply(k.consumer, k.resource, [k.field])).data.applyForAccess.id;
    expect(outcome(await c.review('data-bureau', c.AUTHORITY, id, false))).toBe('BAD_USER_INPUT');
    expect(outcome(await c.review('data-bureau', c.AUTHORITY, id, false, ' \u3000 '))).toBe('BAD_USER_INPUT');
    expect((await c.read(k.consumer, id)).stage).toBe('PRE_REVIEW');
    const rejected = await c.review('data-bureau', c.AUTHORITY, id, false, '用途与申请事项不符');
    expect(rejected.data.reviewApplication).toMatchObject({ status: 'REJECTED', stage: 'DECIDED', decidedBy: 'data-bureau', reason: '用途与申请事项不符' });
    expect(rejected.data.reviewApplication.stages).toHaveLength(1);
    expect(outcome(await c.review('data-bureau', c.AUTHORITY, id, true))).toBe('BAD_USER_INPUT');
    expect(outcome(await c.escalate(k.consumer, c.CONSUMER, id, '不服'))).toBe('BAD_USER_INPUT');
    expect((await c.read(k.consumer, id)).stages).toHaveLength(1);
  });

  it('marks each stage overdue on its own, computed from the clock', async () => {
    const k = nextCase();
    const id = (await c.apply(k.consumer, k.resource, [k.field])).data.applyForAccess.id;
    clock.set('2026-10-09T15:59:00Z'); // 23:59 on the pre-review's deadline day
    expect((await c.read(k.consumer, id))).toMatchObject({ overdue: false, stages: [expect.objectContaining({ overdue: false })] });
    clock.set('2026-10-09T16:01:00Z');
    expect((await c.read(k.consumer, id))).toMatchObject({ overdue: true, stages: [expect.objectContaining({ name: 'PRE_REVIEW', overdue: true })] });

    clock.set('2026-10-12T02:00:00Z'); // the authority decides late; the provider's time starts now
    const passed = (await c.review('data-bureau', c.AUTHORITY, id, true)).data.reviewApplication;
    expect(passed.stages.map((s: { name: string; overdue: boolean; deadline: string }) => [s.name, s.overdue, s.deadline]))
      .toEqual([['PRE_REVIEW', true, '2026-10-09'], ['PROVIDER_REVIEW', false, '2026-10-26']]);
    expect(passed.overdue).toBe(true); // some stage was late
    clock.set('2026-10-26T15:59:00Z');
    expect((await c.read(k.consumer, id)).stages[1].overdue).toBe(false);
    clock.set('2026-10-26T16:01:00Z');
    expect((await c.read(k.consumer, id)).stages[1].overdue).toBe(true);
    const late = (await c.review(k.provider, c.PROVIDER, id, false, '逾期后驳回')).data.reviewApplication;
    expect(late.stages.map((s: { overdue: boolean }) => s.overdue)).toEqual([true, true]);
  });

  it('counts a year the built-in calendar does not know from the GOVSHARE_HOLIDAYS file', async () => {
    clock.set('2026-12-30T02:00:00Z'); // Wednesday
    const k = nextCase();
    const applied = (await c.apply(k.consumer, k.resource, [k.field])).data.applyForAccess;
    // 12-31 (1); 2027-01-01 is the file's holiday; Saturday 01-02 its working day (2).
    expect(applied.deadline).toBe('2027-01-02');
    clock.set('2026-12-31T02:00:00Z');
    const passed = (await c.review('data-bureau', c.AUTHORITY, applied.id, true)).data.reviewApplication;
    // 01-02, 01-04 … 01-08, 01-11 off in the file, 01-12 … 01-15: the 10th working day.
    expect(passed.deadline).toBe('2027-01-15');
    const extended = (await c.extend(k.provider, c.PROVIDER, applied.id, 2, '跨年度核查')).data.extendDeadline;
    expect(extended.deadline).toBe('2027-01-19');
    clock.set('2027-01-19T15:59:00Z');
    expect((await c.read(k.consumer, applied.id)).overdue).toBe(false);
    clock.set('2027-01-19T16:01:00Z');
    expect((await c.read(k.consumer, applied.id)).overdue).toBe(true);
  });

  it('extends each stage once, by 1 to 10 working days, before its deadline, with a reason', async () => {
    const k = nextCase();
    const id = (await c.apply(k.consumer, k.resource, [k.field])).data.applyForAccess.id;
    const pre = await c.extend('data-bureau', c.AUTHORITY, id, 1, '材料需补正');
    expect(pre.data.extendDeadline.stages[0]).toMatchObject({ name: 'PRE_REVIEW', deadline: '2026-10-10', extendedBy: 1, extensionReason: '材料需补正' });
    expect(outcome(await c.extend('data-bureau', c.AUTHORITY, id, 1, '再次延期'))).toBe('BAD_USER_INPUT');
    clock.set('2026-10-10T02:00:00Z');
    const passed = (await c.review('data-bureau', c.AUTHORITY, id, true)).data.reviewApplication;
    expect(passed.deadline).toBe('2026-10-23');
    for (const [days, reason] of [[0, '零'], [11, '过长'], [-1, '负数'], [3, ''], [3, ' \u3000\t']] as const) {
      expect(outcome(await c.extend(k.provider, c.PROVIDER, id, days, reason)), `${days} ${JSON.stringify(reason)}`).toBe('BAD_USER_INPUT');
    }
    expect((await c.read(k.consumer, id)).stages[1]).toMatchObject({ deadline: '2026-10-23', extendedBy: null });
    const ten = (await c.extend(k.provider, c.PROVIDER, id, 10, '需会商')).data.extendDeadline;
    expect(ten.stages.map((s: { extendedBy: number | null }) => s.extendedBy)).toEqual([1, 10]);
    expect(ten.deadline).toBe('2026-11-06');
    expect(outcome(await c.extend(k.provider, c.PROVIDER, id, 1, '还要'))).toBe('BAD_USER_INPUT');

    // Past its deadline a stage is no longer extended: the overdue mark stays.
    clock.set('2026-09-30T02:00:00Z');
    const late = nextCase();
    const lateId = (await c.apply(late.consumer, late.resource, [late.field])).data.applyForAccess.id;
    clock.set('2026-10-09T16:01:00Z'); // a minute past the pre-review's deadline day, 10-09
    const refused = await c.extend('data-bureau', c.AUTHORITY, lateId, 2, '来不及');
    expect(outcome(refused)).toBe('BAD_USER_INPUT');
    expect(refused.errors![0]!.message).toMatch(/has passed/);
    expect((await c.read(late.consumer, lateId)).stages[0]).toMatchObject({ deadline: '2026-10-09', extendedBy: null, overdue: true });
    // A decided application has no deadline left to move.
    clock.set('2026-10-12T02:00:00Z');
    await c.review('data-bureau', c.AUTHORITY, lateId, false, '不符合');
    expect(outcome(await c.extend('data-bureau', c.AUTHORITY, lateId, 1, '已办结'))).toBe('BAD_USER_INPUT');
  });

  it('an escalated refusal overturned: the grant is created as if the provider had approved, the authority named', async () => {
    const k = nextCase();
    const id = (await c.apply(k.consumer, k.resource, [k.field])).data.applyForAccess.id;
    await c.review('data-bureau', c.AUTHORITY, id, true);
    clock.set('2026-10-12T02:00:00Z');
    const refused = (await c.review(k.provider, c.PROVIDER, id, false, '不属于共享范围')).data.reviewApplication;
    expect(refused).toMatchObject({ status: 'REJECTED', stage: 'DECIDED', decidedBy: k.provider });
    clock.set('2026-10-13T02:00:00Z');
    const escalated = await c.escalate(k.consumer, c.CONSUMER, id, '该字段属有条件共享，依法应予共享');
    expect(escalated.errors).toBeUndefined();
    // The refusal stands while the authority decides, within its 5 working days: 10-14 … 10-20.
    expect(escalated.data.escalateApplication).toMatchObject({
      status: 'REJECTED', stage: 'ESCALATED', deadline: '2026-10-20', escalationReason: '该字段属有条件共享，依法应予共享', reason: '不属于共享范围',
    });
    expect(escalated.data.escalateApplication.stages[2]).toMatchObject({ name: 'ESCALATED', holder: 'data-bureau', deadline: '2026-10-20', decision: null });
    const queue = await c.gql('data-bureau', c.AUTHORITY, '{ applications(as: PROVIDER, stage: ESCALATED) { id } }');
    expect(queue.data.applications).toContainEqual({ id });

    clock.set('2026-10-15T02:00:00Z');
    const overturned = (await c.decide('data-bureau', c.AUTHORITY, id, true, '经协调，符合共享条件')).data.decideEscalation;
    expect(overturned).toMatchObject({ status: 'APPROVED', stage: 'DECIDED', decidedBy: 'data-bureau', reason: '经协调，符合共享条件', overdue: false });
    expect(overturned.grant).toMatchObject({ active: true, consumer: k.consumer, fields: [k.field] });
    expect(overturned.stages.map((s: { name: string; decision: string }) => [s.name, s.decision]))
      .toEqual([['PRE_REVIEW', 'APPROVED'], ['PROVIDER_REVIEW', 'REJECTED'], ['ESCALATED', 'APPROVED']]);
    const grants = (await stack.state.grants.list({ consumer: k.consumer })).filter((g) => g.applicationId === id);
    expect(grants).toHaveLength(1);
    expect(grants[0]).toMatchObject({ resource: k.resource, fields: [k.field], purpose: '税务稽查', revokedAt: null });
    // Decided once.
    expect(outcome(await c.decide('data-bureau', c.AUTHORITY, id, false, '改判'))).toBe('BAD_USER_INPUT');
  });

  it('an escalated refusal upheld is final', async () => {
    const k = nextCase();
    const id = (await c.apply(k.consumer, k.resource, [k.field])).data.applyForAccess.id;
    await c.review('data-bureau', c.AUTHORITY, id, true);
    await c.review(k.provider, c.PROVIDER, id, false, '涉及国家秘密');
    await c.escalate(k.consumer, c.CONSUMER, id, '请求协调');
    expect(outcome(await c.decide('data-bureau', c.AUTHORITY, id, false, ' '))).toBe('BAD_USER_INPUT');
    const upheld = (await c.decide('data-bureau', c.AUTHORITY, id, false, '维持提供部门意见')).data.decideEscalation;
    expect(upheld).toMatchObject({ status: 'REJECTED', stage: 'DECIDED', decidedBy: 'data-bureau', reason: '维持提供部门意见', grant: null });
    expect(upheld.stages[2]).toMatchObject({ decision: 'REJECTED', decidedBy: 'data-bureau' });
    expect(outcome(await c.escalate(k.consumer, c.CONSUMER, id, '再次'))).toBe('BAD_USER_INPUT');
    expect(outcome(await c.review(k.provider, c.PROVIDER, id, true))).toBe('BAD_USER_INPUT');
    expect((await stack.state.grants.list({ consumer: k.consumer })).filter((g) => g.applicationId === id)).toEqual([]);
  });

  it('the authority\'s own applications go straight to the provider', async () => {
    const applied = (await c.gql('data-bureau', c.AUTHORITY, 'mutation { applyForAccess(input: { resource: "POP-PERSON", fields: ["Person.maritalStatus"], purpose: "数据治理" }) { stage deadline stages { name holder } } }')).data.applyForAccess;
    expect(applied).toEqual({ stage: 'PROVIDER_REVIEW', deadline: '2026-10-20', stages: [{ name: 'PROVIDER_REVIEW', holder: 'public-security' }] });
  });

  it('yields exactly one decision when several are made at once, at every stage', async () => {
    const first = nextCase();
    const raced = (await c.apply(first.consumer, first.resource, [first.field])).data.applyForAccess.id;
    const pre = await Promise.all([c.review('data-bureau', c.AUTHORITY, raced, true), c.review('data-bureau', c.AUTHORITY, raced, false, '重复'), c.review('data-bureau', c.AUTHORITY, raced, true)]);
    const preWinner = pre.filter((r) => !r.errors);
    expect(preWinner).toHaveLength(1);
    // A loser finds the pre-review decided: rejected (BAD_USER_INPUT), or passed to the provider, whose
    // stage the authority that passed it may not decide (FORBIDDEN).
    for (const loser of pre.filter((r) => r.errors)) expect(['BAD_USER_INPUT', 'FORBIDDEN']).toContain(outcome(loser));
    const afterRace = await c.read(first.consumer, raced);
    expect(afterRace.stage).toBe(preWinner[0]!.data.reviewApplication.stage);
    expect(afterRace.stages.filter((s: { decidedAt: string | null }) => s.decidedAt)).toHaveLength(1);

    const k = nextCase();
    const id = (await c.apply(k.consumer, k.resource, [k.field])).data.applyForAccess.id;
    await c.review('data-bureau', c.AUTHORITY, id, true);

    const extensions = await Promise.all([c.extend(k.provider, c.PROVIDER, id, 2, '甲'), c.extend(k.provider, c.PROVIDER, id, 7, '乙')]);
    const extWinner = extensions.filter((r) => !r.errors);
    expect(extWinner).toHaveLength(1);
    const stored = (await c.read(k.consumer, id)).stages[1];
    expect(stored.extendedBy).toBe(extWinner[0]!.data.extendDeadline.stages[1].extendedBy);

    await c.review(k.provider, c.PROVIDER, id, false, '不予共享');
    const escalations = await Promise.all([c.escalate(k.consumer, c.CONSUMER, id, '一'), c.escalate(k.consumer, c.CONSUMER, id, '二')]);
    expect(escalations.filter((r) => !r.errors)).toHaveLength(1);
    const decisions = await Promise.all([c.decide('data-bureau', c.AUTHORITY, id, true, '准'), c.decide('data-bureau', c.AUTHORITY, id, false, '驳'), c.decide('data-bureau', c.AUTHORITY, id, true, '准')]);
    const won = decisions.filter((r) => !r.errors);
    expect(won).toHaveLength(1);
    const grants = (await stack.state.grants.list({ consumer: k.consumer })).filter((g) => g.applicationId === id);
    expect(grants).toHaveLength(won[0]!.data.decideEscalation.status === 'APPROVED' ? 1 : 0);
  });

  it('audits each stage change as a platform event', async () => {
    const k = nextCase();
    const id = (await c.apply(k.consumer, k.resource, [k.field])).data.applyForAccess.id;
    await c.extend('data-bureau', c.AUTHORITY, id, 2, '补正材料');
    await c.review('data-bureau', c.AUTHORITY, id, true);
    await c.review(k.provider, c.PROVIDER, id, false, '不符');
    await c.escalate(k.consumer, c.CONSUMER, id, '申请协调');
    await c.decide('data-bureau', c.AUTHORITY, id, false, '维持');
    const log = await c.gql('data-bureau', c.AUTHORITY, '{ auditLog(first: 500, resource: $r) { records { kind operationName consumer providers detail } } }'.replace('$r', JSON.stringify(k.resource)));
    const mine = log.data.auditLog.records.filter((r: { detail: string | null; kind: string }) => r.kind === 'PLATFORM' && r.detail?.includes(id));
    expect(mine.map((r: { operationName: string; consumer: string }) => [r.operationName, r.consumer]).reverse()).toEqual([
      ['applyForAccess', k.consumer], ['extendDeadline', 'data-bureau'], ['reviewApplication', 'data-bureau'],
      ['reviewApplication', k.provider], ['escalateApplication', k.consumer], ['decideEscalation', 'data-bureau'],
    ]);
    expect(mine.find((r: { operationName: string }) => r.operationName === 'extendDeadline').detail).toMatch(/extended by 2 working days to 2026-10-12: 补正材料/);
    for (const r of mine) expect(r.providers).toEqual([k.provider]);
  });

  it('evaluation counts the provider\'s own stage, its extensions and how its escalated refusals fared', async () => {
    // CIV-ASSISTANCE (civil-affairs) is used by this test alone. Monday 2026-11-02, 10:00 in Shanghai.
    const at = (iso: string) => clock.set(`${iso}T02:00:00Z`);
    const civil = (consumer: string, field: string) => c.apply(consumer, 'CIV-ASSISTANCE', [field]).then((r) => r.data.applyForAccess.id as string);
    at('2026-11-02');
    const inTime = await civil('tax', 'Person.subsistenceAllowance');
    const extended = await civil('housing', 'Person.marriageRegistrations');
    const stopped = await civil('development-reform', 'Person.subsistenceAllowance');
    const overturned = await civil('human-resources', 'Person.marriageRegistrations');
    const waiting = await civil('market-regulation', 'Person.subsistenceAllowance');
    for (const id of [extended, overturned, waiting]) await c.review('data-bureau', c.AUTHORITY, id, true);
    await c.review('data-bureau', c.AUTHORITY, stopped, false, '不符合');
    at('2026-11-03');
    await c.review('data-bureau', c.AUTHORITY, inTime, true);
    at('2026-11-04');
    await c.review('civil-affairs', c.PROVIDER, overturned, false, '不予共享');
    await c.escalate('human-resources', c.CONSUMER, overturned, '协调');
    at('2026-11-05');
    await c.review('civil-affairs', c.PROVIDER, inTime, true);
    await c.decide('data-bureau', c.AUTHORITY, overturned, true, '应予共享');
    at('2026-11-10');
    await c.extend('civil-affairs', c.PROVIDER, extended, 2, '需核查');
    at('2026-11-18'); // the extended deadline: 11-16 + 2
    await c.review('civil-affairs', c.PROVIDER, extended, false, '不予共享');
    await c.escalate('housing', c.CONSUMER, extended, '协调');
    await c.decide('data-bureau', c.AUTHORITY, extended, false, '维持');
    at('2026-11-20'); // `waiting` is past its deadline (11-16)

    const { data } = await c.gql('data-bureau', c.AUTHORITY, `{ evaluation(department: "civil-affairs") { applicationsReceived applicationsAnswered
      applicationsAnsweredInTime applicationsOverdue applicationsPending meanAnswerWorkingDays escalationsReceived escalationsPending escalationsUpheld
      escalationsOverturned deadlineExtensions } }`);
    expect(data.evaluation[0]).toEqual({
      // `stopped` never reached the provider.
      applicationsReceived: 4, applicationsAnswered: 3, applicationsAnsweredInTime: 3, applicationsOverdue: 1, applicationsPending: 1,
      // From the provider's stage on: inTime 11-03→11-05 (2), extended 11-02→11-18 (12), overturned 11-02→11-04 (2).
      meanAnswerWorkingDays: 5.333,
      escalationsReceived: 2, escalationsPending: 0, escalationsUpheld: 1, escalationsOverturned: 1, deadlineExtensions: 1,
    });
  });
});

describe('without GOVSHARE_WORKFLOW: CONTRACT §6 as it was, one stage', () => {
  const clock = movableClock('2026-09-30T02:00:00Z');
  let stack: Stack;
  let c: ReturnType<typeof workflowClient>;
  beforeAll(async () => { stack = await startStack({ now: clock.now }); c = workflowClient(stack); });
  afterAll(async () => { await stack?.close(); });

  it('has the provider\'s stage only, due on the 5th working day, extended once, escalated to data-bureau', async () => {
    const { data } = await c.gql('tax', c.CONSUMER, '{ workflowSettings { preReviewBy providerWorkingDays escalationAuthority escalationWorkingDays maxExtensionWorkingDays } }');
    expect(data.workflowSettings).toEqual({ preReviewBy: null, providerWorkingDays: 5, escalationAuthority: 'data-bureau', escalationWorkingDays: 5, maxExtensionWorkingDays: 10 });
    const applied = (await c.apply('tax', 'POP-PERSON', ['Person.householdAddress'])).data.applyForAccess;
    expect(applied).toMatchObject({ status: 'PENDING', stage: 'PROVIDER_REVIEW', deadline: '2026-10-13' });
    expect(applied.stages).toEqual([expect.objectContaining({ name: 'PROVIDER_REVIEW', holder: 'public-security', startedAt: '2026-09-30T02:00:00.000Z', deadline: '2026-10-13' })]);
    // data-bureau holds no pre-review here: as admin it may act for the provider (CONTRACT §6).
    const extended = (await c.extend('public-security', c.PROVIDER, applied.id, 5, '节后集中办理')).data.extendDeadline;
    expect(extended.deadline).toBe('2026-10-20');
    clock.set('2026-10-14T02:00:00Z');
    await c.review('public-security', c.PROVIDER, applied.id, false, '用途不明');
    const escalated = (await c.escalate('tax', c.CONSUMER, applied.id, '用途已写明')).data.escalateApplication;
    expect(escalated).toMatchObject({ stage: 'ESCALATED', deadline: '2026-10-21', stages: [expect.anything(), expect.objectContaining({ holder: 'data-bureau' })] });
    const decided = (await c.decide('data-bureau', c.AUTHORITY, applied.id, true, '用途明确')).data.decideEscalation;
    expect(decided).toMatchObject({ status: 'APPROVED', decidedBy: 'data-bureau', grant: { active: true } });
  });

  it('reads back an application written before the stages existed as one provider stage (migration 005)', async () => {
    const old = {
      id: 'before-stages', status: 'REJECTED', consumer: 'housing', resource: 'POP-PERSON', provider: 'public-security', fields: ['Person.mobile'],
      purpose: '旧申请', raw: false, requestedValidUntil: null, submittedAt: '2026-03-02T02:00:00.000Z', deadline: '2026-03-09',
      decidedAt: '2026-03-10T02:00:00.000Z', decidedBy: 'public-security', reason: '旧理由', grantId: null,
    };
    const db = stack.database.db;
    await db.query(`INSERT INTO govshare.records (kind, id, status, data, ord) VALUES ('applications', $1, $2, $3::text::jsonb, $4)`,
      [old.id, old.status, JSON.stringify(old), Date.parse(old.submittedAt)]);
    await db.query(`INSERT INTO govshare.record_index (kind, name, value, id) VALUES ('applications', 'consumer', 'housing', $1), ('applications', 'provider', 'public-security', $1)`, [old.id]);
    await db.exec(loadMigrations().find((m) => m.version === 5)!.sql);
    const read = await c.read('housing', old.id);
    expect(read).toMatchObject({ stage: 'DECIDED', status: 'REJECTED', overdue: true, escalationReason: null });
    expect(read.stages).toEqual([{
      name: 'PROVIDER_REVIEW', holder: 'public-security', holderName: '公安局', startedAt: old.submittedAt, deadline: '2026-03-09',
      decidedAt: old.decidedAt, decidedBy: 'public-security', decision: 'REJECTED', reason: '旧理由', overdue: true,
      extendedBy: null, extensionReason: null, extendedAt: null,
    }]);
    // Migrated once: running it again changes nothing; the escalation path is open to it like to any refusal.
    await db.exec(loadMigrations().find((m) => m.version === 5)!.sql);
    expect((await c.escalate('housing', c.CONSUMER, old.id, '旧案协调')).data.escalateApplication.stage).toBe('ESCALATED');
  });
});

describe('GOVSHARE_WORKFLOW is checked at start-up', () => {
  it.each([
    ['a missing file', null, /cannot be read/],
    ['not JSON', '{ preReview: 2 }', /is not valid JSON/],
    ['a misspelt key', { preReveiw: { workingDays: 2 } }, /preReveiw/],
    ['zero working days', { preReview: { workingDays: 0 } }, /preReview\.workingDays must be at least 1/],
    ['a fraction of a day', { providerReview: { workingDays: 7.5 } }, /providerReview\.workingDays must be a whole number/],
    ['a deadline past 30 working days', { providerReview: { workingDays: 31 } }, /at most 30/],
    ['an extension past 10 working days', { extension: { maxWorkingDays: 15 } }, /extension\.maxWorkingDays must be at most 10/],
    ['a reviewer that is no code', { preReview: { reviewer: '', workingDays: 2 } }, /preReview\.reviewer must be a department code/],
    ['a list', [], /expected object/],
  ])('%s stops the configuration, naming the variable, the file and the problem', (_, content, problem) => {
    const file = content === null ? '/nonexistent/workflow.json' : writeJson('workflow.json', content);
    const error = (() => { try { loadConfig({ GOVSHARE_WORKFLOW: file }); } catch (e) { return e as ConfigError; } return null; })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(error!.problems).toHaveLength(1);
    expect(error!.problems[0]).toContain(`GOVSHARE_WORKFLOW (${file}): `);
    expect(error!.problems[0]).toMatch(problem);
  });

  it('fills in the defaults a file leaves out', () => {
    const settings = loadConfig({ GOVSHARE_WORKFLOW: writeJson('workflow.json', { preReview: { workingDays: 2 } }) }).workflow;
    expect(settings).toMatchObject({
      preReview: { reviewer: 'data-bureau', workingDays: 2 }, providerReview: { workingDays: 5 },
      escalation: { authority: 'data-bureau', workingDays: 5 }, extension: { maxWorkingDays: 10 },
    });
    expect(loadConfig({}).workflow).toBeUndefined();
  });

  it('refuses a reviewer or an authority that is not a configured department', async () => {
    for (const workflow of [{ preReview: { reviewer: 'data-buerau', workingDays: 2 } }, { escalation: { authority: 'nobody' } }]) {
      const file = writeJson('workflow.json', workflow);
      const state = await openPrivateState();
      const dataDir = mkdtempSync(join(tmpdir(), 'govshare-workflow-gateway-')); // the keys it generates stay out of the repo
      const gateway = createGateway({ config: { ...gatewayConfigFromEnv({ GOVSHARE_WORKFLOW: file }), port: 0, subgraphs: [], dataDir }, state });
      try {
        await expect(gateway.start()).rejects.toThrow(new RegExp(`GOVSHARE_WORKFLOW \\(${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\): .* is not a configured department`));
      } finally {
        await gateway.close().catch(() => {});
        await state.close();
        rmSync(dataDir, { recursive: true, force: true });
      }
    }
  });

  it('gateway/main.ts exits 1 with the problem on stderr before anything listens', async () => {
    const port = await freePort();
    const file = writeJson('workflow.json', { providerReview: { workingDays: '10' } });
    const gateway = spawnScript('gateway/main.ts', [], { GATEWAY_PORT: String(port), GOVSHARE_WORKFLOW: file });
    const code = await Promise.race([gateway.exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 20_000))]);
    if (code === 'timeout') await gateway.kill();
    expect(code).toBe(1);
    expect(gateway.output()).toContain(`configuration: GOVSHARE_WORKFLOW (${file}): providerReview.workingDays must be a number of working days`);
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
  }, 30_000);
});
