import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, STATE_KINDS, type Stack } from '../support/stack.ts';
import { waitFor } from '../support/processes.ts';
import { call, exportEvidence, readPerson, rewriteAndRechain, VERIFY_QUERY } from './support.ts';

/**
 * The chain watch (gateway/audit/chain-watch.ts): the gateway checks its own audit chain against the signed
 * checkpoints every GOVSHARE_AUDIT_VERIFY_SECONDS, so a rewrite of the records is found without anyone asking
 * — logged at error level, `govshare_audit_chain_intact` 0 — and the checks that are asked for start from
 * where the watch got to.
 */
describe.each(STATE_KINDS)('the audit chain watch (%s state)', (stateKind) => {
  let stack: Stack;
  const lines: string[] = [];
  let victim: number;

  const metric = async (name: string): Promise<number | null> => {
    const text = await (await fetch(`${stack.gatewayUrl}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
    return line ? Number(line.split(' ').at(-1)) : null;
  };
  const checks = async (result: string) => {
    const text = await (await fetch(`${stack.gatewayUrl}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(`govshare_audit_chain_checks_total{result="${result}"}`));
    return line ? Number(line.split(' ').at(-1)) : 0;
  };

  beforeAll(async () => {
    stack = await startStack({ state: stateKind, gatewayConfig: { auditCheckpointSeconds: 3600, auditVerifySeconds: 1 }, log: (message) => lines.push(message) });
    victim = await readPerson(stack, 'tax', 'Victim');
    await readPerson(stack, 'tax', 'After1');
    // A checkpoint covering both (made on demand for the evidence): what the watch verifies against.
    expect((await exportEvidence(stack, victim, 'tax')).errors).toBeUndefined();
  });
  afterAll(async () => { await stack?.close(); });

  it('checks the chain on its own, and a department\'s check then starts where the watch got to', async () => {
    const before = await checks('intact');
    await waitFor(async () => (await checks('intact')) > before, 15_000, 'a background check of the intact chain');
    expect(await metric('govshare_audit_chain_intact')).toBe(1);
    const checkedAt = await metric('govshare_audit_chain_checked_timestamp_seconds');
    expect(checkedAt).toBeGreaterThan(Date.now() / 1000 - 60);
    // Nobody asked yet, and the progress row already stands at the checkpoint: a plain department's check
    // walks only what came after it.
    const [progress] = await stack.database.db.query<{ record_seq: string }>('SELECT record_seq::text AS record_seq FROM govshare.audit_verification');
    expect(Number(progress!.record_seq)).toBeGreaterThanOrEqual(victim);
    const asked = (await call(stack, VERIFY_QUERY, {}, 'tax')).data.verifyAuditChain;
    expect(asked).toMatchObject({ ok: true, firstBrokenCheckpoint: null });
    expect(asked.from).toBe(Number(progress!.record_seq) + 1);
    expect(lines.some((l) => l.includes('AUDIT CHAIN BROKEN'))).toBe(false);
  });

  it('a record rewritten in the database, every later hash recomputed: found without anyone asking, logged once at error level', async () => {
    await rewriteAndRechain(stack.database.db, victim, 'purpose', '篡改后的用途');
    await waitFor(async () => (await metric('govshare_audit_chain_intact')) === 0, 15_000, 'the watch to find the rewrite');
    const broken = lines.filter((l) => l.includes('AUDIT CHAIN BROKEN'));
    expect(broken).toHaveLength(1);
    expect(broken[0]).toMatch(/first broken checkpoint 1\b/);
    // The watch keeps checking and keeps finding it, but says so once per break, not once per check.
    const count = await checks('broken');
    await waitFor(async () => (await checks('broken')) >= count + 2, 15_000, 'two more checks of the broken chain');
    expect(lines.filter((l) => l.includes('AUDIT CHAIN BROKEN'))).toHaveLength(1);
    expect(await metric('govshare_audit_chain_intact')).toBe(0);
    // What a department asks for says the same.
    expect((await call(stack, VERIFY_QUERY, {}, 'tax')).data.verifyAuditChain).toMatchObject({ ok: false, firstBrokenCheckpoint: 1 });
  });
});

/**
 * Replicas on one PostgreSQL take turns: the timer's check runs under a lease (a transaction-scoped advisory
 * lock), and a replica that finds it taken skips its turn rather than walking the same records at once.
 */
describe.each(STATE_KINDS.filter((kind) => kind === 'postgres'))('the chain watch\'s lease across replicas (%s state)', (stateKind) => {
  let stack: Stack;
  const intactChecks = async () => {
    const text = await (await fetch(`${stack.gatewayUrl}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith('govshare_audit_chain_checks_total{result="intact"}'));
    return line ? Number(line.split(' ').at(-1)) : 0;
  };

  beforeAll(async () => { stack = await startStack({ state: stateKind, gatewayConfig: { auditCheckpointSeconds: 3600, auditVerifySeconds: 1 } }); });
  afterAll(async () => { await stack?.close(); });

  it('skips its turn while another holds the lease, and checks once it is free', async () => {
    let release: () => void = () => {};
    let held: () => void = () => {};
    const holding = new Promise<void>((resolve) => { held = resolve; });
    // Another replica's check under way: the lease held on a connection of the test's own.
    const other = stack.database.db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [0x67_76_63_6b]);
      held();
      await new Promise<void>((resolve) => { release = resolve; });
    });
    await holding;
    const before = await intactChecks();
    await new Promise((resolve) => setTimeout(resolve, 3500)); // three turns of a 1 s interval
    expect(await intactChecks()).toBe(before);
    // Asked for, a check does not wait for the lease: a caller wants its answer.
    expect((await call(stack, VERIFY_QUERY, {}, 'tax')).data.verifyAuditChain).toMatchObject({ ok: true });
    const asked = await intactChecks();
    release();
    await other;
    await waitFor(async () => (await intactChecks()) > asked, 10_000, 'the watch\'s check once the lease is free');
  });
});
