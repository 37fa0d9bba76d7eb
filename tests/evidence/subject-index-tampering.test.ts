import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subjectsCommitment } from '../../gateway/state/audit-chain.ts';
import { startStack, STATE_KINDS, type Stack } from '../support/stack.ts';
import { call, exportEvidence, readPerson, tempFile, verifyEvidence, VERIFY_QUERY } from './support.ts';

/**
 * The subject index (govshare.audit_subjects) says whose records a read touched: it is what "who read my
 * data" and recall notices are answered from. Every record commits to its rows (`subjectsDigest`, inside the
 * hashed record), so someone who can write the records database cannot hide a read from a person's access
 * log, frame another department, or lift a confidential read's embargo without the chain check saying so.
 */
describe.each(STATE_KINDS)('the subject index under the chain (%s state)', (stateKind) => {
  let stack: Stack;
  let read: number;
  let platform: number;
  let original: Array<{ digest: string; fields: string[]; consumer: string }>;

  const full = async () => (await call(stack, VERIFY_QUERY, { full: true }, 'data-bureau', ['admin'])).data.verifyAuditChain;
  const rows = (seq: number) => stack.database.db.query<{ digest: string; fields: string[]; consumer: string }>(
    `SELECT encode(digest, 'hex') AS digest, fields, consumer FROM govshare.audit_subjects WHERE seq = $1 ORDER BY digest`, [seq]);
  const restore = async () => {
    await stack.database.db.query('DELETE FROM govshare.audit_subjects WHERE seq = ANY($1::bigint[])', [[read, platform]]);
    for (const row of original) {
      await stack.database.db.query(`INSERT INTO govshare.audit_subjects (digest, seq, at, consumer, purpose, fields, embargo_until)
        SELECT decode($1, 'hex'), seq, (record->>'at')::timestamptz, record->>'consumer', record->>'purpose', $2::text[], NULL
        FROM govshare.audit_records WHERE seq = $3`, [row.digest, row.fields, read]);
    }
    expect(await full()).toMatchObject({ ok: true, firstBrokenId: null });
  };

  beforeAll(async () => {
    stack = await startStack({ state: stateKind, gatewayConfig: { auditCheckpointSeconds: 3600 } });
    read = await readPerson(stack, 'tax', 'Read');
    // A record that read nobody (an application): it has no rows, and commits to none.
    const applied = await call(stack, 'mutation { applyForAccess(input: { resource: "POP-PERSON", fields: ["Person.mobile"], purpose: "税务稽查核对" }) { id } }', {}, 'tax');
    expect(applied.errors).toBeUndefined();
    const [last] = await stack.database.db.query<{ seq: string }>('SELECT max(seq)::text AS seq FROM govshare.audit_records');
    platform = Number(last!.seq);
    original = await rows(read);
    expect(original.length).toBeGreaterThan(0);
    expect(await rows(platform)).toEqual([]);
    expect(await full()).toMatchObject({ ok: true, firstBrokenId: null });
  });
  afterAll(async () => { await stack?.close(); });

  it('each record carries the commitment of its rows, exported with it: evidence still verifies', async () => {
    const [stored] = await stack.database.db.query<{ digest: string | null }>(`SELECT record->>'subjectsDigest' AS digest FROM govshare.audit_records WHERE seq = $1`, [read]);
    expect(stored!.digest).toBe(subjectsCommitment(original, null));
    const [none] = await stack.database.db.query<{ digest: string | null }>(`SELECT record->>'subjectsDigest' AS digest FROM govshare.audit_records WHERE seq = $1`, [platform]);
    expect(none!.digest).toBe(subjectsCommitment([], null));
    const evidence = (await exportEvidence(stack, read, 'tax')).data.exportAuditEvidence;
    expect(evidence.record.subjectsDigest).toBe(stored!.digest);
    const run = await verifyEvidence([tempFile('evidence.json', evidence), '--jwks', tempFile('jwks.json', await (await fetch(`${stack.gatewayUrl}/audit/keys`)).json())]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
  });

  it('a read hidden from the person\'s access log (its row deleted) breaks the chain at that record', async () => {
    await stack.database.db.query('DELETE FROM govshare.audit_subjects WHERE seq = $1', [read]);
    expect(await full()).toMatchObject({ ok: false, firstBrokenId: String(read) });
    await restore();
  });

  it('a read pinned on another department (the row\'s consumer changed) breaks it', async () => {
    await stack.database.db.query(`UPDATE govshare.audit_subjects SET consumer = 'public-security' WHERE seq = $1`, [read]);
    expect(await full()).toMatchObject({ ok: false, firstBrokenId: String(read) });
    await restore();
  });

  it('a field added to what was read of the person breaks it', async () => {
    await stack.database.db.query(`UPDATE govshare.audit_subjects SET fields = fields || '{Person.mobile}'::text[] WHERE seq = $1`, [read]);
    expect(await full()).toMatchObject({ ok: false, firstBrokenId: String(read) });
    await restore();
  });

  it('an embargo put on (a read hidden as if a confidential grant had cleared it) breaks it', async () => {
    await stack.database.db.query(`UPDATE govshare.audit_subjects SET embargo_until = now() + interval '10 years' WHERE seq = $1`, [read]);
    expect(await full()).toMatchObject({ ok: false, firstBrokenId: String(read) });
    await restore();
  });

  it('a read made up for a record that read nobody breaks it there', async () => {
    await stack.database.db.query(`INSERT INTO govshare.audit_subjects (digest, seq, at, consumer, purpose, fields)
      SELECT decode($1, 'hex'), seq, (record->>'at')::timestamptz, record->>'consumer', record->>'purpose', '{Person.name}'::text[]
      FROM govshare.audit_records WHERE seq = $2`, [original[0]!.digest, platform]);
    expect(await full()).toMatchObject({ ok: false, firstBrokenId: String(platform) });
    await restore();
  });
});
