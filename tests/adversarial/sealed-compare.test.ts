/**
 * Attack class: sealed comparisons (issue 17). Claims sealed to the provider's claim key pass the gateway as
 * ciphertexts; the provider opens them, compares, and seals the results back to the consumer. Here: every way
 * of moving a sealed claim somewhere it was not sealed for (another request, consumer, resource, purpose,
 * position, key), tampering with it, or outlasting a key rotation is refused by the provider with
 * BAD_USER_INPUT and nothing is compared or counted; the §5 limits hold for sealed claims as for plain ones;
 * a man in the middle cannot hand the CLI a key of its own. That a gateway that served a sealed job holds
 * none of its claim values, in memory or in its logs, is tests/adversarial/sealed-heap.test.ts.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateClaimKey, MAX_SEALED_CLAIMS, sealClaims, sealResults, SEALED_CLAIMS_SUITE } from '../../protocol/sealed-claims/index.ts';
import { loadSigningKey } from '../../gateway/keys/index.ts';
import { signClaimKey } from '../../gateway/platform/claim-key-signature.ts';
import { postGraphQL, startStack, STATE_KINDS, type Stack } from '../support/stack.ts';
import { grant } from '../support/grants.ts';
import { as, testToken } from '../support/tokens.ts';
import { spawnScript } from '../support/processes.ts';
import { personById, WELL_KNOWN } from '../support/fixtures.ts';
import { catalogClaimKey, sealedCompare, sealedQuery } from '../support/sealed.ts';

const ZHANG = '43010219850312123X';
const LIU = '43011119750520345X';
const zhang = personById(ZHANG);
const CONSUMER = 'civil-affairs';
const OTHER = 'human-resources';
const PURPOSE = '低保核对';

describe.each(STATE_KINDS)('sealed claims under attack (%s state)', (stateKind) => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ state: stateKind });
    for (const consumer of [CONSUMER, OTHER]) await grant(stack, consumer, ['Query.verifyPersons', 'Query.verifyEnterprises'], { purpose: PURPOSE });
  });
  afterAll(async () => { await stack?.close(); });

  /** The consumer's rows in the provider's claim-limit table: what a comparison would have counted. */
  const counted = async (consumer: string) => Number((await stack.database.db.query<{ n: string }>(
    'SELECT count(*)::text AS n FROM population_govshare.govshare_compare_claims WHERE consumer = $1', [consumer]))[0]!.n);
  const send = (options: Partial<Parameters<typeof sealedCompare>[1]> & { claims: unknown[] }) =>
    sealedCompare(stack, { resource: 'POP-PERSON', consumer: CONSUMER, purpose: PURPOSE, ...options });
  const refusal = (call: Awaited<ReturnType<typeof sealedCompare>>) => {
    expect(call.response.body.data?.verifyPersons ?? null).toBeNull();
    return call.response.body.errors?.[0]?.extensions;
  };
  /** Three names for a subject nobody compared yet: answered only if nothing was counted before. */
  const names = (n: number) => Array.from({ length: n }, (_, i) => ({ idNumber: LIU, name: `刘${'甲乙丙丁戊己庚辛'[i]}` }));

  it('refuses a tampered ciphertext, compares nothing and counts nothing', async () => {
    const before = await counted(CONSUMER);
    const flip = (c: string) => `${c.slice(0, 100)}${c[100] === 'A' ? 'B' : 'A'}${c.slice(101)}`;
    const call = await send({ claims: names(3), alter: (s) => ({ ...s, sealedClaims: [s.sealedClaims[0], flip(s.sealedClaims[1]!), s.sealedClaims[2]] }) });
    expect(refusal(call)).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'SEALED_CLAIM_DOES_NOT_OPEN', provider: 'public-security' });
    expect(await counted(CONSUMER)).toBe(before);
    // The allowance is whole: three other names for the same person are all answered.
    const after = await send({ claims: names(6).slice(3) });
    expect(after.results!.map((r) => r.limited)).toEqual([false, false, false]);
  });

  it('refuses claims sealed for another request, another consumer, another resource or another purpose', async () => {
    const claims = [{ idNumber: ZHANG, name: zhang.name }];
    const before = [await counted(CONSUMER), await counted(OTHER)];
    // The same ciphertexts under another request id (a replay into a new request, or a sealing swapped in).
    expect(refusal(await send({ claims, alter: (s) => ({ ...s, sealing: { ...s.sealing, requestId: randomUUID() } }) })))
      .toMatchObject({ code: 'BAD_USER_INPUT', reason: 'SEALED_CLAIM_DOES_NOT_OPEN' });
    // Sealed by civil-affairs, sent by human-resources, which holds a grant of its own for the same purpose.
    expect(refusal(await send({ claims, headers: await as(OTHER, { purpose: PURPOSE }) })))
      .toMatchObject({ code: 'BAD_USER_INPUT', reason: 'SEALED_CLAIM_DOES_NOT_OPEN' });
    // Sealed (to population's key) for ENT-ENTERPRISE, sent to verifyPersons.
    expect(refusal(await send({ claims, bind: { resource: 'ENT-ENTERPRISE' } })))
      .toMatchObject({ code: 'BAD_USER_INPUT', reason: 'SEALED_CLAIM_DOES_NOT_OPEN' });
    // Sealed to legal-entity's key, sent to population.
    expect(refusal(await send({ claims, key: await catalogClaimKey(stack, 'ENT-ENTERPRISE') })))
      .toMatchObject({ code: 'BAD_USER_INPUT', reason: 'CLAIM_KEY_NOT_CURRENT' });
    // Sealed for 低保核对, sent for 低保核对：复核 (which the grant covers, so the gateway lets it through).
    expect(refusal(await send({ claims, headers: await as(CONSUMER, { purpose: `${PURPOSE}：复核` }) })))
      .toMatchObject({ code: 'BAD_USER_INPUT', reason: 'SEALED_CLAIM_DOES_NOT_OPEN' });
    expect([await counted(CONSUMER), await counted(OTHER)]).toEqual(before);
  });

  it('refuses claims reordered, dropped or spliced from another batch', async () => {
    const a = [{ idNumber: ZHANG }, { idNumber: LIU }, { idNumber: ZHANG, name: zhang.name }];
    for (const alter of [
      (s: { sealedClaims: string[]; sealing: object }) => ({ ...s, sealedClaims: [s.sealedClaims[1], s.sealedClaims[0], s.sealedClaims[2]] }),
      (s: { sealedClaims: string[]; sealing: object }) => ({ ...s, sealedClaims: [s.sealedClaims[1], s.sealedClaims[2]] }),
    ]) {
      expect(refusal(await send({ claims: a, alter }))).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'SEALED_CLAIM_DOES_NOT_OPEN' });
    }
    const other = await send({ claims: a });
    const spliced = await send({ claims: a, alter: (s) => ({ ...s, sealedClaims: [s.sealedClaims[0], other.batch.sealedClaims[1], s.sealedClaims[2]] }) });
    expect(refusal(spliced)).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'SEALED_CLAIM_DOES_NOT_OPEN' });
    // Claims dropped from the end still open (each keeps its index), but the consumer sees the answer is short.
    const truncated = send({ claims: a, alter: (s) => ({ ...s, sealedClaims: s.sealedClaims.slice(0, 2) }) });
    await expect(truncated).rejects.toMatchObject({ reason: 'SEALED_RESULT_DOES_NOT_OPEN', message: '2 sealed results for 3 claims' });
  });

  it('refuses a sealed batch that asks for flags in clear, and claims in clear beside sealed ones', async () => {
    const flags = await send({ claims: [{ idNumber: ZHANG }], selection: 'index found sealed' });
    expect(refusal(flags)).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'SEALED_SELECTION' });
    const key = await catalogClaimKey(stack, 'POP-PERSON');
    const batch = await sealClaims(key, { requestId: randomUUID(), consumer: CONSUMER, resource: 'POP-PERSON', purpose: PURPOSE }, [{ idNumber: ZHANG }]);
    const both = await stack.query('query Both($claims: [PersonClaim!]!, $sealedClaims: [String!]!, $sealing: ClaimSealing!) { verifyPersons(claims: $claims, sealedClaims: $sealedClaims, sealing: $sealing) { index sealed } }',
      { claims: [{ idNumber: LIU }], sealedClaims: batch.sealedClaims, sealing: batch.sealing }, await as(CONSUMER, { purpose: PURPOSE }));
    expect(both.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'SEALED_CLAIMS_MALFORMED' });
  });

  it('holds the §5 limits for sealed claims exactly as for plain ones, sharing one allowance', async () => {
    const subject = WELL_KNOWN.persons.find((p) => p.idNumber !== ZHANG && p.idNumber !== LIU)!;
    const guesses = ['甲', '乙', '丙', '丁', subject.name as string].map((name) => ({ idNumber: subject.idNumber, name }));
    const sealed = await send({ claims: guesses });
    expect(sealed.results!.map((r) => [r.nameMatches, r.limited])).toEqual([[false, false], [false, false], [false, false], [null, true], [null, true]]);
    // The same allowance in clear: the real name is still withheld.
    const plain = await stack.query('query P($claims: [PersonClaim!]!) { verifyPersons(claims: $claims) { nameMatches limited } }',
      { claims: [{ idNumber: subject.idNumber, name: subject.name }] }, await as(CONSUMER, { purpose: PURPOSE }));
    expect(plain.body.data.verifyPersons).toEqual([{ nameMatches: null, limited: true }]);
    // And the other way round: three names in clear, a fourth sealed.
    const next = WELL_KNOWN.persons.find((p) => ![ZHANG, LIU, subject.idNumber].includes(p.idNumber))!;
    await stack.query('query P($claims: [PersonClaim!]!) { verifyPersons(claims: $claims) { limited } }',
      { claims: ['子', '丑', '寅'].map((name) => ({ idNumber: next.idNumber, name })) }, await as(CONSUMER, { purpose: PURPOSE }));
    const fourth = await send({ claims: [{ idNumber: next.idNumber, name: next.name }] });
    expect(fourth.results).toEqual([expect.objectContaining({ found: true, nameMatches: null, limited: true })]);
  });

  it('refuses more sealed claims than a request may carry at the provider itself, counting nothing', async () => {
    const key = await catalogClaimKey(stack, 'POP-PERSON');
    const batch = await sealClaims(key, { requestId: randomUUID(), consumer: CONSUMER, resource: 'POP-PERSON', purpose: PURPOSE }, [{ idNumber: ZHANG, name: '张某' }]);
    const body = JSON.stringify({ query: sealedQuery('POP-PERSON'), variables: { sealedClaims: Array(MAX_SEALED_CLAIMS + 1).fill(batch.sealedClaims[0]), sealing: batch.sealing } });
    const url = stack.subgraphs.find((s) => s.name === 'population')!.url;
    const before = await counted(CONSUMER);
    const signature = await stack.keys.signer.sign({ aud: 'population', rid: 'sealed-attack', sub: CONSUMER, pur: PURPOSE, fld: ['Query.verifyPersons'] }, body);
    const direct = await postGraphQL(url, body, { 'x-govshare-signature': signature });
    expect(direct.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'SEALED_CLAIMS_TOO_MANY' });
    expect(await counted(CONSUMER)).toBe(before);
  });

  it('lets an answer be opened only as the answer to its own request', async () => {
    const first = await send({ claims: [{ idNumber: ZHANG }] });
    const second = await send({ claims: [{ idNumber: LIU }] });
    const answerOfFirst = first.response.body.data.verifyPersons.map((r: { sealed: string }) => r.sealed);
    // A gateway (or anyone between) handing the second request the first one's answer.
    await expect(second.batch.openResults(answerOfFirst)).rejects.toMatchObject({ reason: 'SEALED_RESULT_DOES_NOT_OPEN' });
    // Nor can anyone without the reply key forge one: sealed to a key of its own choosing, it does not open.
    const forged = await sealResults({ ...second.batch.sealing, replyKey: (await generateClaimKey()).key },
      { requestId: second.batch.sealing.requestId, consumer: CONSUMER, resource: 'POP-PERSON', purpose: PURPOSE }, [{ found: true, limited: false }]);
    await expect(second.batch.openResults(forged)).rejects.toMatchObject({ reason: 'SEALED_RESULT_DOES_NOT_OPEN' });
  });

  it('answers /claim-key to the gateway\'s signature only', async () => {
    const base = stack.subgraphs.find((s) => s.name === 'population')!.url.replace(/\/graphql$/, '');
    expect((await fetch(`${base}/claim-key`)).status).toBe(401);
    const forOther = await stack.keys.signer.sign({ aud: 'housing', rid: 'x' }, '');
    expect((await fetch(`${base}/claim-key`, { headers: { 'x-govshare-signature': forOther } })).status).toBe(401);
    const signed = await stack.keys.signer.sign({ aud: 'population', rid: 'x' }, '');
    const answer = await fetch(`${base}/claim-key`, { headers: { 'x-govshare-signature': signed } });
    expect(answer.status).toBe(200);
    const body = await answer.json() as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['key', 'kid', 'suite']); // the public half only
  });

  const ROTATE = 'mutation Rotate($resource: String!) { rotateClaimKey(resource: $resource) { kid key suite signature } }';
  const storedKid = async () => JSON.parse((await stack.database.db.query<{ value: string }>(
    "SELECT value FROM population_govshare.govshare_secret WHERE name = 'claim-key'"))[0]!.value).kid as string;

  it('refuses an old claim key after its provider rotated it through the platform, and serves the new one at once', async () => {
    const old = await catalogClaimKey(stack, 'POP-PERSON');
    const sealedBefore = await sealClaims(old, { requestId: randomUUID(), consumer: CONSUMER, resource: 'POP-PERSON', purpose: PURPOSE }, [{ idNumber: ZHANG, name: zhang.name }]);
    const answer = await stack.query(ROTATE, { resource: 'POP-PERSON' }, await as('public-security', { roles: ['provider'] }));
    expect(answer.body.errors).toBeUndefined();
    const rotated = answer.body.data.rotateClaimKey as { kid: string; key: string };
    expect(rotated.kid).not.toBe(old.kid);
    // The provider's records hold the new key alone: the old private half is gone, nothing can open those ciphertexts any more.
    expect(await storedKid()).toBe(rotated.kid);
    // The catalog serves it at once (this replica), signed like any claim key.
    expect((await catalogClaimKey(stack, 'POP-PERSON')).kid).toBe(rotated.kid);
    const before = await counted(CONSUMER);
    const stale = await stack.query(sealedQuery('POP-PERSON'), { sealedClaims: sealedBefore.sealedClaims, sealing: sealedBefore.sealing }, await as(CONSUMER, { purpose: PURPOSE }));
    expect(stale.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'CLAIM_KEY_NOT_CURRENT' });
    // Naming the new key does not make the old ciphertexts open.
    const relabelled = await stack.query(sealedQuery('POP-PERSON'), { sealedClaims: sealedBefore.sealedClaims, sealing: { ...sealedBefore.sealing, kid: rotated.kid } },
      await as(CONSUMER, { purpose: PURPOSE }));
    expect(relabelled.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'SEALED_CLAIM_DOES_NOT_OPEN' });
    expect(await counted(CONSUMER)).toBe(before);
    const fresh = await send({ claims: [{ idNumber: ZHANG, name: zhang.name }] });
    expect(fresh.results).toEqual([expect.objectContaining({ found: true, nameMatches: true })]);
    // The rotation is an audit record of its own, naming the resource and its provider.
    const records = await stack.state.audit.page({ first: 50, visibleTo: 'all', resource: 'POP-PERSON' });
    expect(records.records.find((r) => r.operationName === 'rotateClaimKey' && r.kind === 'PLATFORM')).toMatchObject({
      consumer: 'public-security', resources: ['POP-PERSON'], providers: ['public-security'],
    });
  });

  it('lets no one but the provider (with the provider role) or an admin rotate a claim key, and changes nothing when refused', async () => {
    const kid = await storedKid();
    const attempts = [
      await as(CONSUMER, { purpose: PURPOSE }), // a consumer with a grant
      await as('housing', { roles: ['provider'] }), // another provider
      await as('public-security'), // the provider's department without the role
      await as('public-security', { roles: ['auditor'] }),
    ];
    for (const token of attempts) {
      const answer = await stack.query(ROTATE, { resource: 'POP-PERSON' }, token);
      expect(answer.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
    const unknown = await stack.query(ROTATE, { resource: 'NO-SUCH-RESOURCE' }, await as('public-security', { roles: ['provider'] }));
    expect(unknown.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    // A resource without comparisons has no key to rotate.
    const unsealed = await stack.query(ROTATE, { resource: 'CRD-CREDIT' }, await as('development-reform', { roles: ['provider'] }));
    expect(unsealed.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(await storedKid()).toBe(kid);
  });

  it('rotates at the subgraph only for a signature made for a rotation, naming the current key, once', async () => {
    const url = `${stack.subgraphs.find((s) => s.name === 'population')!.url.replace(/\/graphql$/, '')}/claim-key`;
    const kid = await storedKid();
    const body = JSON.stringify({ rotate: kid });
    const post = (signature: string | null, text = body) => fetch(url, {
      method: 'POST', body: text, headers: { 'content-type': 'application/json', ...(signature ? { 'x-govshare-signature': signature } : {}) },
    });
    const sign = (input: Parameters<typeof stack.keys.signer.sign>[0], text = body) => stack.keys.signer.sign(input, text);
    expect((await post(null)).status).toBe(401);
    // Signed for another subgraph, or over another body.
    expect((await post(await sign({ aud: 'housing', rid: 'x', sub: 'public-security', fld: ['claim-key:rotate'] }))).status).toBe(401);
    expect((await post(await sign({ aud: 'population', rid: 'x', sub: 'public-security', fld: ['claim-key:rotate'] }, '{}'))).status).toBe(401);
    // A signature the gateway makes for a query (what a subgraph receives every day) does not rotate.
    expect((await post(await sign({ aud: 'population', rid: 'x', sub: CONSUMER, fld: ['Query.verifyPersons'] }))).status).toBe(403);
    expect((await post(await sign({ aud: 'population', rid: 'x', sub: CONSUMER, fld: ['claim-key:rotate', 'Query.verifyPersons'] }))).status).toBe(403);
    expect((await post(await sign({ aud: 'population', rid: 'x', fld: ['claim-key:rotate'] }))).status).toBe(403); // nobody acting
    // A body that names no key id, or not as one.
    for (const malformed of ['{}', JSON.stringify({ rotate: 5 }), JSON.stringify({ rotate: 'not a kid' })]) {
      const refused = await post(await sign({ aud: 'population', rid: 'x', sub: 'public-security', fld: ['claim-key:rotate'] }, malformed), malformed);
      expect(refused.status).toBe(400);
      expect(((await refused.json()) as any).errors[0].extensions.code).toBe('BAD_USER_INPUT');
    }
    // Naming a key that is not the current one.
    const staleBody = JSON.stringify({ rotate: 'A'.repeat(43) });
    const stale = await post(await sign({ aud: 'population', rid: 'x', sub: 'public-security', fld: ['claim-key:rotate'] }, staleBody), staleBody);
    expect(stale.status).toBe(400);
    expect(((await stale.json()) as any).errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'CLAIM_KEY_NOT_CURRENT' });
    expect(await storedKid()).toBe(kid);
    // The right signature rotates once; sent again it is refused (single use), and a fresh one naming the old key rotates nothing.
    const good = await sign({ aud: 'population', rid: 'x', sub: 'public-security', fld: ['claim-key:rotate'] });
    const first = await post(good);
    expect(first.status).toBe(200);
    const next = (await first.json()) as { kid: string };
    expect(next.kid).not.toBe(kid);
    expect((await post(good)).status).toBe(401);
    expect((await post(await sign({ aud: 'population', rid: 'x', sub: 'public-security', fld: ['claim-key:rotate'] }))).status).toBe(400);
    expect(await storedKid()).toBe(next.kid);
  });
});

describe('a man in the middle of the catalog', () => {
  let stack: Stack;
  let proxy: Server;
  let proxyUrl: string;
  let dir: string;
  beforeAll(async () => {
    stack = await startStack();
    await grant(stack, CONSUMER, ['Query.verifyPersons'], { purpose: PURPOSE });
    dir = mkdtempSync(join(tmpdir(), 'govshare-sealed-mitm-'));
    // Forwards everything to the gateway, but answers the CLI's claim-key question with a key of its own, signed by a key of its own.
    const mine = await generateClaimKey();
    const myKey = await loadSigningKey({}, mkdtempSync(join(tmpdir(), 'govshare-mitm-key-')));
    proxy = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const body = Buffer.concat(chunks);
      const upstream = await fetch(`${stack.gatewayUrl}${req.url}`, {
        method: req.method, body: req.method === 'GET' ? undefined : body,
        headers: Object.fromEntries(Object.entries(req.headers).filter(([k]) => !['host', 'content-length', 'connection'].includes(k)) as Array<[string, string]>),
      });
      let text = await upstream.text();
      if (body.toString().includes('"operationName":"ClaimKey"')) {
        const answer = JSON.parse(text);
        answer.data.resource.claimKey = { kid: mine.kid, key: mine.key, suite: SEALED_CLAIMS_SUITE,
          signature: signClaimKey(myKey, { sub: 'POP-PERSON', provider: 'public-security', kid: mine.kid, key: mine.key, suite: SEALED_CLAIMS_SUITE }, new Date()) };
        text = JSON.stringify(answer);
      }
      res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' }).end(text);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    proxyUrl = `http://127.0.0.1:${(proxy.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => proxy?.close(resolve));
    await stack?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('cannot make the CLI seal to a key the gateway did not sign: it stops before sealing a claim', async () => {
    const input = join(dir, 'claims.csv');
    writeFileSync(input, `idNumber,name\r\n${ZHANG},${zhang.name}\r\n`);
    const cli = spawnScript('scripts/compare.ts', ['--resource', 'POP-PERSON', '--in', input, '--out', join(dir, 'out.csv'), '--gateway', proxyUrl, '--purpose', PURPOSE],
      { GOVSHARE_TOKEN: await testToken(CONSUMER) });
    expect(await cli.exited).toBe(1);
    expect(cli.output()).toContain('CLAIM_KEY_UNVERIFIED');
    expect(cli.output()).not.toContain(zhang.name);
    const page = await stack.state.audit.page({ first: 20, visibleTo: 'all', consumer: CONSUMER });
    expect(page.records.filter((r) => r.operationName === 'CompareBatch')).toEqual([]);
  });
});
