import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../state-helpers.ts';
import { startStack, STATE_KINDS, type Stack } from '../support/stack.ts';
import { call, fetchCheckpointPages, ZHANG } from './support.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const CHECKPOINTS = 'query Checkpoints($first: Int, $after: String) { auditCheckpoints(first: $first, after: $after) { sequence recordId headHash at signature } }';

describe.each(STATE_KINDS)('signed audit checkpoints (%s state)', (stateKind) => {
  let stack: Stack;
  beforeAll(async () => { stack = await startStack({ state: stateKind, gatewayConfig: { auditCheckpointSeconds: 1 } }); });
  afterAll(async () => { await stack?.close(); });

  const checkpoints = async () => (await fetchCheckpointPages(stack)).flatMap((page) => page.checkpoints);
  const read = async (name: string) => {
    expect((await call(stack, `query ${name} { person(idNumber: "${ZHANG}") { birthDate } }`, {}, 'tax')).errors).toBeUndefined();
  };

  it('signs the head every interval in which records were added, and not while nothing is', async () => {
    await read('TimeOne');
    const [head] = await stack.database.db.query<{ seq: string; hash: string }>('SELECT seq::text AS seq, hash FROM govshare.audit_head');
    // GET /audit/checkpoints is not an operation: watching it adds no records.
    const first = await eventually(async () => {
      const [newest] = await checkpoints();
      expect(Number(newest?.recordId)).toBeGreaterThanOrEqual(Number(head!.seq));
      return newest!;
    }, 4000);
    const [record] = await stack.database.db.query<{ hash: string }>(`SELECT record->>'hash' AS hash FROM govshare.audit_records WHERE seq = $1`, [first.recordId]);
    expect(first.headHash).toBe(record!.hash);
    await sleep(2500);
    const idle = await checkpoints();
    expect(idle[0]).toEqual(first);
    await read('TimeTwo');
    const next = await eventually(async () => {
      const [newest] = await checkpoints();
      expect(newest!.sequence).toBe(first.sequence + 1);
      return newest!;
    }, 4000);
    expect(Date.parse(next.at) - Date.parse(first.at)).toBeGreaterThanOrEqual(1000);
  });

  it('signs with the gateway key: each verifies against /.well-known/jwks.json and signs exactly its own values', async () => {
    const jwks = createRemoteJWKSet(new URL(`${stack.gatewayUrl}/.well-known/jwks.json`));
    const list = await checkpoints();
    expect(list.length).toBeGreaterThanOrEqual(2);
    for (const c of list) {
      const { payload, protectedHeader } = await jwtVerify(c.signature, jwks, { algorithms: ['EdDSA'], typ: 'audit-checkpoint+jwt' });
      expect(protectedHeader.kid).toBe(stack.keys.signing.kid);
      expect(payload).toEqual({ sequence: c.sequence, recordId: c.recordId, headHash: c.headHash, at: c.at });
    }
  });

  it('serves GET /audit/checkpoints without a token, newest first, in pages, with where the keys are', async () => {
    await read('TimeThree');
    const [head] = await stack.database.db.query<{ seq: string }>('SELECT seq::text AS seq FROM govshare.audit_head');
    // Once the head is covered nothing is added (GET is no operation): the list stays as it is while paged.
    await eventually(async () => expect(Number((await checkpoints())[0]!.recordId)).toBe(Number(head!.seq)), 4000);
    const all = await checkpoints();
    expect(all.length).toBeGreaterThanOrEqual(3);
    expect(all.map((c) => c.sequence)).toEqual(all.map((_, i) => all.length - i));
    const pages = await fetchCheckpointPages(stack, 1);
    expect(pages.flatMap((p) => p.checkpoints)).toEqual(all);
    expect(pages[0]!.nextCursor).toBe(String(all[0]!.sequence));
    expect(pages.at(-1)!.nextCursor).toBeNull();
    expect(pages[0]!.jwks).toBe('/.well-known/jwks.json');
    for (const bad of ['first=0', 'first=501', 'first=x', 'first=1&first=2', 'after=abc', 'after=-1', 'after=1&after=2']) {
      const response = await fetch(`${stack.gatewayUrl}/audit/checkpoints?${bad}`);
      expect(response.status, bad).toBe(400);
      expect(((await response.json()) as { code: string }).code).toBe('BAD_USER_INPUT');
    }
    // Hashes and signatures only: nothing about who asked for what.
    const text = await (await fetch(`${stack.gatewayUrl}/audit/checkpoints`)).text();
    expect(text).not.toMatch(/tax|Person|purpose|consumer/);
  });

  it('pages auditCheckpoints newest first for any department, as GET does; a bad page is BAD_USER_INPUT', async () => {
    // Each query is audited, so a checkpoint may follow it within the second: pages are read below a fixed top.
    const all = await checkpoints();
    const top = String(all[0]!.sequence + 1);
    const one = (await call(stack, CHECKPOINTS, { first: 1, after: top }, 'housing')).data.auditCheckpoints;
    const rest = (await call(stack, CHECKPOINTS, { first: 2, after: String(one[0].sequence) }, 'tax')).data.auditCheckpoints;
    expect([...one, ...rest]).toEqual(all.slice(0, 3));
    const newest = (await call(stack, CHECKPOINTS, {}, 'tax')).data.auditCheckpoints as Array<{ sequence: number }>;
    expect(newest.length).toBe(Math.min(20, newest[0]!.sequence));
    expect(newest.map((c) => c.sequence)).toEqual(newest.map((_, i) => newest[0]!.sequence - i));
    expect(newest[0]!.sequence).toBeGreaterThanOrEqual(all[0]!.sequence);
    for (const variables of [{ first: 0 }, { first: 501 }, { after: 'abc' }, { after: '0' }]) {
      const refused = await call(stack, CHECKPOINTS, variables, 'tax');
      expect(refused.errors![0]!.extensions!.code, JSON.stringify(variables)).toBe('BAD_USER_INPUT');
    }
  });
});
