import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, STATE_KINDS, type Stack } from '../support/stack.ts';
import { call, exportEvidence, fetchCheckpointPages, readPerson, rewriteAndRechain, tempFile, verifyEvidence, VERIFY_QUERY } from './support.ts';

/**
 * An attacker who can write the records database: rewrites one audit record and recomputes every hash
 * after it and the head, so the chain is consistent in itself — then goes further (deletes checkpoints,
 * lets the gateway sign the rewritten head, rewrites the verification progress). The signed checkpoints,
 * and the copies of them an outside party holds, are what give it away.
 */
describe.each(STATE_KINDS)('a rewritten audit log (%s state)', (stateKind) => {
  let stack: Stack;
  let victim: number;
  let before: any;
  let heldFile: string;
  let jwksFile: string;
  let cp1: { sequence: number; recordId: string; headHash: string };

  beforeAll(async () => {
    stack = await startStack({ state: stateKind, gatewayConfig: { auditCheckpointSeconds: 3600 } });
    jwksFile = tempFile('jwks.json', await (await fetch(`${stack.gatewayUrl}/.well-known/jwks.json`)).json());
    victim = await readPerson(stack, 'tax', 'Victim');
    await readPerson(stack, 'tax', 'After1');
    // Evidence for the victim while the log is intact: checkpoint 1 is made for it, on demand.
    const body = await exportEvidence(stack, victim, 'tax');
    expect(body.errors).toBeUndefined();
    before = body.data.exportAuditEvidence;
    cp1 = before.checkpoint;
    await readPerson(stack, 'tax', 'After2');
    await exportEvidence(stack, await readPerson(stack, 'tax', 'After3'), 'tax');
    // An outside party's copy of the checkpoints, and a first verification that leaves progress behind.
    heldFile = tempFile('held.json', await fetchCheckpointPages(stack));
    const first = (await call(stack, VERIFY_QUERY, {}, 'data-bureau', ['admin'])).data.verifyAuditChain;
    expect(first).toMatchObject({ ok: true, firstBrokenCheckpoint: null });
  });
  afterAll(async () => { await stack?.close(); });

  const verify = async (full: boolean) => (await call(stack, VERIFY_QUERY, { full }, 'data-bureau', ['admin'])).data.verifyAuditChain;

  it('the rewrite with every later hash recomputed: both checks name the first checkpoint it broke', async () => {
    await rewriteAndRechain(stack.database.db, victim, 'purpose', '篡改后的用途');
    // The chain in itself is consistent again, as the attacker wanted: a full walk finds no broken record,
    // only the checkpoints show it. (The incremental walk also finds its first record no longer chaining on
    // the hash verified at the last checkpoint.)
    const incremental = await verify(false);
    expect(incremental).toMatchObject({ ok: false, firstBrokenCheckpoint: cp1.sequence });
    const full = await verify(true);
    expect(full).toMatchObject({ ok: false, firstBrokenId: null, firstBrokenCheckpoint: cp1.sequence, from: 1 });
    // The same for a plain department's incremental check: nothing was verified past the break.
    expect((await call(stack, VERIFY_QUERY, {}, 'tax')).data.verifyAuditChain).toMatchObject({ ok: false, firstBrokenCheckpoint: cp1.sequence });
  });

  it('evidence exported before the rewrite still proves the record as it was, against the held checkpoints', async () => {
    const run = await verifyEvidence([tempFile('before.json', before), '--jwks', jwksFile, '--checkpoints', heldFile]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`Proven: audit record ${victim} says that tax read`);
    expect(run.stdout).not.toContain('篡改');
  });

  it('evidence exported after the rewrite does not verify: its chain ends on another hash than the one signed', async () => {
    const after = (await exportEvidence(stack, victim, 'tax')).data.exportAuditEvidence;
    expect(after.record.purpose).toBe('篡改后的用途');
    expect(after.checkpoint).toEqual(before.checkpoint);
    const run = await verifyEvidence([tempFile('after.json', after), '--jwks', jwksFile, '--checkpoints', heldFile]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`is not the checkpoint's headHash ${before.checkpoint.headHash}`);
  });

  it('a progress row pointed elsewhere changes nothing: the full check ignores it, the incremental one distrusts it', async () => {
    const newest = (await stack.state.audit.checkpoints.page(1, null))[0]!;
    await stack.database.db.query(`UPDATE govshare.audit_verification SET checkpoint = $1, record_seq = $2, head_hash = $3, mac = $4`,
      [newest.sequence, newest.recordId, newest.headHash, 'f'.repeat(64)]);
    expect(await verify(true)).toMatchObject({ ok: false, firstBrokenCheckpoint: cp1.sequence, from: 1 });
    // Its MAC does not hold: the incremental check starts from the first record, as if nothing was verified.
    expect(await verify(false)).toMatchObject({ ok: false, firstBrokenCheckpoint: cp1.sequence, from: 1 });
  });

  it('checkpoints deleted and the rewritten head signed afresh: the copy someone held still tells', async () => {
    await stack.database.db.exec('DELETE FROM govshare.audit_checkpoints');
    // The gateway signs what it finds: the evidence now carries a checkpoint 1 over the rewritten log.
    const resigned = (await exportEvidence(stack, victim, 'tax')).data.exportAuditEvidence;
    expect(resigned.checkpoint.sequence).toBe(1);
    expect(resigned.checkpoint.headHash).not.toBe(before.checkpoint.headHash);
    // Alone it verifies — which is why checkpoints are there to be copied out…
    expect((await verifyEvidence([tempFile('resigned.json', resigned), '--jwks', jwksFile])).code).toBe(0);
    // …and against the copy someone held, it does not.
    const run = await verifyEvidence([tempFile('resigned.json', resigned), '--jwks', jwksFile, '--checkpoints', heldFile]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`checkpoint 1 does not match the held copy in ${heldFile}`);
  });

  it('a deleted checkpoint that a verification already went past is found by the gateway itself', async () => {
    // With the progress row gone as well, the gateway has nothing to compare the re-signed log with: it passes.
    // (That is the limit of what the database alone can show; the held copies above are the answer.)
    await stack.database.db.exec('DELETE FROM govshare.audit_verification');
    expect(await verify(true)).toMatchObject({ ok: true, firstBrokenCheckpoint: null });
    // That check left genuine progress at the newest checkpoint; deleting that checkpoint now is seen.
    const newest = (await stack.state.audit.checkpoints.page(1, null))[0]!;
    await stack.database.db.query('DELETE FROM govshare.audit_checkpoints WHERE sequence = $1', [newest.sequence]);
    expect(await verify(false)).toMatchObject({ ok: false, firstBrokenCheckpoint: newest.sequence });
    expect(await verify(true)).toMatchObject({ ok: false, firstBrokenCheckpoint: newest.sequence });
  });
});
