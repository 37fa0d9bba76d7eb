import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../gateway/identity/caller.ts';
import { STATE_KINDS, type Stack } from '../support/stack.ts';
import { applicationCases, movableClock, outcome, startStagedStack, workflowClient } from '../support/workflow-stages.ts';

/**
 * Attacks on the review stages (issue 16 parts 1–3): every party tries what is another's — deciding a
 * pre-review, extending someone else's deadline, escalating another's refusal, the provider deciding the
 * dispute about its own refusal — and each is refused with nothing changed: the application reads back
 * as before and no grant appears.
 */
describe.each(STATE_KINDS)('review stages refuse whoever does not hold them (%s state)', (kind) => {
  const clock = movableClock('2026-11-02T02:00:00Z'); // Monday, 10:00 in Shanghai; nothing here runs late
  let stack: Stack;
  let c: ReturnType<typeof workflowClient>;
  const nextCase = applicationCases();
  beforeAll(async () => { stack = await startStagedStack(kind, clock.now); c = workflowClient(stack); });
  afterAll(async () => { await stack?.close(); });

  type Case = ReturnType<typeof nextCase> & { id: string };
  const atPreReview = async (): Promise<Case> => {
    const k = nextCase();
    const applied = await c.apply(k.consumer, k.resource, [k.field]);
    expect(applied.errors).toBeUndefined();
    return { ...k, id: applied.data.applyForAccess.id };
  };
  const atProvider = async () => {
    const k = await atPreReview();
    expect(outcome(await c.review('data-bureau', c.AUTHORITY, k.id, true))).toBe('ok');
    return k;
  };
  const refused = async () => {
    const k = await atProvider();
    expect(outcome(await c.review(k.provider, c.PROVIDER, k.id, false, '不予共享'))).toBe('ok');
    return k;
  };
  const escalated = async () => {
    const k = await refused();
    expect(outcome(await c.escalate(k.consumer, c.CONSUMER, k.id, '申请协调'))).toBe('ok');
    return k;
  };
  /** The attack is refused with `code`, and the application and its grants are as they were. */
  const refusedUnchanged = async (k: Case, attack: () => Promise<Parameters<typeof outcome>[0]>, code: string, label: string) => {
    const before = await c.read(k.consumer, k.id);
    const result = await attack();
    expect(outcome(result), `${label}: ${JSON.stringify(result.errors?.[0]?.message)}`).toBe(code);
    expect(result.data?.reviewApplication ?? result.data?.extendDeadline ?? result.data?.escalateApplication ?? result.data?.decideEscalation ?? null).toBeNull();
    expect(await c.read(k.consumer, k.id), label).toEqual(before);
    expect((await stack.state.grants.list({ consumer: k.consumer })).filter((g) => g.applicationId === k.id), label).toEqual([]);
  };
  /** A department that is neither party nor the authority in case `k`. */
  const bystander = (k: Case) => ['tax', 'development-reform', 'civil-affairs', 'housing'].find((d) => d !== k.consumer && d !== k.provider)!;

  it('takes no reason that displays otherwise than it is stored, at any stage', async () => {
    // Right-to-left override (the rest reads reversed) and a zero-width space: what a reviewer reads is not what is kept.
    for (const reason of ['不予共享\u202E享共予准', '申请\u200B协调']) {
      const pending = await atProvider();
      await refusedUnchanged(pending, () => c.review(pending.provider, c.PROVIDER, pending.id, false, reason), 'BAD_USER_INPUT', 'a rejection');
      const refusal = await refused();
      await refusedUnchanged(refusal, () => c.escalate(refusal.consumer, c.CONSUMER, refusal.id, reason), 'BAD_USER_INPUT', 'an escalation');
      const dispute = await escalated();
      await refusedUnchanged(dispute, () => c.decide('data-bureau', c.AUTHORITY, dispute.id, true, reason), 'BAD_USER_INPUT', 'the authority overturning');
    }
  });

  it('decides a pre-review only as the authority\'s department with the admin role', async () => {
    const k = await atPreReview();
    const attackers: Array<[string, string, Role[]]> = [
      ['the consumer approving at pre-review, even as an admin', k.consumer, ['admin']],
      ['the consumer as a consumer', k.consumer, ['consumer']],
      ['the provider, whose stage comes after', k.provider, ['provider']],
      ['the provider as an admin', k.provider, ['admin']],
      ['an admin of another department', bystander(k), ['admin']],
      ['the authority without the admin role', 'data-bureau', ['provider']],
      ['the authority as a consumer', 'data-bureau', ['consumer']],
      ['the authority\'s auditor', 'data-bureau', ['auditor']],
    ];
    for (const [label, department, roles] of attackers) {
      await refusedUnchanged(k, () => c.review(department, roles, k.id, true), 'FORBIDDEN', `${label} approving`);
      await refusedUnchanged(k, () => c.review(department, roles, k.id, false, '驳回'), 'FORBIDDEN', `${label} rejecting`);
      await refusedUnchanged(k, () => c.extend(department, roles, k.id, 2, '延期'), 'FORBIDDEN', `${label} extending`);
    }
  });

  it('lets nobody but the provider (or an admin of another department) decide or extend the provider\'s stage', async () => {
    const k = await atProvider();
    const attackers: Array<[string, string, Role[]]> = [
      ['the authority that passed the pre-review', 'data-bureau', ['admin']],
      ['the consumer as an admin', k.consumer, ['admin']],
      ['another provider', bystander(k), ['provider']],
      ['the provider without the provider role', k.provider, ['consumer']],
    ];
    for (const [label, department, roles] of attackers) {
      await refusedUnchanged(k, () => c.review(department, roles, k.id, true), 'FORBIDDEN', `${label} approving`);
      await refusedUnchanged(k, () => c.extend(department, roles, k.id, 3, '延期'), 'FORBIDDEN', `${label} extending`);
    }
  });

  it('extends a stage once, by a whole number of working days within the bound, with a reason', async () => {
    const k = await atProvider();
    for (const [days, reason] of [[0, '零'], [11, '超过上限'], [-3, '负数'], [2, ''], [2, '\u3000 \n']] as const) {
      await refusedUnchanged(k, () => c.extend(k.provider, c.PROVIDER, k.id, days, reason), 'BAD_USER_INPUT', `extension ${days} ${JSON.stringify(reason)}`);
    }
    // Not an Int at all: the variables do not coerce, nothing runs.
    for (const days of [2.5, 2 ** 31, '3']) {
      const before = await c.read(k.consumer, k.id);
      const result = await c.gql(k.provider, c.PROVIDER, 'mutation($id: ID!, $d: Int!) { extendDeadline(id: $id, workingDays: $d, reason: "x") { id } }', { id: k.id, d: days });
      expect(['BAD_USER_INPUT', 'GRAPHQL_VALIDATION_FAILED']).toContain(outcome(result));
      expect(await c.read(k.consumer, k.id)).toEqual(before);
    }
    expect(outcome(await c.extend(k.provider, c.PROVIDER, k.id, 3, '需核查'))).toBe('ok');
    const once = await c.read(k.consumer, k.id);
    for (const days of [1, 3]) {
      const result = await c.extend(k.provider, c.PROVIDER, k.id, days, '再延一次');
      expect(outcome(result)).toBe('BAD_USER_INPUT');
      expect(result.errors![0]!.message).toMatch(/already extended once/);
    }
    expect(await c.read(k.consumer, k.id)).toEqual(once);
  });

  it('lets only the consumer escalate, only a refusal by the provider, and only once', async () => {
    const pending = await atPreReview();
    await refusedUnchanged(pending, () => c.escalate(pending.consumer, c.CONSUMER, pending.id, '太慢'), 'BAD_USER_INPUT', 'escalating a pending application');
    const atItsProvider = await atProvider();
    await refusedUnchanged(atItsProvider, () => c.escalate(atItsProvider.consumer, c.CONSUMER, atItsProvider.id, '太慢'), 'BAD_USER_INPUT', 'escalating at the provider\'s stage');

    const stoppedAtPreReview = await atPreReview();
    await c.review('data-bureau', c.AUTHORITY, stoppedAtPreReview.id, false, '不符合');
    await refusedUnchanged(stoppedAtPreReview, () => c.escalate(stoppedAtPreReview.consumer, c.CONSUMER, stoppedAtPreReview.id, '不服'), 'BAD_USER_INPUT', 'escalating a pre-review rejection');

    const k = await refused();
    for (const [label, department, roles] of [
      ['the provider', k.provider, ['provider']], ['the authority', 'data-bureau', ['admin']], ['a bystander', bystander(k), ['admin']],
    ] as Array<[string, string, Role[]]>) {
      await refusedUnchanged(k, () => c.escalate(department, roles, k.id, '替人申诉'), 'FORBIDDEN', `${label} escalating another's refusal`);
    }
    await refusedUnchanged(k, () => c.escalate(k.consumer, c.CONSUMER, k.id, ' '), 'BAD_USER_INPUT', 'escalating without grounds');
    expect(outcome(await c.escalate(k.consumer, c.CONSUMER, k.id, '依法应予共享'))).toBe('ok');
    const once = await c.read(k.consumer, k.id);
    expect(outcome(await c.escalate(k.consumer, c.CONSUMER, k.id, '再次申诉'))).toBe('BAD_USER_INPUT');
    expect(await c.read(k.consumer, k.id)).toEqual(once);
  });

  it('refuses to escalate an approved application', async () => {
    const k = await atProvider();
    expect(outcome(await c.review(k.provider, c.PROVIDER, k.id, true))).toBe('ok');
    const before = await c.read(k.consumer, k.id);
    expect(outcome(await c.escalate(k.consumer, c.CONSUMER, k.id, '还想要更多'))).toBe('BAD_USER_INPUT');
    expect(await c.read(k.consumer, k.id)).toEqual(before);
  });

  it('never lets the provider decide the escalation of its own refusal, nor anyone but the authority', async () => {
    const k = await escalated();
    const attackers: Array<[string, string, Role[]]> = [
      ['the provider as an admin', k.provider, ['admin']],
      ['the provider', k.provider, ['provider']],
      ['the consumer as an admin', k.consumer, ['admin']],
      ['an admin of another department', bystander(k), ['admin']],
      ['the authority without the admin role', 'data-bureau', ['provider']],
    ];
    for (const [label, department, roles] of attackers) {
      await refusedUnchanged(k, () => c.decide(department, roles, k.id, true, '改判'), 'FORBIDDEN', `${label} overturning`);
      await refusedUnchanged(k, () => c.decide(department, roles, k.id, false, '维持'), 'FORBIDDEN', `${label} upholding`);
    }
    // Not through reviewApplication either, by anyone: an escalated refusal is decided with decideEscalation
    // (the provider and a bystander admin are told so; the authority, which pre-reviewed it, is refused).
    for (const [department, roles, code] of [[k.provider, ['provider'], 'BAD_USER_INPUT'], ['data-bureau', ['admin'], 'FORBIDDEN'],
      [bystander(k), ['admin'], 'BAD_USER_INPUT']] as Array<[string, Role[], string]>) {
      await refusedUnchanged(k, () => c.review(department, roles, k.id, true), code, `${department} approving through reviewApplication`);
    }
    await refusedUnchanged(k, () => c.extend(k.provider, c.PROVIDER, k.id, 2, '拖延'), 'FORBIDDEN', 'the provider extending the authority\'s deadline');
    await refusedUnchanged(k, () => c.decide('data-bureau', c.AUTHORITY, k.id, true, '\u3000'), 'BAD_USER_INPUT', 'a decision without a reason');
  });

  it('decides only what was escalated', async () => {
    const k = await refused();
    await refusedUnchanged(k, () => c.decide('data-bureau', c.AUTHORITY, k.id, true, '直接改判'), 'BAD_USER_INPUT', 'deciding a refusal nobody escalated');
    const pending = await atProvider();
    await refusedUnchanged(pending, () => c.decide('data-bureau', c.AUTHORITY, pending.id, true, '直接批准'), 'BAD_USER_INPUT', 'the pre-reviewer approving at the provider\'s stage through decideEscalation');
  });

  it('has no one to escalate to when the data authority refused, or asked, itself', async () => {
    // LIC-LICENSE is data-bureau's own resource: its refusal is the authority's.
    const applied = (await c.apply('tax', 'LIC-LICENSE', ['Person.licenses'])).data.applyForAccess;
    expect(outcome(await c.review('data-bureau', c.AUTHORITY, applied.id, true))).toBe('ok');
    expect(outcome(await c.review('data-bureau', c.AUTHORITY, applied.id, false, '不予共享'))).toBe('ok');
    const license = { ...applied, consumer: 'tax', provider: 'data-bureau', resource: 'LIC-LICENSE', field: 'Person.licenses' } as Case;
    await refusedUnchanged(license, () => c.escalate('tax', c.CONSUMER, applied.id, '协调'), 'BAD_USER_INPUT', 'escalating the authority\'s own refusal');
    // The authority's own application skips pre-review; its refusal has nobody above it here either.
    const own = (await c.gql('data-bureau', c.AUTHORITY, 'mutation { applyForAccess(input: { resource: "SOC-INSURANCE", fields: ["Person.pension"], purpose: "数据治理" }) { id stage } }')).data.applyForAccess;
    expect(own.stage).toBe('PROVIDER_REVIEW');
    expect(outcome(await c.review('human-resources', c.PROVIDER, own.id, false, '不予共享'))).toBe('ok');
    const ownCase = { id: own.id, consumer: 'data-bureau', provider: 'human-resources', resource: 'SOC-INSURANCE', field: 'Person.pension' } as Case;
    await refusedUnchanged(ownCase, () => c.escalate('data-bureau', c.AUTHORITY, own.id, '协调'), 'BAD_USER_INPUT', 'the authority escalating to itself');
  });

  it('knows no application by another spelling of its id', async () => {
    const k = await escalated();
    for (const id of [` ${k.id}`, k.id.toUpperCase(), `${k.id}\n`, 'nope']) {
      expect(outcome(await c.decide('data-bureau', c.AUTHORITY, id, true, '准'))).toBe('BAD_USER_INPUT');
      expect(outcome(await c.extend('data-bureau', c.AUTHORITY, id, 1, '延'))).toBe('BAD_USER_INPUT');
      expect(outcome(await c.escalate(k.consumer, c.CONSUMER, id, '诉'))).toBe('BAD_USER_INPUT');
    }
    expect((await c.read(k.consumer, k.id)).stage).toBe('ESCALATED');
  });
});
