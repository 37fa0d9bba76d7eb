import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Fastify, { type FastifyInstance } from 'fastify';
import { generateSigningKeyPem, publishedKeySet, signingKeyFromPem } from '../../gateway/keys/index.ts';
import { createRequestSigner, SIGNATURE_HEADER, type RequestSigner } from '../../protocol/gateway-signature.ts';
import { SharedReplayCache } from '../../protocol/shared-replay-cache.ts';
import { gatewayDoor, sharedReplayFromEnv } from '../../subgraphs/kit/gateway-signature.ts';
import { startPrivateRedis, type PrivateRedis } from '../support/private-redis.ts';

/**
 * Two replicas of one subgraph behind a load balancer, each with the kit's door. A captured gateway
 * signature (with its body) is single use: with the shared cache in Redis, across both replicas.
 */
describe('single use of a gateway signature across subgraph replicas (Redis SET NX)', () => {
  let redis: PrivateRedis;
  let signer: RequestSigner;
  const apps: FastifyInstance[] = [];
  const caches: SharedReplayCache[] = [];
  const body = JSON.stringify({ query: '{ hello }' });

  async function replica(shared: boolean): Promise<string> {
    const app = Fastify({ logger: false });
    const sharedReplay = shared ? await sharedReplayFromEnv({ REDIS_URL: redis.url, GOVSHARE_REDIS_PREFIX: 'replay-test:' }) : undefined;
    if (sharedReplay) caches.push(sharedReplay);
    await app.register(gatewayDoor, { subgraph: 'population', keys: { jwks: jwks! }, ...(sharedReplay ? { sharedReplay } : {}) });
    app.post('/graphql', async () => ({ data: { hello: 'world' } }));
    apps.push(app);
    return app.listen({ port: 0, host: '127.0.0.1' });
  }
  let jwks: ReturnType<typeof publishedKeySet> | undefined;

  beforeAll(async () => {
    redis = await startPrivateRedis();
    const key = await signingKeyFromPem(generateSigningKeyPem(), 'gateway');
    signer = createRequestSigner(key);
    jwks = publishedKeySet(key, {});
  });
  afterAll(async () => {
    await Promise.all(apps.map((a) => a.close()));
    await Promise.all(caches.map((c) => c.close()));
    await redis?.stop();
  });

  const send = async (base: string, signature: string) => {
    const response = await fetch(`${base}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signature }, body });
    return { status: response.status, body: await response.json() as any };
  };
  const capture = () => signer.sign({ aud: 'population', rid: 'captured', sub: 'tax' }, body);

  it('reproduces the attack: with process-local guards only, a captured signature is accepted once by each replica', async () => {
    const [a, b] = [await replica(false), await replica(false)];
    const signature = await capture();
    expect((await send(a, signature)).status).toBe(200);
    expect((await send(b, signature)).status).toBe(200);
    expect((await send(a, signature)).status).toBe(401); // the local guard still holds within one replica
  });

  it('with the shared cache the same signed request is accepted by one replica and refused by the other', async () => {
    const [a, b] = [await replica(true), await replica(true)];
    const signature = await capture();
    expect((await send(a, signature)).status).toBe(200);
    const replayed = await send(b, signature);
    expect(replayed.status).toBe(401);
    expect(replayed.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect(replayed.body.errors[0].message).toContain('already used');
    // Fresh signatures still pass on either replica.
    expect((await send(b, await capture())).status).toBe(200);
    expect((await send(a, await capture())).status).toBe(200);
  });

  it('refuses (fails closed) while Redis does not answer, and accepts again once it is back', async () => {
    const a = await replica(true);
    await redis.stop();
    const refused = await send(a, await capture());
    expect(refused.status).toBe(503);
    expect(refused.body.data).toBeUndefined();
    await redis.start();
    await expect.poll(async () => (await send(a, await capture())).status, { timeout: 10_000, interval: 200 }).toBe(200);
  });
});
