import { generateKeyPairSync } from 'node:crypto';
import canonicalize from 'canonicalize';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signCheckpoint } from '../../gateway/audit/checkpoint-signature.ts';
import { publishedKeySet, signingKeyFromPem } from '../../gateway/keys/index.ts';
import { canonicalJson, ChainVerifier, chainHash, contentDigest, GENESIS_HASH, sealRecord } from '../../gateway/state/audit-chain.ts';
import { redacted } from '../../gateway/audit/evidence.ts';
import type { AuditRecord } from '../../gateway/state/types.ts';
import { sampleEntry } from '../state-helpers.ts';
import { startStack, STATE_KINDS, type Stack } from '../support/stack.ts';
import { call, exportEvidence, tempFile, verifyEvidence, VERIFY_QUERY, ZHANG } from './support.ts';
import { auditKeyMac } from '../../gateway/audit/audit-key-mac.ts';

const PURPOSE = '税务稽查：案件 2026-118';

describe.each(STATE_KINDS)('audit evidence (%s state)', (stateKind) => {
  let stack: Stack;
  // No checkpoint by time here: each one in this file is made on demand or by the test itself.
  beforeAll(async () => { stack = await startStack({ state: stateKind, gatewayConfig: { auditCheckpointSeconds: 3600 } }); });
  afterAll(async () => { await stack?.close(); });

  const headSeq = async () => Number((await stack.database.db.query<{ seq: string }>('SELECT seq::text AS seq FROM govshare.audit_head'))[0]!.seq);
  const checkpointCount = async () => Number((await stack.database.db.query<{ n: string }>('SELECT count(*)::text AS n FROM govshare.audit_checkpoints'))[0]!.n);
  /** tax reads 张伟's name with a purpose; the seq of its audit record. */
  const taxRead = async (operationName: string) => {
    const body = await call(stack, `query ${operationName} { person(idNumber: "${ZHANG}") { name birthDate } }`, {}, 'tax', ['consumer'], PURPOSE);
    expect(body.errors).toBeUndefined();
    return headSeq();
  };

  let first: number;
  let firstEvidence: any;

  it('makes a checkpoint on demand when none covers the record; the chain then ends at the head', async () => {
    first = await taxRead('EvidenceOne');
    expect(await checkpointCount()).toBe(0);
    const body = await exportEvidence(stack, first, 'tax');
    expect(body.errors).toBeUndefined();
    firstEvidence = body.data.exportAuditEvidence;
    expect(firstEvidence.record).toMatchObject({ id: String(first), seq: first, consumer: 'tax', purpose: PURPOSE, operationName: 'EvidenceOne' });
    expect(firstEvidence.chain).toEqual([firstEvidence.record]);
    expect(firstEvidence.checkpoint).toMatchObject({ sequence: 1, recordId: String(first), headHash: firstEvidence.record.hash });
    expect(await checkpointCount()).toBe(1);
  });

  it('uses the first checkpoint at or after the record when there is one, and makes no other', async () => {
    const second = await taxRead('EvidenceTwo');
    const again = (await exportEvidence(stack, first, 'tax')).data.exportAuditEvidence;
    expect(again.checkpoint).toEqual(firstEvidence.checkpoint);
    expect(await checkpointCount()).toBe(1);
    const later = (await exportEvidence(stack, second, 'tax')).data.exportAuditEvidence;
    // The export of `first` was itself audited, after `second`: the chain runs from `second` to that record, the head.
    expect(later.checkpoint).toMatchObject({ sequence: 2, recordId: String(second + 1) });
    expect(later.chain.map((r: AuditRecord) => r.seq)).toEqual([second, second + 1]);
    expect(later.chain[1].prevHash).toBe(later.chain[0].hash);
  });

  it('lets the consumer, the provider, admin and an auditor export; another department learns nothing, not even existence', async () => {
    const seq = await taxRead('EvidenceVisibility');
    const before = await checkpointCount();
    // housing neither asked nor provides POP-PERSON: the same refusal as for an id that does not exist, and no checkpoint made for it.
    const stranger = await exportEvidence(stack, seq, 'housing');
    const nowhere = await exportEvidence(stack, 987654321, 'housing');
    expect(stranger.data).toBeNull();
    expect(stranger.errors![0]!.extensions!.code).toBe('FORBIDDEN');
    expect(nowhere.errors![0]!.extensions!.code).toBe('FORBIDDEN');
    expect(stranger.errors![0]!.message.replace(String(seq), 'N')).toBe(nowhere.errors![0]!.message.replace('987654321', 'N'));
    expect(await checkpointCount()).toBe(before);
    // Another spelling of the same id is no id.
    for (const id of [`0${seq}`, ` ${seq}`, `${seq}.0`, 'abc']) {
      const body = await exportEvidence(stack, id, 'housing');
      expect(body.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
    }
    // A provider's officer without the provider role still reads what touched its resources (as auditLog shows it).
    for (const [department, roles] of [['tax', ['consumer']], ['public-security', ['provider']], ['public-security', ['consumer']], ['housing', ['admin']], ['housing', ['auditor']]] as const) {
      const body = await exportEvidence(stack, seq, department, [...roles]);
      expect(body.errors, `${department} ${roles}`).toBeUndefined();
      expect(body.data.exportAuditEvidence.record.id).toBe(String(seq));
    }
    // The auditor reads the whole log, as admin does.
    const log = await call(stack, '{ auditLog(first: 500, consumer: "tax") { records { id } } }', {}, 'housing', ['auditor']);
    expect(log.data.auditLog.records.map((r: { id: string }) => r.id)).toContain(String(seq));
    const plain = await call(stack, '{ auditLog(first: 500, consumer: "tax") { records { id } } }', {}, 'housing');
    expect(plain.data.auditLog.records).toEqual([]);
  });

  it('verifies incrementally: a second call walks only the records after the last verified checkpoint', async () => {
    const made = async () => stack.state.audit.checkpoints.make({ minRecords: 1, at: new Date().toISOString(), sign: (p) => signCheckpoint(stack.keys.signing, p), signer: stack.keys.signing.publicJwk,
      signerMac: auditKeyMac(stack.gateway.app.keys.auditKey).of(stack.keys.signing.publicJwk) });
    await taxRead('IncrementalA');
    const c1 = (await made()).made!;
    const one = (await call(stack, VERIFY_QUERY, {}, 'tax')).data.verifyAuditChain;
    // The first check: nothing verified yet, so from the first record.
    expect(one).toEqual({ ok: true, checked: Number(c1.recordId), firstBrokenId: null, firstBrokenCheckpoint: null, from: 1 });
    await taxRead('IncrementalB');
    await taxRead('IncrementalC');
    const c2 = (await made()).made!;
    const two = (await call(stack, VERIFY_QUERY, {}, 'tax')).data.verifyAuditChain;
    expect(two).toEqual({ ok: true, checked: Number(c2.recordId) - Number(c1.recordId), firstBrokenId: null, firstBrokenCheckpoint: null, from: Number(c1.recordId) + 1 });
    // No checkpoint since: only what came after c2 (the second check's own record) is walked.
    const three = (await call(stack, VERIFY_QUERY, {}, 'tax')).data.verifyAuditChain;
    expect(three).toMatchObject({ ok: true, checked: 1, from: Number(c2.recordId) + 1 });
  });

  it('allows a full recheck to admin and to the auditor role only', async () => {
    for (const [department, roles] of [['tax', ['consumer']], ['public-security', ['provider']], ['data-bureau', ['consumer', 'provider']]] as const) {
      const body = await call(stack, VERIFY_QUERY, { full: true }, department, [...roles]);
      expect(body.data).toBeNull();
      expect(body.errors![0]!.extensions!.code).toBe('FORBIDDEN');
    }
    const head = await headSeq();
    for (const [department, roles] of [['data-bureau', ['admin']], ['tax', ['auditor']]] as const) {
      const body = await call(stack, VERIFY_QUERY, { full: true }, department, [...roles]);
      expect(body.data.verifyAuditChain).toMatchObject({ ok: true, from: 1, firstBrokenId: null, firstBrokenCheckpoint: null });
      expect(body.data.verifyAuditChain.checked).toBeGreaterThanOrEqual(head);
    }
  });

  describe('npm run verify-evidence', () => {
    let jwksUrl: string;
    let jwksFile: string;
    let evidence: any;
    beforeAll(async () => {
      jwksUrl = `${stack.gatewayUrl}/.well-known/jwks.json`;
      jwksFile = tempFile('jwks.json', await (await fetch(jwksUrl)).json());
      // A chain of four records, for taking one out.
      const seq = await taxRead('EvidenceForTheScript');
      for (const name of ['Filler1', 'Filler2', 'Filler3']) await taxRead(name);
      const body = await exportEvidence(stack, seq, 'tax');
      expect(body.errors).toBeUndefined();
      evidence = body.data.exportAuditEvidence;
      expect(evidence.chain.length).toBeGreaterThanOrEqual(4);
    });

    it('proves a good export, offline with a JWKS file and against the gateway\'s URL, and says what it proves', async () => {
      const file = tempFile('evidence.json', { data: { exportAuditEvidence: evidence } });
      for (const jwks of [jwksFile, jwksUrl]) {
        const run = await verifyEvidence([file, '--jwks', jwks]);
        expect(run.stderr).toBe('');
        expect(run.code).toBe(0);
        expect(run.stdout.trim()).toBe(`Proven: audit record ${evidence.record.id} says that tax read Person.birthDate, Person.name, Query.person of POP-PERSON `
          + `for the purpose "${PURPOSE}" at ${evidence.record.at}, and the audit log up to record ${evidence.checkpoint.recordId} is exactly as the gateway `
          + `signed it in checkpoint ${evidence.checkpoint.sequence} at ${evidence.checkpoint.at} (key ${stack.keys.signing.kid}).`);
      }
      // The default key source is the audit's key history, GOVSHARE_AUDIT_KEYS_URL.
      expect((await verifyEvidence([file], { GOVSHARE_AUDIT_KEYS_URL: `${stack.gatewayUrl}/audit/keys` })).code).toBe(0);
    });

    it('redacts other departments\' records in the chain to their links and content digests, and still proves every link', async () => {
      const seq = await taxRead('EvidenceAmongOthers');
      const HOUSING_PURPOSE = '住房保障资格复核：内部线索 77';
      const other = await call(stack, `query HousingConfidentialRead { person(idNumber: "${ZHANG}") { name } }`, {}, 'housing', ['consumer'], HOUSING_PURPOSE);
      expect(other.data ?? other.errors).toBeTruthy();
      const housingSeq = await headSeq();
      expect(housingSeq).toBe(seq + 1);
      const body = await exportEvidence(stack, seq, 'tax');
      expect(body.errors).toBeUndefined();
      const mine = body.data.exportAuditEvidence;
      expect(mine.chain[0]).toEqual(mine.record);
      expect(mine.record).toMatchObject({ consumer: 'tax', redacted: false, format: 2 });
      const hidden = mine.chain[1];
      expect(hidden).toMatchObject({ id: String(housingSeq), seq: housingSeq, redacted: true, format: 2, consumer: '', purpose: null, operator: null,
        operationName: null, fields: [], resources: [], providers: [], decision: 'REDACTED', kind: 'REDACTED', at: '', requestId: '', inputDigest: null });
      expect(hidden.contentDigest).toMatch(/^[0-9a-f]{64}$/);
      expect(hidden.prevHash).toBe(mine.record.hash);
      const text = JSON.stringify(mine);
      for (const secret of ['housing', HOUSING_PURPOSE, 'HousingConfidentialRead']) expect(text).not.toContain(secret);
      // The digest is the stored record's: the link holds without its text.
      const [stored] = await stack.database.db.query<{ record: AuditRecord }>('SELECT record FROM govshare.audit_records WHERE seq = $1', [housingSeq]);
      const { hash: storedHash, ...unsealed } = stored!.record;
      expect(contentDigest(unsealed)).toBe(hidden.contentDigest);
      expect(chainHash(unsealed.prevHash, unsealed)).toBe(storedHash);
      const file = tempFile('redacted.json', mine);
      const run = await verifyEvidence([file, '--jwks', jwksFile]);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(run.stdout).toContain(`Proven: audit record ${seq} says that tax read`);
      // Whoever may read housing's record gets it whole.
      const admin = (await exportEvidence(stack, seq, 'data-bureau', ['admin'])).data.exportAuditEvidence;
      expect(admin.chain[1]).toMatchObject({ redacted: false, consumer: 'housing', purpose: HOUSING_PURPOSE, contentDigest: hidden.contentDigest });
      expect((await verifyEvidence([tempFile('whole.json', admin), '--jwks', jwksFile])).code).toBe(0);
      // A redacted link proves its place only with its own digest; the record itself is never redacted.
      const otherDigest = structuredClone(mine);
      otherDigest.chain[1].contentDigest = contentDigest({ ...unsealed, durationMs: 1 });
      const broken = await verifyEvidence([tempFile('digest.json', otherDigest), '--jwks', jwksFile]);
      expect(broken.code).toBe(1);
      expect(broken.stderr).toContain(`record ${housingSeq} (redacted): its hash does not follow from its prevHash and content digest`);
      const selfRedacted = structuredClone(mine);
      selfRedacted.chain[0] = { ...selfRedacted.chain[0], redacted: true, contentDigest: contentDigest(selfRedacted.chain[0]) };
      selfRedacted.record = selfRedacted.chain[0];
      const refused = await verifyEvidence([tempFile('self.json', selfRedacted), '--jwks', jwksFile]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(`record ${seq} is the record the evidence is for, and it is redacted`);
    });

    it('fails on one altered field, naming the record', async () => {
      const altered = structuredClone(evidence);
      altered.record.purpose = '核查';
      altered.chain[0].purpose = '核查';
      const run = await verifyEvidence([tempFile('altered.json', altered), '--jwks', jwksFile]);
      expect(run.code).toBe(1);
      expect(run.stdout).toBe('');
      expect(run.stderr).toContain(`record ${evidence.record.id}: its hash does not match its content`);
    });

    it('fails on a signature by a key not in the JWKS, even under the gateway\'s kid', async () => {
      const stranger = await signingKeyFromPem(generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), 'test');
      const { signature: _, ...payload } = evidence.checkpoint;
      for (const key of [stranger, { ...stranger, kid: stack.keys.signing.kid }]) {
        const forged = { ...evidence, checkpoint: { ...evidence.checkpoint, signature: signCheckpoint(key, payload) } };
        const run = await verifyEvidence([tempFile('forged.json', forged), '--jwks', jwksFile]);
        expect(run.code).toBe(1);
        expect(run.stderr).toContain(`checkpoint ${evidence.checkpoint.sequence}: the signature does not verify`);
      }
      // A signature of the gateway's over other values (a subgraph call's, say) is no checkpoint signature either.
      const call = await stack.keys.signer.sign({ aud: 'population', rid: 'r' }, '{}');
      const run = await verifyEvidence([tempFile('call.json', { ...evidence, checkpoint: { ...evidence.checkpoint, signature: call } }), '--jwks', jwksFile]);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('the signature does not verify');
    });

    it('fails on a chain with a record taken out, and on a chain cut short of its checkpoint', async () => {
      const removed = { ...evidence, chain: evidence.chain.filter((_: unknown, i: number) => i !== 1) };
      const run = await verifyEvidence([tempFile('removed.json', removed), '--jwks', jwksFile]);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`record ${evidence.chain[2].id} follows record ${evidence.chain[0].id}: the seqs are not consecutive`);
      expect(run.stderr).toContain(`record ${evidence.chain[2].id}: its prevHash is not the hash of record ${evidence.chain[0].id}`);
      const cut = await verifyEvidence([tempFile('cut.json', { ...evidence, chain: evidence.chain.slice(0, -1) }), '--jwks', jwksFile]);
      expect(cut.code).toBe(1);
      expect(cut.stderr).toContain(`the checkpoint names record ${evidence.checkpoint.recordId}`);
    });

    it('says how it was called wrongly, and that a file is not evidence', async () => {
      expect((await verifyEvidence([])).code).toBe(2);
      const notEvidence = await verifyEvidence([tempFile('x.json', { hello: 1 }), '--jwks', jwksFile]);
      expect(notEvidence.code).toBe(1);
      expect(notEvidence.stderr).toContain('no record in the evidence');
    });
  });

  it('canonical JSON is RFC 8785 (canonicalize) on real records: Chinese text, floats, nulls, nested arrays', async () => {
    // Records with awkward numbers and texts, appended through the gateway's own audit log.
    const odd = [0.1 + 0.2, 5e-7, 1e21, 123456789.125, -0, 2 ** 53 + 2];
    for (const [i, durationMs] of odd.entries()) {
      await stack.state.audit.append(sampleEntry(i, { durationMs, purpose: `低保审核 ✓ "引号" \\ 𝌆 ${i}`, operator: i % 2 ? null : '张三-001', detail: i === 3 ? '\u2028\u0001\t' : null }));
    }
    const rows = await stack.database.db.query<{ record: AuditRecord }>('SELECT record FROM govshare.audit_records ORDER BY seq');
    expect(rows.length).toBeGreaterThan(20);
    for (const { record } of rows) {
      const { hash, ...content } = record;
      expect(canonicalJson(content)).toBe(canonicalize(content));
      // And the hash an auditor recomputes with canonicalize is the stored one.
      expect(chainHash(record.prevHash, content)).toBe(hash);
    }
    expect(rows.some(({ record }) => /[\u4e00-\u9fff]/.test(record.purpose ?? ''))).toBe(true);
    expect(rows.some(({ record }) => record.operator === null && record.errorCode === null)).toBe(true);
    const nested = { b: [[1, [2.5, null, '税']], { z: [], a: { '\u{1F600}': 1, '\uFFFF': 2, é: 3, e: 4 } }], a: -0, c: [null, true, 1e-7] };
    expect(canonicalJson(nested)).toBe(canonicalize(nested));
    expect(canonicalJson(nested)).toBe('{"a":0,"b":[[1,[2.5,null,"税"]],{"a":{"e":4,"\u00e9":3,"\u{1F600}":1,"\uFFFF":2},"z":[]}],"c":[null,true,1e-7]}');
  });
});

describe('records of both formats', () => {
  /** The record as a gateway wrote it before formats existed: no `format`, the hash over the whole text. */
  const formatOne = (record: AuditRecord): AuditRecord => {
    const { hash: _hash, format: _format, ...content } = record;
    return { ...content, hash: chainHash(content.prevHash, content) };
  };
  const walk = (records: AuditRecord[]) => {
    const verifier = new ChainVerifier();
    for (const record of records) if (!verifier.add(record, record.id)) break;
    return verifier.finish(records.length);
  };
  const r1 = formatOne(sealRecord(sampleEntry(1), 1, GENESIS_HASH));
  const r2 = formatOne(sealRecord(sampleEntry(2), 2, r1.hash));
  const r3 = sealRecord(sampleEntry(3), 3, r2.hash);
  const r4 = sealRecord(sampleEntry(4), 4, r3.hash);

  it('verifies a log begun in format 1 and continued in format 2; a record relabelled, or of a format unknown, breaks it', () => {
    expect([r1.format, r3.format]).toEqual([undefined, 2]);
    expect(walk([r1, r2, r3, r4])).toMatchObject({ ok: true, checked: 4 });
    const { format: _format, ...unlabelled } = r3;
    for (const [records, broken] of [[[r1, { ...r2, format: 2 }, r3, r4], '2'], [[r1, r2, { ...r3, format: 3 }, r4], '3'], [[r1, r2, unlabelled as AuditRecord, r4], '3']] as const) {
      expect(walk([...records])).toMatchObject({ ok: false, firstBrokenId: broken });
    }
    // A format-1 record hashes its whole text: it cannot be shown redacted, and is shown whole.
    expect(redacted(r2)).toBe(r2);
  });

  it('verify-evidence proves a chain of both formats with a redacted link between', async () => {
    const pem = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const key = await signingKeyFromPem(pem, 'test');
    const payload = { sequence: 1, recordId: '4', headHash: r4.hash, at: new Date().toISOString() };
    // As the API answers them: format and contentDigest null on format-1 records, redacted false.
    const asAnswered = (record: AuditRecord) => {
      const { hash: _hash, ...unsealed } = record;
      return { ...record, format: record.format ?? null, contentDigest: record.format === 2 ? contentDigest(unsealed) : null, redacted: false };
    };
    const evidence = { record: asAnswered(r2), chain: [asAnswered(r2), redacted(r3), asAnswered(r4)], checkpoint: { ...payload, signature: signCheckpoint(key, payload) } };
    const jwks = tempFile('jwks.json', publishedKeySet(key, {}));
    const run = await verifyEvidence([tempFile('mixed.json', evidence), '--jwks', jwks]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Proven: audit record 2 says that');
    const altered = structuredClone(evidence);
    altered.chain[2]!.purpose = '别的用途';
    const failed = await verifyEvidence([tempFile('altered.json', altered), '--jwks', jwks]);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('record 4: its hash does not match its content');
  });
});
