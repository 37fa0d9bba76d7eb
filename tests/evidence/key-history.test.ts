import { randomBytes } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import type { JSONWebKeySet } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditCheckpointer } from '../../gateway/audit/checkpointer.ts';
import { exportEvidence } from '../../gateway/audit/evidence.ts';
import { auditCheckpointRoutes } from '../../gateway/http/audit-checkpoint-routes.ts';
import { generateSigningKeyPem, RETIRED_KEY_SECONDS, signingKeyFromPem, type GatewaySigningKey } from '../../gateway/keys/index.ts';
import { createSigningKeys } from '../../gateway/keys/key-rotation.ts';
import type { StateStores } from '../../gateway/state/types.ts';
import { createRequestSigner, createSignatureVerifier } from '../../protocol/gateway-signature.ts';
import { sampleEntry } from '../state-helpers.ts';
import { openTestDatabase, type TestDatabase } from '../support/databases.ts';
import { openTestState, STATE_KINDS } from '../support/stack.ts';
import { tempFile, verifyEvidence } from './support.ts';
import { auditKeyMac } from '../../gateway/audit/audit-key-mac.ts';

/**
 * Issue 11/12: after a rotation the old key leaves /.well-known/jwks.json (the subgraph door), but what it
 * signed in the audit stays checkable against the audit's own key history (GET /audit/keys). The key
 * rotation's clock is injected, so "past the retirement" needs no 35 s wait.
 */
describe.each(STATE_KINDS)('the audit key history across a key rotation (%s state)', (kind) => {
  let database: TestDatabase;
  let state: StateStores;
  let a: GatewaySigningKey;
  let b: GatewaySigningKey;
  let app: FastifyInstance;
  let url: string;
  let clock = Date.now();
  const auditKey = randomBytes(32).toString('hex');

  beforeAll(async () => {
    database = await openTestDatabase(kind);
    state = (await openTestState(kind, database.db)).state;
    a = await signingKeyFromPem(generateSigningKeyPem(), 'A');
    b = await signingKeyFromPem(generateSigningKeyPem(), 'B');
    app = Fastify();
    await app.register(auditCheckpointRoutes, { checkpoints: () => state.audit.checkpoints, trustedKeys: (history) => auditKeyMac(auditKey).trusted(history) });
    url = await app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await app?.close();
    await state?.close();
    await database?.dispose();
  });

  it('keeps the old key\'s checkpoints verifiable after it left the published set, and the door shut to it', { timeout: 60_000 }, async () => {
    // The gateway's keys as GatewayKeys has them: A now, B after the operator replaced the key file.
    let file = a;
    const signingKeys = createSigningKeys({ initial: a, load: async () => file, env: {}, now: () => clock });
    const keys = { get signing() { return signingKeys.current; }, get keySet() { return signingKeys.keySet(); }, auditKey };
    const checkpointer = new AuditCheckpointer({ audit: state.audit, keys, intervalSeconds: 3600 });
    const early = await state.audit.append(sampleEntry(1));
    await state.audit.append(sampleEntry(2));
    const byA = (await checkpointer.checkpointNow())!;

    file = b;
    expect((await signingKeys.reload()).switched).toBe(true);
    await state.audit.append(sampleEntry(3));
    const byB = (await checkpointer.checkpointNow())!;
    clock += (RETIRED_KEY_SECONDS + 1) * 1000;
    // Past the retirement: the published set is B alone.
    expect(signingKeys.keySet().keys.map((k) => k.kid)).toEqual([b.kid]);
    const kidOf = (jws: string) => JSON.parse(Buffer.from(jws.split('.')[0]!, 'base64url').toString()).kid;
    expect([kidOf(byA.signature), kidOf(byB.signature)]).toEqual([a.kid, b.kid]);

    // 1. The gateway's own full check: no false alarm on A's checkpoint.
    expect(await state.audit.verify({ checkpoints: checkpointer.trust(), full: true })).toMatchObject({ ok: true, firstBrokenCheckpoint: null });

    // 2. /audit/keys: both keys, public members only, no token needed.
    const response = await fetch(`${url}/audit/keys`);
    expect(response.status).toBe(200);
    const history = (await response.json()) as JSONWebKeySet;
    expect(history.keys.map((k) => k.kid)).toEqual([a.kid, b.kid]);
    for (const key of history.keys) {
      expect(Object.keys(key).filter((m) => ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'].includes(m))).toEqual([]);
      expect(key).toMatchObject({ x: expect.any(String), first_used: expect.any(String), last_used: expect.any(String) });
    }

    // 3. Evidence for a record from before the rotation verifies against /audit/keys (the default key
    //    source), and not against the live JWKS any more — which is why the default moved.
    const evidence = await exportEvidence(state.audit, () => checkpointer.checkpointNow(), early, () => true);
    expect(evidence.checkpoint.sequence).toBe(byA.sequence);
    const file1 = tempFile('evidence.json', evidence);
    const held = await verifyEvidence([file1], { GOVSHARE_AUDIT_KEYS_URL: `${url}/audit/keys` });
    expect(held.code, held.stderr).toBe(0);
    expect(held.stdout).toContain(`(key ${a.kid})`);
    const live = await verifyEvidence([file1, '--jwks', tempFile('jwks.json', signingKeys.keySet())]);
    expect(live.code).toBe(1);

    // 4. The subgraph door uses the live set only: a call signed with A is refused, with B accepted.
    const door = createSignatureVerifier({ audience: 'population', keys: { jwks: signingKeys.keySet() } });
    const body = JSON.stringify({ query: '{ _service { sdl } }' });
    expect(await door.verifyToken(await createRequestSigner(a).sign({ aud: 'population', rid: 'r' }, body))).toMatchObject({ ok: false });
    expect((await door.verifyToken(await createRequestSigner(b).sign({ aud: 'population', rid: 'r' }, body))).ok).toBe(true);
    await checkpointer.close();
  });

  it('trusts no key row whose kid is not the thumbprint of its key, nor one holding a private member', { timeout: 60_000 }, async () => {
    const before = ((await (await fetch(`${url}/audit/keys`)).json()) as JSONWebKeySet).keys;
    const attacker = await signingKeyFromPem(generateSigningKeyPem(), 'attacker');
    // A's kid with the attacker's key: the kid is not the thumbprint of that key, so the row is left out.
    await database.db.query('UPDATE govshare.audit_keys SET jwk = $2::text::jsonb WHERE kid = $1',
      [a.kid, JSON.stringify({ ...attacker.publicJwk, kid: a.kid })]);
    // A private member smuggled into a row: left out as well.
    await database.db.query(`INSERT INTO govshare.audit_keys (kid, jwk, first_used, last_used) VALUES ($1, $2::text::jsonb, 'x', 'x')`,
      [b.kid + 'x', JSON.stringify({ ...b.publicJwk, d: 'secret' })]);
    const now = ((await (await fetch(`${url}/audit/keys`)).json()) as JSONWebKeySet).keys;
    expect(now.map((k) => k.kid)).toEqual([b.kid]);
    expect(JSON.stringify(now)).not.toContain('secret');
    // The checkpoint A signed no longer verifies: a swapped key row is seen, not trusted.
    expect(await state.audit.verify({ checkpoints: new AuditCheckpointer({ audit: state.audit, keys: { signing: b, auditKey }, intervalSeconds: 3600 }).trust(), full: true }))
      .toMatchObject({ ok: false, firstBrokenCheckpoint: 1 });
    expect(before.map((k) => k.kid)).toEqual([a.kid, b.kid]);
  });
});
