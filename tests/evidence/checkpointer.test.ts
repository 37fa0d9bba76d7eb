import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditCheckpointer } from '../../gateway/audit/checkpointer.ts';
import { checkpointTrust, signCheckpoint } from '../../gateway/audit/checkpoint-signature.ts';
import { generateSigningKeyPem, publishedKeySet, signingKeyFromPem, type GatewaySigningKey } from '../../gateway/keys/index.ts';
import type { AuditCheckpoint } from '../../gateway/state/audit-checkpoints.ts';
import type { StateStores } from '../../gateway/state/types.ts';
import { openDatabase, type Database } from '../../subgraphs/kit/index.ts';
import { eventually, sampleEntry } from '../state-helpers.ts';
import { openTestDatabase, type TestDatabase } from '../support/databases.ts';
import { openTestState, STATE_KINDS } from '../support/stack.ts';
import { auditKeyMac } from '../../gateway/audit/audit-key-mac.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(STATE_KINDS)('the audit checkpointer (%s state)', (kind) => {
  let database: TestDatabase;
  let state: StateStores;
  let signing: GatewaySigningKey;
  let keys: { signing: GatewaySigningKey; keySet: ReturnType<typeof publishedKeySet>; auditKey: string };
  const running: AuditCheckpointer[] = [];
  const extra: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    database = await openTestDatabase(kind);
    state = (await openTestState(kind, database.db)).state;
    signing = await signingKeyFromPem(generateSigningKeyPem(), 'test');
    keys = { signing, keySet: publishedKeySet(signing, {}), auditKey: randomBytes(32).toString('hex') };
  });
  afterAll(async () => {
    await Promise.all(running.map((c) => c.close()));
    for (const dispose of extra) await dispose();
    await state?.close();
    await database?.dispose();
  });

  const start = (intervalSeconds: number, on: StateStores = state) => {
    const checkpointer = new AuditCheckpointer({ audit: on.audit, keys, intervalSeconds }).start();
    running.push(checkpointer);
    return checkpointer;
  };
  const all = async (): Promise<AuditCheckpoint[]> => (await state.audit.checkpoints.page(500, null)).reverse();
  const append = async (n: number, from = 0) => { await Promise.all(Array.from({ length: n }, (_, i) => state.audit.append(sampleEntry(from + i)))); };
  const clear = async () => database.db.exec('DELETE FROM govshare.audit_checkpoints; DELETE FROM govshare.audit_verification;');

  it('makes none while nothing is added, one by time once something is, and none again while idle', async () => {
    const checkpointer = start(1);
    await sleep(1600);
    expect(await all()).toEqual([]);
    await append(3);
    const [made] = await eventually(async () => { const list = await all(); expect(list).toHaveLength(1); return list; }, 3000);
    const [head] = await database.db.query<{ seq: string; hash: string }>('SELECT seq::text AS seq, hash FROM govshare.audit_head');
    expect(made).toMatchObject({ sequence: 1, recordId: head!.seq, headHash: head!.hash });
    expect(await checkpointTrust(() => state.audit.checkpoints.keys(), keys.auditKey).verify(made!)).toBe(true);
    await sleep(2600);
    expect(await all()).toHaveLength(1);
    // The next records: a checkpoint again, no sooner than the interval after the last.
    await append(2, 100);
    const list = await eventually(async () => { const l = await all(); expect(l).toHaveLength(2); return l; }, 3000);
    expect(Date.parse(list[1]!.at) - Date.parse(list[0]!.at)).toBeGreaterThanOrEqual(1000);
    await checkpointer.close();
  });

  it('makes one at least every 1,000 records, after the commit that crosses it', async () => {
    await clear();
    // A whole hour between checkpoints by time: these are the count's.
    const checkpointer = start(3600);
    try {
      const before = Number((await database.db.query<{ seq: string }>('SELECT seq::text AS seq FROM govshare.audit_head'))[0]!.seq);
      const roundEnds = Array.from({ length: 5 }, (_, round) => before + (round + 1) * 500);
      for (let round = 0; round < 5; round++) await append(500, 1000 + round * 500);
      const list = await eventually(async () => {
        const l = await all();
        expect(Number(l.at(-1)?.recordId)).toBeGreaterThanOrEqual(before + 2000);
        return l;
      }, 5000);
      expect(list.map((c) => c.sequence)).toEqual(list.map((_, i) => i + 1));
      // Counted from the last checkpoint (none here: from the start of the log, which holds the earlier
      // tests' records too). Never before 1,000 more records; taken after the round whose commit crosses
      // them, or while the next round is being appended when the checkpointer is slow, never later.
      let previous = 0;
      for (const c of list) {
        const at = Number(c.recordId);
        const crossing = roundEnds.find((end) => end - previous >= 1000)!;
        expect(at - previous).toBeGreaterThanOrEqual(1000);
        expect(at).toBeGreaterThanOrEqual(crossing);
        expect(at).toBeLessThanOrEqual(crossing + 500);
        previous = at;
      }
    } finally {
      // Even when an assertion fails: left running, it would checkpoint the next tests' records.
      await checkpointer.close();
    }
  });

  it('is stopped by close, which waits for the checkpoint in progress', async () => {
    await clear();
    const checkpointer = start(1);
    await append(1, 5000);
    const making = checkpointer.checkpointNow();
    await checkpointer.close();
    expect(await making).not.toBeNull();
    const count = (await all()).length;
    await append(1100, 6000);
    await sleep(1600);
    expect(await all()).toHaveLength(count);
  });

  it('numbers them as numbers past nine: the next sequence, pages, the covering one, verification', async () => {
    await clear();
    const checkpointer = start(3600);
    const made: AuditCheckpoint[] = [];
    for (let i = 0; i < 12; i++) {
      await append(2, 9000 + i * 10);
      made.push((await checkpointer.checkpointNow())!);
    }
    expect(made.map((c) => c.sequence)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect((await state.audit.checkpoints.page(3, null)).map((c) => c.sequence)).toEqual([12, 11, 10]);
    expect((await state.audit.checkpoints.page(3, 10)).map((c) => c.sequence)).toEqual([9, 8, 7]);
    expect(await state.audit.checkpoints.covering(Number(made[9]!.recordId) - 1)).toEqual(made[9]);
    const status = await state.audit.verify({ checkpoints: checkpointTrust(() => state.audit.checkpoints.keys(), keys.auditKey), full: true });
    expect(status).toMatchObject({ ok: true, firstBrokenCheckpoint: null });
    await checkpointer.close();
  });

  it('never makes two for one head, nor a gap, with replicas on one database', async () => {
    await clear();
    // A second replica: its own records connection (a pool of its own on PostgreSQL) on the same database.
    let other: Database = database.db;
    if (kind === 'postgres') {
      other = await openDatabase({ kind: 'postgres', url: database.url!, poolSize: 4 });
      extra.push(() => other.close());
    }
    const replica = (await openTestState(kind, other)).state;
    extra.push(() => replica.close());
    const replicas = [start(3600), start(3600, replica), start(3600)];
    for (let round = 0; round < 4; round++) {
      await append(3, 7000 + round * 10);
      await Promise.all(replicas.flatMap((r) => [r.checkpointNow(), r.checkpointNow()]));
    }
    const list = await all();
    expect(list.map((c) => c.sequence)).toEqual([1, 2, 3, 4]);
    expect(new Set(list.map((c) => c.recordId)).size).toBe(4);
    // The store refuses a second one for the same head whoever asks.
    const again = await replica.audit.checkpoints.make({ minRecords: 1, at: new Date().toISOString(), sign: (p) => signCheckpoint(signing, p), signer: signing.publicJwk, signerMac: auditKeyMac(keys.auditKey).of(signing.publicJwk) });
    expect(again.made).toBeNull();
    expect(again.last).toEqual(list.at(-1));
    const trust = checkpointTrust(() => state.audit.checkpoints.keys(), keys.auditKey);
    for (const c of list) expect(await trust.verify(c)).toBe(true);
    // A signature of another checkpoint, or of these values by a key outside the set, does not pass.
    expect(await trust.verify({ ...list[0]!, signature: list[1]!.signature })).toBe(false);
    const stranger = await signingKeyFromPem(generateSigningKeyPem(), 'stranger');
    const { signature: _, ...payload } = list[0]!;
    expect(await trust.verify({ ...list[0]!, signature: signCheckpoint({ ...stranger, kid: signing.kid }, payload) })).toBe(false);
    expect(await trust.verify({ ...list[0]!, headHash: '0'.repeat(64) })).toBe(false);
  });
});
