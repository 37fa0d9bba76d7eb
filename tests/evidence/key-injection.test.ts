import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signCheckpoint } from '../../gateway/audit/checkpoint-signature.ts';
import { generateSigningKeyPem, signingKeyFromPem } from '../../gateway/keys/index.ts';
import { startStack, STATE_KINDS, type Stack } from '../support/stack.ts';
import { call, exportEvidence, readPerson, rewriteAndRechain, tempFile, verifyEvidence, VERIFY_QUERY } from './support.ts';

/**
 * An attacker who can write the records database but holds none of the gateway's secrets rewrites a record,
 * recomputes the chain, deletes the checkpoints and signs new ones with a key of their own, which they enter
 * in the audit's key history (govshare.audit_keys, kid = its thumbprint, as the gateway's own rows). Each row
 * of the history carries a MAC under a key derived from GOVSHARE_AUDIT_KEY: theirs does not hold, so their
 * key is neither trusted by verifyAuditChain nor offered at GET /audit/keys.
 */
describe.each(STATE_KINDS)('a key of the attacker\'s own in the audit key history (%s state)', (stateKind) => {
  let stack: Stack;
  let victim: number;

  beforeAll(async () => {
    stack = await startStack({ state: stateKind, gatewayConfig: { auditCheckpointSeconds: 3600 } });
    victim = await readPerson(stack, 'tax', 'Victim');
    await readPerson(stack, 'tax', 'After');
    expect((await exportEvidence(stack, victim, 'tax')).errors).toBeUndefined(); // checkpoint 1, by the gateway
  });
  afterAll(async () => { await stack?.close(); });

  const full = async () => (await call(stack, VERIFY_QUERY, { full: true }, 'data-bureau', ['admin'])).data.verifyAuditChain;

  it('checkpoints of a rewritten log signed with it are not trusted, and /audit/keys does not offer it', async () => {
    const db = stack.database.db;
    await rewriteAndRechain(db, victim, 'purpose', '篡改后的用途');
    const own = await signingKeyFromPem(generateSigningKeyPem(), 'attacker');
    const [head] = await db.query<{ seq: string; hash: string }>('SELECT seq::text AS seq, hash FROM govshare.audit_head');
    await db.exec('DELETE FROM govshare.audit_checkpoints; DELETE FROM govshare.audit_verification');
    const payload = { sequence: 1, recordId: head!.seq, headHash: head!.hash, at: new Date().toISOString() };
    await db.query('INSERT INTO govshare.audit_checkpoints (sequence, record_seq, head_hash, at, signature) VALUES ($1, $2, $3, $4, $5)',
      [1, head!.seq, head!.hash, payload.at, signCheckpoint(own, payload)]);
    // A row like the gateway's, the key's thumbprint as kid; a MAC the attacker cannot make, so any will do.
    for (const mac of [null, 'f'.repeat(64)]) {
      await db.query('DELETE FROM govshare.audit_keys WHERE kid = $1', [own.kid]);
      await db.query('INSERT INTO govshare.audit_keys (kid, jwk, first_used, last_used, mac) VALUES ($1, $2::text::jsonb, $3, $3, $4)',
        [own.kid, JSON.stringify(own.publicJwk), '2026-01-01T00:00:00.000Z', mac]);
      expect(await full()).toMatchObject({ ok: false, firstBrokenCheckpoint: 1 });
      const offered = await (await fetch(`${stack.gatewayUrl}/audit/keys`)).json() as { keys: Array<{ kid: string }> };
      expect(offered.keys.map((k) => k.kid)).not.toContain(own.kid);
      expect(offered.keys.length).toBeGreaterThan(0); // the gateway's own key, with its MAC, still is
    }
    // Evidence of the rewritten record, checked against the keys the gateway offers: the forged checkpoint fails.
    const evidence = (await exportEvidence(stack, victim, 'tax')).data.exportAuditEvidence;
    expect(evidence.checkpoint.signature).toBe(signCheckpoint(own, payload));
    const keysFile = tempFile('keys.json', await (await fetch(`${stack.gatewayUrl}/audit/keys`)).json());
    const run = await verifyEvidence([tempFile('forged.json', evidence), '--jwks', keysFile]);
    expect(run.code).toBe(1);
  });
});
