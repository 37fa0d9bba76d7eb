import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STATE_KINDS, startStack, type Stack } from '../support/stack.ts';
import { as, tokenWith } from '../support/tokens.ts';

/**
 * Finding 14, identity (CONTRACT §2 v1.1): a token's claims are read strictly — `sub` a string naming
 * a department, `roles` a list of role names, at most 24 h of life, issuer and audience when
 * configured — and purpose/operator values are printable text.
 */
const QUERY = '{ person(idNumber: "43010219850312123X") { birthDate } }';
const now = () => Math.floor(Date.now() / 1000);

async function auditCount(stack: Stack): Promise<number> {
  return (await stack.state.audit.page({ first: 500, visibleTo: 'all' })).records.length;
}

describe.each(STATE_KINDS)('token claims are read strictly (%s state)', (kind) => {
  let stack: Stack;
  beforeAll(async () => { stack = await startStack({ state: kind }); });
  afterAll(async () => { await stack?.close(); });

  async function expectUnauthenticated(claims: Record<string, unknown>, reason: RegExp, times = 1) {
    const token = await tokenWith(claims);
    const before = await auditCount(stack);
    for (let i = 0; i < times; i++) {
      const { status, body } = await stack.query(QUERY, {}, { authorization: `Bearer ${token}` });
      expect(status, JSON.stringify(claims)).toBe(401);
      expect(body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      expect(body.errors?.[0]?.message).toMatch(reason);
      expect(body.data).toBeUndefined();
    }
    expect(await auditCount(stack)).toBe(before);
  }

  it('control: a well-formed token is served', async () => {
    const token = await tokenWith({ sub: 'tax', roles: ['consumer'], iat: now(), exp: now() + 86_400 });
    const { status, body } = await stack.query(QUERY, {}, { authorization: `Bearer ${token}` });
    expect(status).toBe(200);
    expect(body.data.person.birthDate).toBe('1985-03-12');
  });

  it('sub: ["tax"] is not tax, nor is any other non-string that prints as a department', async () => {
    for (const sub of [['tax'], [['tax']], { toString: 'tax' }, 123, true, null]) {
      await expectUnauthenticated({ sub, roles: ['consumer'], iat: now(), exp: now() + 600 }, /sub|subject/);
    }
    for (const sub of ['', ' tax', 'tax ', 'TAX', 'tax\u0000']) {
      await expectUnauthenticated({ sub, roles: ['consumer'], iat: now(), exp: now() + 600 }, /not a known department|subject/);
    }
  });

  it('roles must be a list of the three role names', async () => {
    for (const roles of ['admin', [['admin']], ['admin '], ['ADMIN'], { 0: 'admin' }, [null], [1]]) {
      await expectUnauthenticated({ sub: 'data-bureau', roles, iat: now(), exp: now() + 600 }, /roles/);
    }
  });

  it('a token living longer than 24 h is refused, every time (a refusal is never cached as an acceptance)', async () => {
    await expectUnauthenticated({ sub: 'tax', roles: ['consumer'], exp: 1e300 }, /longer than 24 h|exp/, 3);
    await expectUnauthenticated({ sub: 'tax', roles: ['consumer'], iat: now(), exp: 1e300 }, /longer than 24 h|exp/, 2);
    await expectUnauthenticated({ sub: 'tax', roles: ['consumer'], exp: now() + 25 * 3600 }, /longer than 24 h \(exp - now/);
    await expectUnauthenticated({ sub: 'tax', roles: ['consumer'], iat: now(), exp: now() + 86_400 + 60 }, /longer than 24 h \(exp - iat/);
    await expectUnauthenticated({ sub: 'tax', roles: ['consumer'], iat: now() - 10 * 86_400, exp: now() + 600 }, /longer than 24 h/);
  });

  it('a token issued in the future is refused, even with a short lifetime', async () => {
    const iat = now() + 365 * 86_400;
    await expectUnauthenticated({ sub: 'tax', roles: ['consumer'], iat, exp: iat + 3600 }, /future|iat/);
  });

  it('exp must be a number', async () => {
    await expectUnauthenticated({ sub: 'tax', roles: ['consumer'], exp: String(now() + 600) }, /exp/);
  });

  it.each([
    ['CR LF', '%0D%0A'], ['LF inside', '%E4%BD%8E%0A%E4%BF%9D'], ['NUL', 'a%00b'], ['DEL', 'a%7Fb'], ['TAB (encoded)', 'a%09b'],
    ['NEL (U+0085)', 'a%C2%85b'], ['LINE SEPARATOR (U+2028)', 'a%E2%80%A8b'], ['ESC', '%1B%5B31m'],
    // Text that displays otherwise than it is stored: a purpose an auditor reads as one thing and is another.
    ['RIGHT-TO-LEFT OVERRIDE (U+202E)', encodeURIComponent('税务稽查\u202E查核息信系联')], ['LEFT-TO-RIGHT EMBEDDING (U+202A)', encodeURIComponent('\u202A税务稽查')],
    ['FIRST STRONG ISOLATE (U+2068)', encodeURIComponent('税务稽查\u2068x\u2069')], ['ZERO WIDTH SPACE (U+200B)', encodeURIComponent('税务\u200B稽查')],
    ['BYTE ORDER MARK (U+FEFF)', encodeURIComponent('\uFEFF税务稽查')],
  ])('a purpose or operator with %s is BAD_USER_INPUT, and nothing is recorded', async (_, encoded) => {
    const base = await as('tax');
    const before = await auditCount(stack);
    for (const header of ['x-share-purpose', 'x-share-operator']) {
      const { status, body } = await stack.query(QUERY, {}, { ...base, [header]: encoded });
      expect(status, header).toBe(400);
      expect(body.errors?.[0]?.extensions?.code, header).toBe('BAD_USER_INPUT');
      expect(body.data).toBeUndefined();
    }
    const decoded = decodeURIComponent(encoded);
    for (const name of ['purpose', 'operator']) {
      const response = await fetch(`${stack.gatewayUrl}/graphql`, {
        method: 'POST', headers: { 'content-type': 'application/json', ...base },
        body: JSON.stringify({ query: QUERY, extensions: { [name]: decoded } }),
      });
      expect(response.status, name).toBe(400);
      expect(((await response.json()) as any).errors[0].extensions.code).toBe('BAD_USER_INPUT');
    }
    expect(await auditCount(stack)).toBe(before);
  });

  it('a raw TAB in the header (HTTP allows it) is refused too', async () => {
    const { status, body } = await stack.query(QUERY, {}, { ...(await as('tax')), 'x-share-purpose': 'a\tb' });
    expect(status).toBe(400);
    expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('control: printable purposes and operators pass and are recorded as sent', async () => {
    const { status } = await stack.query(QUERY, {}, await as('tax', { purpose: '低保审核 (2026) – 第1批', operator: '张三-001' }));
    expect(status).toBe(200);
    const { records } = await stack.state.audit.page({ first: 5, visibleTo: 'all' });
    expect(records.some((r) => r.purpose === '低保审核 (2026) – 第1批' && r.operator === '张三-001')).toBe(true);
  });

  it('control: Uyghur beside Chinese, with its joiners and directional marks, passes', async () => {
    // ZWNJ (U+200C) inside an Arabic-script word and a right-to-left mark (U+200F): ordinary in Uyghur text.
    const purpose = '低保审核 \u0626\u0627\u200C\u0632 \u200F(2026)';
    const { status } = await stack.query(QUERY, {}, await as('tax', { purpose }));
    expect(status).toBe(200);
    const { records } = await stack.state.audit.page({ first: 5, visibleTo: 'all' });
    expect(records.some((r) => r.purpose === purpose)).toBe(true);
  });

  it('an application\'s purpose that displays otherwise than it is stored is BAD_USER_INPUT, and no application is made', async () => {
    const apply = 'mutation($p: String!) { applyForAccess(input: { resource: "POP-PERSON", fields: ["Person.mobile"], purpose: $p }) { id purpose } }';
    for (const purpose of ['税务稽查\u202E查核', '税务\u200B稽查', '税务稽查\r\n批准']) {
      const { body } = await stack.query(apply, { p: purpose }, await as('tax'));
      expect(body.errors?.[0]?.extensions?.code, JSON.stringify(purpose)).toBe('BAD_USER_INPUT');
      expect(body.data?.applyForAccess ?? null).toBeNull();
    }
    const listed = await stack.query('{ applications { purpose } }', {}, await as('tax'));
    expect(listed.body.errors).toBeUndefined();
    expect(JSON.stringify(listed.body)).not.toMatch(/[\u202E\u200B]|批准/);
  });
});

describe('GOVSHARE_JWT_ISSUER / GOVSHARE_JWT_AUDIENCE are enforced when set', () => {
  const ISSUER = 'https://idp.example.gov.cn';
  const AUDIENCE = 'govshare';
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ definitions: [], gatewayEnv: { GOVSHARE_JWT_ISSUER: ISSUER, GOVSHARE_JWT_AUDIENCE: AUDIENCE } });
  });
  afterAll(async () => { await stack?.close(); });

  const me = async (claims: Record<string, unknown>) =>
    stack.query('{ me { code } }', {}, { authorization: `Bearer ${await tokenWith({ sub: 'tax', iat: now(), exp: now() + 600, ...claims })}` });

  it('serves a token with both', async () => {
    const { status, body } = await me({ iss: ISSUER, aud: AUDIENCE });
    expect(status).toBe(200);
    expect(body.data.me.code).toBe('tax');
    expect((await me({ iss: ISSUER, aud: ['other-service', AUDIENCE] })).status).toBe(200);
  });

  it.each([
    ['no iss', { aud: AUDIENCE }],
    ['another iss', { iss: 'https://evil.example', aud: AUDIENCE }],
    ['an iss that only starts like it', { iss: `${ISSUER}.evil.example`, aud: AUDIENCE }],
    ['no aud', { iss: ISSUER }],
    ['another aud', { iss: ISSUER, aud: 'another-service' }],
  ])('refuses %s with 401', async (_, claims) => {
    const { status, body } = await me(claims);
    expect(status).toBe(401);
    expect(body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(body.data).toBeUndefined();
  });
});
