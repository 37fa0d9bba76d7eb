import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { createLocalJWKSet } from 'jose';
import { Aes128Gcm, CipherSuite, HkdfSha256 } from '@hpke/core';
import { DhkemX25519HkdfSha256 as PortableX25519 } from '@hpke/dhkem-x25519';
import {
  CLAIM_BYTES, MAX_CLAIM_JSON_BYTES, RESULT_BYTES, SEALED_CLAIM_CHARS, SEALED_CLAIMS_SUITE, SealedClaimsError, claimKeyId, generateClaimKey,
  importPrivateKey, openClaims, padJson, sealClaims, sealResults, unpadJson, verifyClaimKey, type ClaimBinding,
} from '../protocol/sealed-claims/index.ts';
import { sealedAad, sealedAads } from '../protocol/sealed-claims/aad.ts';
import { decodeBase64url, encodeBase64url } from '../protocol/sealed-claims/base64url.ts';
import { sealedBatchDigest } from '../protocol/sealed-claims/digest.ts';
import { signClaimKey } from '../gateway/platform/claim-key-signature.ts';
import { signCheckpoint } from '../gateway/audit/checkpoint-signature.ts';
import { generateSigningKeyPem, publishedKeySet, signingKeyFromPem } from '../gateway/keys/index.ts';
import { persons } from '../subgraphs/sample-data/index.ts';
import { SAMPLE_SUBGRAPHS } from '../subgraphs/samples.ts';
import { csvLine } from '../scripts/compare/csv.ts';
import { postGraphQL, startStack, STATE_KINDS, subgraphDbQueries, type Stack } from './support/stack.ts';
import { grant } from './support/grants.ts';
import { as, testToken } from './support/tokens.ts';
import { spawnScript } from './support/processes.ts';
import { WELL_KNOWN, personById } from './support/fixtures.ts';
import { TEST_SAMPLE } from './support/sample.ts';
import { catalogClaimKey, sealedCompare } from './support/sealed.ts';

const ZHANG = '43010219850312123X';
const LIU = '43011119750520345X';
const ABSENT = WELL_KNOWN.absentPersons[0]!;
const zhang = personById(ZHANG);
const CONSUMER = 'civil-affairs';
const PURPOSE = '低保核对';
const COMPARE_FIELDS = ['Query.verifyPersons', 'Query.verifyEnterprises', 'Query.verifyPropertyOwnership'];
const binding: ClaimBinding = { requestId: randomUUID(), consumer: 'tax', resource: 'POP-PERSON', purpose: '税务稽查' };

describe('the wire format (protocol/sealed-claims/)', () => {
  it('seals claims and results to fixed sizes whatever they hold, and opens them again', async () => {
    const key = await generateClaimKey();
    const claims = [{ idNumber: ZHANG }, { idNumber: ZHANG, name: '欧阳娜娜', householdAddress: '新疆维吾尔自治区乌鲁木齐市天山区某某街道某某社区某某路某某号院某某栋某单元某某室' }];
    const batch = await sealClaims(key, binding, claims);
    // Lengths say nothing: a key-only claim and a long one seal to the same length.
    expect(batch.sealedClaims.map((c) => c.length)).toEqual([SEALED_CLAIM_CHARS, SEALED_CLAIM_CHARS]);
    expect(batch.sealing).toMatchObject({ requestId: binding.requestId, kid: key.kid });
    expect(await openClaims(await importPrivateKey(key), batch.sealing, batch.sealedClaims, binding)).toEqual(claims);
    const flags = [{ found: true, nameMatches: null, limited: false }, { found: false, nameMatches: null, limited: true }];
    const sealed = await sealResults(batch.sealing, binding, flags);
    expect(new Set(sealed.map((s) => s.length)).size).toBe(1);
    expect(await batch.openResults(sealed)).toEqual(flags);
  });

  it(`pads to ${CLAIM_BYTES} bytes, refuses a longer claim before sealing, and reads only well-formed padding`, async () => {
    const key = await generateClaimKey();
    // The longest claim that fits: exactly MAX_CLAIM_JSON_BYTES of JSON.
    const fits = { idNumber: ZHANG, householdAddress: '' };
    fits.householdAddress = 'a'.repeat(MAX_CLAIM_JSON_BYTES - JSON.stringify(fits).length);
    expect(new TextEncoder().encode(JSON.stringify(fits)).length).toBe(MAX_CLAIM_JSON_BYTES);
    await expect(sealClaims(key, binding, [fits])).resolves.toBeTruthy();
    const long = { idNumber: ZHANG, householdAddress: `${fits.householdAddress.slice(1)}号` }; // one 3-byte character in place of 1 byte
    const refused = await sealClaims(key, binding, [{ idNumber: ZHANG }, long]).catch((e) => e);
    expect(refused).toBeInstanceOf(SealedClaimsError);
    expect(refused.reason).toBe('SEALED_CLAIM_TOO_LONG');
    expect(refused.message).toMatch(/^claim 1 takes 512 bytes/);
    expect(refused.message).not.toContain('号');

    const padded = padJson({ a: 1 }, RESULT_BYTES, 'x');
    expect(unpadJson(padded, RESULT_BYTES)).toEqual({ a: 1 });
    const dirty = padded.slice(); dirty[RESULT_BYTES - 1] = 1;
    expect(() => unpadJson(dirty, RESULT_BYTES)).toThrow(/padding is not zeros/);
    const overlong = padded.slice(); overlong[0] = 0xff;
    expect(() => unpadJson(overlong, RESULT_BYTES)).toThrow(/runs past/);
    expect(() => unpadJson(padded.subarray(1), RESULT_BYTES)).toThrow(/bytes/);
  });

  it('decodes base64url strictly into bytes of their own, as Buffer decodes the alphabet', () => {
    for (let n = 0; n <= 40; n++) {
      const bytes = new Uint8Array(Array.from({ length: n }, (_, i) => (i * 37 + n) & 0xff));
      const text = encodeBase64url(bytes);
      const decoded = decodeBase64url(text);
      expect(decoded).toEqual(bytes);
      expect([decoded.byteOffset, decoded.buffer.byteLength]).toEqual([0, n]);
    }
    for (const text of ['ab+c', 'ab/c', 'abc=', 'ab c', 'abč']) expect(() => decodeBase64url(text)).toThrow(TypeError);
  });

  it('builds each AAD as the UTF-8 of the JSON array the README gives, whatever the index or the purpose', () => {
    const bound = { ...binding, purpose: '核查"联系方式"\\ \u2028 ✓' };
    for (const direction of ['claim', 'result'] as const) {
      const aads = sealedAads(direction, bound);
      for (const index of [0, 1, 9, 10, 99, 100, 1399, 9999, 123456]) {
        const expected = new TextEncoder().encode(JSON.stringify(['govshare-sealed-claims/v1', direction, bound.requestId, bound.consumer, bound.resource, bound.purpose, index]));
        expect(new Uint8Array(aads(index))).toEqual(expected);
        expect(sealedAad(direction, bound, index)).toEqual(expected);
      }
      expect(() => aads(-1)).toThrow(RangeError);
      expect(() => aads(1.5)).toThrow(RangeError);
    }
  });

  it('binds every claim to request id, consumer, resource, purpose and index', async () => {
    const key = await generateClaimKey();
    const privateKey = await importPrivateKey(key);
    const batch = await sealClaims(key, binding, [{ idNumber: ZHANG }, { idNumber: LIU }]);
    const opens = (sealing: typeof batch.sealing, claims: string[], bound: ClaimBinding) => openClaims(privateKey, sealing, claims, bound).then(() => 'opens', (e: SealedClaimsError) => e.reason);
    expect(await opens(batch.sealing, batch.sealedClaims, binding)).toBe('opens');
    for (const other of [{ requestId: randomUUID() }, { consumer: 'civil-affairs' }, { resource: 'ENT-ENTERPRISE' }, { purpose: '税务稽查：另案' }]) {
      expect(await opens(batch.sealing, batch.sealedClaims, { ...binding, ...other }), JSON.stringify(other)).toBe('SEALED_CLAIM_DOES_NOT_OPEN');
    }
    expect(await opens(batch.sealing, [batch.sealedClaims[1]!, batch.sealedClaims[0]!], binding)).toBe('SEALED_CLAIM_DOES_NOT_OPEN');
    const other = await generateClaimKey();
    expect(await openClaims(await importPrivateKey(other), batch.sealing, batch.sealedClaims, binding).catch((e) => e.reason)).toBe('SEALED_CLAIM_DOES_NOT_OPEN');
  });

  it('is plain RFC 9180: a suite built from the packages alone (noble X25519, WebCrypto AES-GCM) seals what the provider opens', async () => {
    const key = await generateClaimKey();
    const suite = new CipherSuite({ kem: new PortableX25519(), kdf: new HkdfSha256(), aead: new Aes128Gcm() });
    const sender = await suite.createSenderContext({
      recipientPublicKey: await suite.kem.deserializePublicKey(Buffer.from(key.key, 'base64url')), info: new TextEncoder().encode('govshare-sealed-claims/v1 claims'),
    });
    const claims = [{ idNumber: ZHANG, name: '张伟' }, { idNumber: LIU }];
    const sealedClaims: string[] = [];
    for (const [i, claim] of claims.entries()) {
      const json = Buffer.from(JSON.stringify(claim));
      const padded = Buffer.alloc(CLAIM_BYTES);
      padded.writeUInt16BE(json.length, 0);
      json.copy(padded, 2);
      const aad = JSON.stringify(['govshare-sealed-claims/v1', 'claim', binding.requestId, binding.consumer, binding.resource, binding.purpose, i]);
      sealedClaims.push(Buffer.from(await sender.seal(padded, Buffer.from(aad))).toString('base64url'));
    }
    const sealing = { requestId: binding.requestId, kid: key.kid, enc: Buffer.from(sender.enc).toString('base64url'), replyKey: key.key };
    expect(await openClaims(await importPrivateKey(key), sealing, sealedClaims, binding)).toEqual(claims);
  });

  it('has the gateway vouch for a claim key with a claim-key+jwt signature, and nothing else passes for one', async () => {
    const signing = await signingKeyFromPem(generateSigningKeyPem(), 'test');
    const keys = createLocalJWKSet(publishedKeySet(signing, {}));
    const claimKey = await generateClaimKey();
    const claims = { sub: 'POP-PERSON', provider: 'public-security', kid: claimKey.kid, key: claimKey.key, suite: SEALED_CLAIMS_SUITE };
    const signed = { kid: claimKey.kid, key: claimKey.key, suite: SEALED_CLAIMS_SUITE, signature: signClaimKey(signing, claims, new Date()) };
    expect(await verifyClaimKey(signed, 'POP-PERSON', keys)).toMatchObject({ provider: 'public-security' });
    const refused = (key: typeof signed, resource = 'POP-PERSON') => verifyClaimKey(key, resource, keys).then(() => 'accepted', (e: Error) => e.message);
    // Another resource's key, another key under the signature, an expired signature, a checkpoint's signature.
    expect(await refused(signed, 'ENT-ENTERPRISE')).toMatch(/not signed/);
    const swapped = await generateClaimKey();
    expect(await refused({ ...signed, kid: swapped.kid, key: swapped.key })).toMatch(/names another key/);
    expect(await refused({ ...signed, signature: signClaimKey(signing, claims, new Date(Date.now() - 3_600_000)) })).toMatch(/not signed/);
    const checkpoint = signCheckpoint(signing, { sequence: 1, recordId: '1', headHash: 'a'.repeat(64), at: new Date().toISOString() });
    expect(await refused({ ...signed, signature: checkpoint })).toMatch(/not signed/);
    const stranger = await signingKeyFromPem(generateSigningKeyPem(), 'stranger');
    expect(await refused({ ...signed, signature: signClaimKey(stranger, claims, new Date()) })).toMatch(/not signed/);
    expect(await claimKeyId(claimKey.key)).toBe(claimKey.kid);
  });
});

describe.each(STATE_KINDS)('sealed comparisons through the gateway (%s state)', (stateKind) => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ state: stateKind });
    await grant(stack, CONSUMER, COMPARE_FIELDS, { purpose: PURPOSE });
  });
  afterAll(async () => { await stack?.close(); });

  it('publishes each comparing provider\'s claim key in the catalog, signed by the gateway; none where nothing compares', async () => {
    const kids = new Set<string>();
    for (const resource of ['POP-PERSON', 'ENT-ENTERPRISE', 'HSE-PROPERTY']) kids.add((await catalogClaimKey(stack, resource)).kid);
    expect(kids.size).toBe(3); // a key per provider, generated in its own records
    const { body } = await stack.query('{ catalog { code claimKey { kid } } }', {}, await as('tax'));
    expect(body.errors).toBeUndefined();
    const byCode = Object.fromEntries(body.data.catalog.map((r: { code: string; claimKey: unknown }) => [r.code, r.claimKey]));
    expect(byCode['LIC-LICENSE']).toBeNull();
    expect(byCode['SOC-INSURANCE']).toBeNull();
    expect(byCode['POP-PERSON']).not.toBeNull();
  });

  it('answers sealed claims exactly as it answers the same claims in clear, and only the consumer opens the answer', async () => {
    const claims = [
      { idNumber: ZHANG, name: zhang.name, birthDate: zhang.birthDate, householdAddress: zhang.householdAddress },
      { idNumber: ZHANG, name: '张伟伟', birthDate: '1985年3月12日' },
      { idNumber: ABSENT, name: zhang.name },
      { idNumber: '43010219850312123x' },
    ];
    const plain = await stack.query('query Plain($claims: [PersonClaim!]!) { verifyPersons(claims: $claims) { index found nameMatches birthDateMatches addressMatches limited sealed } }',
      { claims }, await as(CONSUMER, { purpose: PURPOSE }));
    expect(plain.body.errors).toBeUndefined();
    // Claims in clear: no sealed answer.
    expect(plain.body.data.verifyPersons.every((r: { sealed: unknown }) => r.sealed === null)).toBe(true);
    const { response, results } = await sealedCompare(stack, { resource: 'POP-PERSON', consumer: CONSUMER, purpose: PURPOSE, claims });
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data.verifyPersons.map((r: { index: number }) => r.index)).toEqual([0, 1, 2, 3]);
    expect(results).toEqual(plain.body.data.verifyPersons.map(({ index: _index, sealed: _sealed, ...flags }: Record<string, unknown>) => flags));
    expect(results![0]).toEqual({ found: true, nameMatches: true, birthDateMatches: true, addressMatches: true, limited: false });
  });

  it('does so for every sample comparison', async () => {
    const star = WELL_KNOWN.enterprises[0]!;
    const enterprises = await sealedCompare(stack, { resource: 'ENT-ENTERPRISE', consumer: CONSUMER, purpose: PURPOSE,
      claims: [{ uscc: star.uscc, name: star.name, legalRepresentativeIdNumber: ZHANG }, { uscc: WELL_KNOWN.absentEnterprises[0] }] });
    expect(enterprises.results).toEqual([
      { found: true, nameMatches: true, legalRepresentativeMatches: true, active: true, limited: false },
      { found: false, nameMatches: null, legalRepresentativeMatches: null, active: null, limited: false },
    ]);
    const ownership = await sealedCompare(stack, { resource: 'HSE-PROPERTY', consumer: CONSUMER, purpose: PURPOSE, claims: [{ idNumber: LIU }, { idNumber: ABSENT }] });
    expect(ownership.results).toEqual([{ ownsProperty: true, propertyCount: 1, limited: false }, { ownsProperty: false, propertyCount: 0, limited: false }]);
  });

  it('audits a sealed batch by count, request id and the digest of its ciphertexts, with no claim in it', async () => {
    const people = [...persons(TEST_SAMPLE)].slice(10, 60);
    const claims = people.map((p) => ({ idNumber: p.idNumber, name: p.name, householdAddress: p.householdAddress }));
    const { batch, results } = await sealedCompare(stack, { resource: 'POP-PERSON', consumer: CONSUMER, purpose: PURPOSE, claims });
    expect(results?.every((r) => r.found === true && r.nameMatches === true)).toBe(true);
    const page = await stack.state.audit.page({ first: 20, visibleTo: 'all', consumer: CONSUMER });
    const record = page.records.find((r) => r.operationName === 'Sealed' && r.detail?.includes(batch.sealing.requestId));
    expect(record).toBeTruthy();
    expect(record!.decision).toBe('ALLOWED');
    expect(JSON.parse(record!.detail!)).toEqual({ sealedClaims: [{
      field: 'Query.verifyPersons', resource: 'POP-PERSON', requestId: batch.sealing.requestId, kid: batch.sealing.kid,
      count: claims.length, sha256: sealedBatchDigest(batch.sealing, batch.sealedClaims),
    }] });
    const stored = JSON.stringify(record);
    for (const p of people) for (const value of [p.idNumber, p.name, p.householdAddress]) expect(stored).not.toContain(value);
  });

  it('refuses a malformed batch at the gateway from its metadata, before any provider is called, and records the refusal', async () => {
    const before = await subgraphDbQueries(stack.subgraphs);
    const cases: Array<[string, (s: { sealedClaims: string[]; sealing: Record<string, unknown> }) => { sealedClaims: unknown; sealing: unknown }, string]> = [
      ['a short request id', (s) => ({ ...s, sealing: { ...s.sealing, requestId: 'abc' } }), 'SEALED_CLAIMS_MALFORMED'],
      ['a key id that is no thumbprint', (s) => ({ ...s, sealing: { ...s.sealing, kid: 'current' } }), 'SEALED_CLAIMS_MALFORMED'],
      ['an enc of the wrong length', (s) => ({ ...s, sealing: { ...s.sealing, enc: 'AAAA' } }), 'SEALED_CLAIMS_MALFORMED'],
      ['a claim cut short (its length would tell)', (s) => ({ ...s, sealedClaims: [s.sealedClaims[0]!.slice(0, -4)] }), 'SEALED_CLAIMS_MALFORMED'],
      ['ciphertexts without their sealing', (s) => ({ sealedClaims: s.sealedClaims, sealing: null }), 'SEALED_CLAIMS_MALFORMED'],
    ];
    for (const [what, alter, reason] of cases) {
      const { response } = await sealedCompare(stack, { resource: 'POP-PERSON', consumer: CONSUMER, purpose: PURPOSE, claims: [{ idNumber: ZHANG }], alter: alter as never });
      expect(response.status, what).toBe(400);
      expect(response.body.errors?.[0]?.extensions, what).toMatchObject({ code: 'BAD_USER_INPUT', reason });
    }
    // More sealed claims than a request may carry: at the default limits the 1 MiB of variables (§8) is reached
    // first, at about 1,480 sealed claims; the count itself is checked by the gateway and the provider as well (adversarial suite).
    const key = await catalogClaimKey(stack, 'POP-PERSON');
    const many = await sealClaims(key, { requestId: randomUUID(), consumer: CONSUMER, resource: 'POP-PERSON', purpose: PURPOSE }, [{ idNumber: ZHANG }]);
    const tooMany = await stack.query('query Sealed($sealedClaims: [String!]!, $sealing: ClaimSealing!) { verifyPersons(sealedClaims: $sealedClaims, sealing: $sealing) { index } }',
      { sealedClaims: Array(10_001).fill(many.sealedClaims[0]), sealing: many.sealing }, await as(CONSUMER, { purpose: PURPOSE }));
    expect(tooMany.body.errors?.[0]?.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX' });
    expect(await subgraphDbQueries(stack.subgraphs)).toBe(before);
    const page = await stack.state.audit.page({ first: 10, visibleTo: 'all', consumer: CONSUMER });
    expect(page.records[0]).toMatchObject({ decision: 'DENIED', errorCode: 'BAD_USER_INPUT' });
  });

  it('still needs the grant and the purpose: sealing changes nothing of who may compare', async () => {
    const denied = await sealedCompare(stack, { resource: 'POP-PERSON', consumer: 'tax', purpose: PURPOSE, claims: [{ idNumber: ZHANG }] });
    expect(denied.response.body.errors?.[0]?.extensions?.code).toBe('SHARE_DENIED');
    const otherPurpose = await sealedCompare(stack, { resource: 'POP-PERSON', consumer: CONSUMER, purpose: '其他用途', claims: [{ idNumber: ZHANG }] });
    expect(otherPurpose.response.body.errors?.[0]?.extensions?.code).toBe('SHARE_DENIED');
    const noPurpose = await sealedCompare(stack, { resource: 'POP-PERSON', consumer: CONSUMER, purpose: '', claims: [{ idNumber: ZHANG }], headers: await as(CONSUMER) });
    expect(noPurpose.response.body.errors?.[0]?.extensions?.code).toBe('PURPOSE_REQUIRED');
  });
});

describe('a provider that requires sealed claims (@compare(sealed: REQUIRED))', () => {
  let stack: Stack;
  beforeAll(async () => {
    const definitions = SAMPLE_SUBGRAPHS.map((d) => (d.name === 'population'
      ? { ...d, sdl: d.sdl.replace(/@compare\b/, '@compare(sealed: REQUIRED)') } : d));
    expect(definitions.find((d) => d.name === 'population')!.sdl).toContain('@compare(sealed: REQUIRED)');
    stack = await startStack({ definitions });
    await grant(stack, CONSUMER, ['Query.verifyPersons'], { purpose: PURPOSE });
  });
  afterAll(async () => { await stack?.close(); });

  it('refuses claims in clear, at the gateway and at the provider itself, and takes sealed ones', async () => {
    const plain = 'query Plain($claims: [PersonClaim!]!) { verifyPersons(claims: $claims) { index found } }';
    const refused = await stack.query(plain, { claims: [{ idNumber: ZHANG }] }, await as(CONSUMER, { purpose: PURPOSE }));
    expect(refused.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'SEALED_CLAIMS_REQUIRED' });
    // Straight at the provider with a valid gateway signature (a gateway that did not check): refused there too.
    const url = stack.subgraphs.find((s) => s.name === 'population')!.url;
    const request = JSON.stringify({ query: plain, variables: { claims: [{ idNumber: ZHANG }] } });
    const signature = await stack.keys.signer.sign({ aud: 'population', rid: 'sealed-test', sub: CONSUMER, pur: PURPOSE, fld: ['Query.verifyPersons'] }, request);
    const direct = await postGraphQL(url, request, { 'x-govshare-signature': signature });
    expect(direct.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'SEALED_CLAIMS_REQUIRED' });
    const sealed = await sealedCompare(stack, { resource: 'POP-PERSON', consumer: CONSUMER, purpose: PURPOSE, claims: [{ idNumber: ZHANG, name: zhang.name }] });
    expect(sealed.results).toEqual([{ found: true, nameMatches: true, birthDateMatches: null, addressMatches: null, limited: false }]);
  });
});

describe('npm run compare seals by default', () => {
  let stack: Stack;
  let dir: string;
  beforeAll(async () => {
    stack = await startStack();
    await grant(stack, CONSUMER, ['Query.verifyPersons'], { purpose: PURPOSE });
    dir = mkdtempSync(join(tmpdir(), 'govshare-sealed-cli-'));
  });
  afterAll(async () => {
    await stack?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('writes the same results sealed as in clear, and says it sealed them', async () => {
    const input = join(dir, 'claims.csv');
    const out = createWriteStream(input);
    out.write(csvLine(['idNumber', 'name', 'birthDate', 'householdAddress']));
    out.write(csvLine([ZHANG, zhang.name, '1985/03/12', zhang.householdAddress]));
    out.write(csvLine([ABSENT, zhang.name, '', '']));
    const people = [...persons(TEST_SAMPLE)];
    for (let i = 0; i < 3000; i++) {
      const p = people[i % people.length]!;
      out.write(csvLine([p.idNumber, i % 9 === 0 ? `${p.name}甲` : p.name, p.birthDate, i % 5 === 0 ? '' : p.householdAddress]));
    }
    out.end();
    await once(out, 'finish');
    const token = await testToken(CONSUMER);
    const sealed = spawnScript('scripts/compare.ts', ['--resource', 'POP-PERSON', '--in', input, '--out', join(dir, 'sealed.csv'), '--gateway', stack.gatewayUrl,
      '--purpose', PURPOSE, '--batch', '700'], { GOVSHARE_TOKEN: token });
    expect(await sealed.exited, sealed.output()).toBe(0);
    expect(sealed.output()).toMatch(/sealing claims to POP-PERSON's claim key [A-Za-z0-9_-]{43} \(provider public-security, signed by the gateway\)/);
    const plain = spawnScript('scripts/compare.ts', ['--resource', 'POP-PERSON', '--in', input, '--out', join(dir, 'plain.csv'), '--gateway', stack.gatewayUrl,
      '--purpose', PURPOSE, '--batch', '700', '--plain'], { GOVSHARE_TOKEN: token });
    expect(await plain.exited, plain.output()).toBe(0);
    const sealedText = readFileSync(join(dir, 'sealed.csv'), 'utf8');
    expect(sealedText).toBe(readFileSync(join(dir, 'plain.csv'), 'utf8'));
    expect(sealedText.split('\r\n').slice(0, 3)).toEqual([
      'row,found,nameMatches,birthDateMatches,addressMatches,limited', '1,true,true,true,true,false', '2,false,,,,false',
    ]);
    // The gateway recorded sealed batches (5 of them: 3,002 claims in batches of 700), not claims.
    const page = await stack.state.audit.page({ first: 50, visibleTo: 'all', consumer: CONSUMER });
    const batches = page.records.filter((r) => r.detail?.startsWith('{"sealedClaims"')).map((r) => JSON.parse(r.detail!).sealedClaims[0].count);
    expect(batches.sort((a, b) => a - b)).toEqual([202, 700, 700, 700, 700]);
  });

  it('refuses a claim too long to seal before sending anything, naming its row', async () => {
    const input = join(dir, 'long.csv');
    const out = createWriteStream(input);
    out.write(csvLine(['idNumber', 'householdAddress']));
    out.write(csvLine([ZHANG, '湖南省']));
    out.write(csvLine([ZHANG, '湖'.repeat(200)]));
    out.end();
    await once(out, 'finish');
    const batches = async () => (await stack.state.audit.page({ first: 200, visibleTo: 'all', consumer: CONSUMER })).records.filter((r) => r.operationName === 'CompareBatch').length;
    const before = await batches();
    const cli = spawnScript('scripts/compare.ts', ['--resource', 'POP-PERSON', '--in', input, '--out', join(dir, 'long-results.csv'), '--gateway', stack.gatewayUrl,
      '--purpose', PURPOSE], { GOVSHARE_TOKEN: await testToken(CONSUMER) });
    expect(await cli.exited).toBe(1);
    expect(cli.output()).toMatch(/BAD_USER_INPUT: row 2: the claim takes 6\d\d bytes as JSON; a sealed one holds at most 510/);
    expect(cli.output()).not.toContain('湖湖');
    // Not even the batch's first, valid claim was sent.
    expect(await batches()).toBe(before);
  });
});
