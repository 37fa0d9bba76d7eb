import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRequestSigner, SIGNATURE_HEADER, type RequestSigner, type SignatureInput } from '../protocol/gateway-signature.ts';
import { generateSigningKeyPem, signingKeyFromPem } from '../gateway/keys/index.ts';
import { startStack, type Stack } from './support/stack.ts';

const ZHANG = '43010219850312123X';

describe('the gateway is the only door: subgraphs refuse what it did not sign', () => {
  let stack: Stack;
  let population: string;
  beforeAll(async () => {
    stack = await startStack();
    population = stack.subgraphs.find((s) => s.name === 'population')!.url;
  });
  afterAll(async () => { await stack?.close(); });

  async function call(query: string, sign?: (body: string) => Promise<string | undefined> | string | undefined, variables?: Record<string, unknown>) {
    const body = JSON.stringify({ query, variables });
    const signature = await sign?.(body);
    const response = await fetch(population, {
      method: 'POST', body,
      headers: { 'content-type': 'application/json', ...(signature ? { [SIGNATURE_HEADER]: signature } : {}) },
    });
    return { status: response.status, body: await response.json() as any };
  }
  /** Signed as the gateway signs (with this stack's key unless another signer is given). */
  const gatewaySigned = (extra: Partial<SignatureInput> = {}, signer: RequestSigner = stack.keys.signer, now?: number) =>
    (body: string) => signer.sign({ aud: 'population', rid: 'test', sub: 'tax', ...extra }, body, now);

  const ENTITIES = `{ _entities(representations: [{ __typename: "Person", idNumber: "${ZHANG}" }]) { ... on Person { name mobile } } }`;

  it.each([
    ['a plain query', `{ person(idNumber: "${ZHANG}") { name } }`],
    ['_service', '{ _service { sdl } }'],
    ['_entities', ENTITIES],
  ])('refuses %s without a signature (401)', async (_, query) => {
    const { status, body } = await call(query);
    expect(status).toBe(401);
    expect(body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect(JSON.stringify(body)).not.toContain('13800138000');
  });

  it('refuses a forged signature (another key, even under the gateway\'s kid)', async () => {
    const other = await signingKeyFromPem(generateSigningKeyPem(), 'forger');
    expect((await call('{ _service { sdl } }', gatewaySigned({}, createRequestSigner(other)))).status).toBe(401);
    const sameKid = createRequestSigner({ ...other, kid: stack.keys.signing.kid });
    const { status, body } = await call('{ _service { sdl } }', gatewaySigned({}, sameKid));
    expect(status).toBe(401);
    expect(body.errors[0].message).toContain('bad gateway signature');
  });

  it('refuses a signature replayed after it expired', async () => {
    const longAgo = Math.floor(Date.now() / 1000) - 120;
    const { status, body } = await call('{ _service { sdl } }', gatewaySigned({}, stack.keys.signer, longAgo));
    expect(status).toBe(401);
    expect(body.errors[0].message).toContain('expired');
  });

  it('refuses a signature moved onto another body, or meant for another subgraph', async () => {
    const signedForOther = await stack.keys.signer.sign({ aud: 'population', rid: 't' }, JSON.stringify({ query: '{ _service { sdl } }' }));
    expect((await call(ENTITIES, () => signedForOther)).status).toBe(401);
    expect((await call('{ _service { sdl } }', gatewaySigned({ aud: 'credit' }))).status).toBe(401);
  });

  it('serves a correctly signed request', async () => {
    const { status, body } = await call(`{ person(idNumber: "${ZHANG}") { birthDate } }`, gatewaySigned());
    expect(status).toBe(200);
    expect(body.data.person.birthDate).toBe('1985-03-12');
  });

  it('enforces CONDITIONAL itself: a signed call that does not vouch for the field gets no value', async () => {
    // Several times: from the second run on, mercurius executes a compiled (graphql-jit) query.
    for (let run = 0; run < 3; run++) {
      const { body } = await call(ENTITIES, gatewaySigned());
      expect(body.data._entities[0].mobile).toBeNull();
      expect(body.errors[0].extensions.code).toBe('SHARE_DENIED');
      expect(JSON.stringify(body)).not.toContain('13800138000');
    }
    const vouched = await call(ENTITIES, gatewaySigned({ fld: ['Person.mobile'] }));
    expect(vouched.body.data._entities[0].mobile).toBe('13800138000');
  });

  it('never hands out a NONE field, whatever the signature claims', async () => {
    for (let run = 0; run < 3; run++) {
      const { body } = await call(`{ person(idNumber: "${ZHANG}") { securityNote } }`, gatewaySigned({ fld: ['Person.securityNote'] }));
      expect(body.data.person.securityNote).toBeNull();
      expect(body.errors[0].extensions.code).toBe('SHARE_DENIED');
    }
  });
});

describe('what a provider checks itself', () => {
  it('checks CONDITIONAL fields that decide access and every NONE field, not UNCONDITIONAL or covered value-type fields', async () => {
    const { enforcedFields } = await import('../subgraphs/kit/share-enforcement.ts');
    const { analyseSubgraphs } = await import('../schema/policy-model.ts');
    const { withShareDirectives } = await import('../schema/share-sdl.ts');
    const population = (await import('../subgraphs/population/index.ts')).default;
    const { model } = analyseSubgraphs([{ name: 'population', sdl: withShareDirectives(population.sdl) }]);
    const policy = enforcedFields(model, 'population');
    expect(Object.keys(policy.Person ?? {}).sort()).toEqual(['householdAddress', 'maritalStatus', 'mobile', 'securityNote']);
    expect(Object.keys(policy.Query ?? {})).toEqual(['verifyPersons']);
    expect(policy.PersonVerification).toBeUndefined();
  });
});
