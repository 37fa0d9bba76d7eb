import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT, UnsecuredJWT, generateKeyPair, exportSPKI } from 'jose';
import { keySourceFromEnv } from '../gateway/identity/token-verifier.ts';
import { startStack, type Stack } from './support/stack.ts';
import { as } from './support/tokens.ts';
import { testJwtSecret } from './support/keys.ts';

const QUERY = '{ person(idNumber: "43010219850312123X") { birthDate } }';
/** The key the test gateways verify with: a forged token below differs from a valid one only where it says. */
const key = new TextEncoder().encode(testJwtSecret());

describe('identity: every request carries a valid department token', () => {
  let stack: Stack;
  beforeAll(async () => { stack = await startStack(); });
  afterAll(async () => { await stack?.close(); });

  async function refusedWith(headers: Record<string, string>, reason: RegExp) {
    const before = (await stack.state.audit.page({ first: 500, visibleTo: 'all' })).records.length;
    const { status, body } = await stack.query(QUERY, {}, headers);
    expect(status).toBe(401);
    expect(body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(body.errors?.[0]?.message).toMatch(reason);
    expect(body.data).toBeUndefined();
    // Nothing executed: not even an audit record.
    expect((await stack.state.audit.page({ first: 500, visibleTo: 'all' })).records.length).toBe(before);
  }

  it('serves a valid token', async () => {
    const { status, body } = await stack.query(QUERY, {}, await as('tax'));
    expect(status).toBe(200);
    expect(body.data.person.birthDate).toBe('1985-03-12');
  });

  it('refuses a missing token', () => refusedWith({}, /Authorization/));
  it('refuses a malformed header', () => refusedWith({ authorization: 'Token abc' }, /Authorization/));
  it('refuses a malformed token', () => refusedWith({ authorization: 'Bearer not.a.jwt' }, /malformed|token/));

  it('refuses an expired token', async () => {
    const token = await new SignJWT({ roles: ['consumer'] }).setProtectedHeader({ alg: 'HS256' })
      .setSubject('tax').setIssuedAt(Math.floor(Date.now() / 1000) - 7200).setExpirationTime(Math.floor(Date.now() / 1000) - 3600).sign(key);
    await refusedWith({ authorization: `Bearer ${token}` }, /expired/);
  });

  it('refuses a token without exp', async () => {
    const token = await new SignJWT({ roles: ['consumer'] }).setProtectedHeader({ alg: 'HS256' }).setSubject('tax').sign(key);
    await refusedWith({ authorization: `Bearer ${token}` }, /exp/);
  });

  it('refuses a token signed with another key', async () => {
    const token = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('tax').setExpirationTime('1h')
      .sign(new TextEncoder().encode('some-other-secret'));
    await refusedWith({ authorization: `Bearer ${token}` }, /signature/);
  });

  it('refuses alg: none', async () => {
    const token = new UnsecuredJWT({ roles: ['admin'] }).setSubject('data-bureau').setExpirationTime('1h').encode();
    await refusedWith({ authorization: `Bearer ${token}` }, /algorithm|token/);
  });

  it('refuses a token for an unknown department', async () => {
    const token = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('ministry-of-magic').setExpirationTime('1h').sign(key);
    await refusedWith({ authorization: `Bearer ${token}` }, /ministry-of-magic.*not a known department/);
  });

  it('refuses unknown roles', async () => {
    const token = await new SignJWT({ roles: ['superuser'] }).setProtectedHeader({ alg: 'HS256' }).setSubject('tax').setExpirationTime('1h').sign(key);
    await refusedWith({ authorization: `Bearer ${token}` }, /roles/);
  });

  it('refuses a malformed percent-encoding of the purpose with BAD_USER_INPUT', async () => {
    const { status, body } = await stack.query(QUERY, {}, { ...(await as('tax')), 'x-share-purpose': '%E4%BD' });
    expect(status).toBe(400);
    expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('refuses a purpose in header and body that disagree, and one over 200 characters', async () => {
    const headers = await as('tax', { purpose: '低保审核' });
    const disagree = await stack.query(QUERY, {}, headers).then(async () =>
      (await fetch(`${stack.gatewayUrl}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ query: QUERY, extensions: { purpose: '其他' } }) })).json() as Promise<any>);
    expect(disagree.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    const long = await stack.query(QUERY, {}, await as('tax', { purpose: '审'.repeat(201) }));
    expect(long.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('reports me: the department, its name and roles', async () => {
    const { body } = await stack.query('{ me { code name roles } }', {}, await as('public-security', { roles: ['consumer', 'provider'] }));
    expect(body.data.me).toEqual({ code: 'public-security', name: '公安局', roles: ['consumer', 'provider'] });
  });
});

describe('asymmetric production keys', () => {
  it('verifies an ES256 token with GOVSHARE_JWT_PUBLIC_KEY and refuses HS256 tokens then', async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
    const keys = await keySourceFromEnv({ GOVSHARE_JWT_PUBLIC_KEY: await exportSPKI(publicKey) }, { dataDir: null });
    // A configured key: no generated one, hence no dev sign-in.
    expect(keys.generatedSecret).toBeNull();
    const good = await new SignJWT({ roles: ['consumer'] }).setProtectedHeader({ alg: 'ES256' }).setSubject('tax').setExpirationTime('1h').sign(privateKey);
    expect((await keys.verify(good)).sub).toBe('tax');
    const hs = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('tax').setExpirationTime('1h').sign(key);
    await expect(keys.verify(hs)).rejects.toThrow();
  });
});
