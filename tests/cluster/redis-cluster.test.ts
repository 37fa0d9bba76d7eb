import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { redisClusterFlag, redisTarget } from '../../protocol/redis-client.ts';
import { createRequestSigner, SIGNATURE_HEADER, type RequestSigner } from '../../protocol/gateway-signature.ts';
import { signingKeyFromPem } from '../../gateway/keys/index.ts';
import { gatewayConfigFromEnv } from '../../gateway/config.ts';
import { createStateStores, type StateStores } from '../../gateway/state/index.ts';
import { hostSubgraphs, type HostedSubgraph } from '../../subgraphs/kit/index.ts';
import { SAMPLE_SUBGRAPHS } from '../../subgraphs/samples.ts';
import { copyPgliteDataDir, openTestDatabase, POSTGRES_URL, type TestDatabase } from '../support/databases.ts';
import { freePort } from '../support/ports.ts';
import { burstWithoutFailOpen, FAIL_OPEN_WARNING } from '../support/fail-open.ts';
import { spawnScript, waitFor, type Spawned } from '../support/processes.ts';
import { redisClusterAvailable, startRedisCluster, type ClusterNodeInfo, type TestRedisCluster } from '../support/redis-cluster.ts';
import { pgliteTemplateDir, TEST_SAMPLE } from '../support/sample.ts';
import { postGraphQL, type GraphQLResponse } from '../support/stack.ts';
import { spawnedGatewayJwks, spawnedGatewayKeyPath } from '../support/keys.ts';
import { as } from '../support/tokens.ts';

describe('REDIS_URL and REDIS_CLUSTER: the cluster form', () => {
  it('one URL is one server; several full URLs, or REDIS_CLUSTER=true, are a cluster', () => {
    expect(redisTarget('redis://127.0.0.1:6379')).toEqual({ urls: ['redis://127.0.0.1:6379'], cluster: false });
    expect(redisTarget(' redis://a:7000, redis://b:7001 ,redis://c:7002')).toEqual({ urls: ['redis://a:7000', 'redis://b:7001', 'redis://c:7002'], cluster: true });
    expect(redisTarget('redis://a:7000', true).cluster).toBe(true);
    expect(redisTarget('rediss://:secret@a:7000,rediss://:secret@b:7000').cluster).toBe(true);
    expect(redisClusterFlag(undefined)).toBeUndefined();
    expect(redisClusterFlag(' TRUE ')).toBe(true);
    expect(redisClusterFlag('false')).toBe(false);
    expect(gatewayConfigFromEnv({ REDIS_URL: 'redis://a:7000,redis://b:7001' })).toMatchObject({ redisUrl: 'redis://a:7000,redis://b:7001' });
    expect(gatewayConfigFromEnv({ REDIS_URL: 'redis://a:7000', REDIS_CLUSTER: 'true' })).toMatchObject({ redisCluster: true });
  });

  it('refuses at start-up, naming the variable, what it would otherwise misread at the first command', () => {
    // The other spelling (host:port after the first URL) would parse as a URL of scheme "h2:".
    expect(() => redisTarget('redis://h1:7000,h2:7001')).toThrow(/REDIS_URL: "h2:7001" is not a redis:\/\/ or rediss:\/\/ URL/);
    expect(() => redisTarget('redis://h1:7000,not a url')).toThrow(/REDIS_URL: "not a url" is not a URL/);
    expect(() => redisTarget('redis://a:7000,redis://b:7001', false)).toThrow(/several nodes but REDIS_CLUSTER=false/);
    expect(() => redisTarget('redis://:one@a:7000,redis://:two@b:7001')).toThrow(/same scheme, user and password/);
    expect(() => redisTarget('redis://a:7000/2,redis://b:7001/2')).toThrow(/database 0 only/);
    expect(() => redisTarget(' , ')).toThrow(/REDIS_URL is empty/);
    expect(() => redisClusterFlag('yes please')).toThrow(/REDIS_CLUSTER: "yes please" is not true or false/);
    expect(() => gatewayConfigFromEnv({ REDIS_URL: 'redis://h1:7000,h2:7001' })).toThrow(/REDIS_URL/);
  });
});

const RATE = 5;
const BURST = 20;
const ID = '43010219850312123X';
const MOBILE = `{ person(idNumber: "${ID}") { mobile } }`;
const BIRTH_DATE = `{ person(idNumber: "${ID}") { birthDate } }`;
const LOAD_DEPARTMENTS = ['tax', 'housing', 'human-resources', 'civil-affairs'];

/** Until `url` answers 200; at once, with the process' output, if the process exited instead. */
async function ready(process_: Spawned, url: string): Promise<void> {
  let exited = false;
  void process_.exited.then(() => { exited = true; });
  const deadline = Date.now() + 90_000;
  while (!exited && Date.now() < deadline) {
    if (await fetch(url).then((r) => r.status === 200, () => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} ${exited ? 'exited' : 'not ready after 90 s'}:\n${process_.output().slice(-3000)}`);
}

interface Answer { status: number; data: boolean; requestId: string | null; department: string; gateway: number; at: number }

/**
 * Two gateway processes on one PostgreSQL and a Redis Cluster the test starts itself (3 masters with a
 * replica each). The master that holds the `tax` bucket's slot is listed first in REDIS_URL, so every
 * subscriber (gateways' and this test's) starts on the node the failover test kills.
 */
describe.runIf(Boolean(POSTGRES_URL) && redisClusterAvailable())('a Redis Cluster under two gateway replicas and two subgraph replicas', () => {
  const prefix = `govshare-cluster-${randomBytes(5).toString('hex')}:`;
  const dir = mkdtempSync(join(tmpdir(), 'govshare-cluster-test-'));
  let cluster: TestRedisCluster;
  let victim: ClusterNodeInfo;
  let taxSlot: number;
  let database: TestDatabase;
  let records: TestDatabase;
  let subgraphs: HostedSubgraph[];
  let state: StateStores;
  const stateLog: string[] = [];
  /** What this test's own store heard through the cluster: the replicas' announcements. */
  const heard: Array<{ consumer: string; at: number }> = [];
  const gateways: Array<{ process: Spawned; url: string }> = [];
  const replicas: Array<{ process: Spawned; url: string }> = [];

  beforeAll(async () => {
    cluster = await startRedisCluster({ nodeTimeoutMs: 1000 });
    victim = await cluster.masterOf(`${prefix}ratelimit:{tax}`);
    taxSlot = Number(await cluster.cli(victim.port, ['CLUSTER', 'KEYSLOT', `${prefix}ratelimit:{tax}`]));
    database = await openTestDatabase('pglite');
    subgraphs = await hostSubgraphs({
      definitions: SAMPLE_SUBGRAPHS, db: database.db, sample: TEST_SAMPLE, gatewayKeys: { jwks: await spawnedGatewayJwks() },
      ports: Object.fromEntries(SAMPLE_SUBGRAPHS.map((d) => [d.name, 0])),
    });
    records = await openTestDatabase('postgres');
    state = await createStateStores({ records: { url: records.url! }, redisUrl: cluster.url(victim.port), prefix, log: (m) => stateLog.push(m) });
    state.grants.onChange((consumer) => heard.push({ consumer, at: Date.now() }));
    // Both forms: every node listed, and one node with REDIS_CLUSTER=true (the rest discovered).
    const forms = [{ REDIS_URL: cluster.url(victim.port) }, { REDIS_URL: `redis://127.0.0.1:${victim.port}`, REDIS_CLUSTER: 'true' }];
    for (const form of forms) {
      const port = await freePort();
      gateways.push({
        url: `http://127.0.0.1:${port}/graphql`,
        process: spawnScript('gateway/main.ts', [], {
          GATEWAY_PORT: String(port), GOVSHARE_REDIS_PREFIX: prefix, ...form,
          GOVSHARE_STATE_DATABASE_URL: records.url, GOVSHARE_SUBGRAPHS: subgraphs.map((s) => `${s.name}=${s.url}`).join(','),
          GOVSHARE_RATE_LIMIT: String(RATE), GOVSHARE_RATE_BURST: String(BURST),
        }),
      });
    }
    for (const g of gateways) await ready(g.process, g.url.replace('/graphql', '/readyz'));
  });

  afterAll(async () => {
    await Promise.all([...gateways, ...replicas].map((g) => g.process.kill()));
    await Promise.all((subgraphs ?? []).map((s) => s.app.close()));
    await state?.close();
    await records?.dispose();
    await database?.dispose();
    await cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const ask = async (gateway: number, department: string, query: string, purpose = '税务稽查'): Promise<GraphQLResponse> =>
    postGraphQL(gateways[gateway]!.url, { query }, await as(department, { purpose }));

  async function codeOn(gateway: number, consumer: string): Promise<string> {
    const { body } = await ask(gateway, consumer, MOBILE);
    return body.errors?.[0]?.extensions?.code ?? (body.data?.person?.mobile ? 'SERVED' : 'EMPTY');
  }

  /**
   * BURST + 40 requests of one department, one after the other, alternating between the replicas: how
   * many passed, how long it took, and the refusals each replica gave.
   */
  async function burst(department: string) {
    const headers = await as(department);
    const started = performance.now();
    const answers: Array<{ gateway: number; response: GraphQLResponse }> = [];
    for (let i = 0; i < BURST + 40; i++) {
      answers.push({ gateway: i % 2, response: await postGraphQL(gateways[i % 2]!.url, { query: '{ me { code } }' }, headers) });
    }
    const seconds = (performance.now() - started) / 1000;
    return { passed: answers.filter((a) => a.response.status === 200).length, seconds, answers };
  }

  function expectOneBucket(result: Awaited<ReturnType<typeof burst>>) {
    // One bucket: the burst plus what refilled meanwhile, in total. Each replica alone would pass its own burst, 2 × BURST.
    expect(result.passed).toBeGreaterThanOrEqual(BURST);
    expect(result.passed).toBeLessThanOrEqual(BURST + Math.ceil(RATE * result.seconds) + 2);
    expect(result.answers.every((a) => a.response.status === 200 || a.response.status === 429)).toBe(true);
    for (const gateway of [0, 1]) {
      const refused = result.answers.filter((a) => a.gateway === gateway && a.response.status === 429);
      expect(refused.length).toBeGreaterThan(0);
      expect(refused[0]!.response.body.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
      expect(Number(refused[0]!.response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    }
  }

  /** Revokes through replica 1's API (the provider's own act); ms until both replicas refuse. */
  async function revokeAndMeasure(consumer: string): Promise<{ ms: number; revokedAt: number }> {
    const grant = await state.grants.create({
      consumer, resource: 'POP-PERSON', fields: ['Person.mobile'], raw: false, purpose: '税务稽查',
      validUntil: new Date(Date.now() + 3_600_000).toISOString(),
    }, new Date());
    // Both replicas serve it, and so hold it in their grant caches.
    for (const g of [0, 1]) expect(await codeOn(g, consumer)).toBe('SERVED');
    const revokedAt = Date.now();
    const { body } = await postGraphQL(gateways[0]!.url, { query: 'mutation($id: ID!) { revokeGrant(id: $id, reason: "稽查结束") { id active } }', variables: { id: grant.id } },
      await as('public-security', { roles: ['provider'] }));
    expect(body.data?.revokeGrant).toEqual({ id: grant.id, active: false });
    await waitFor(async () => (await Promise.all([codeOn(1, consumer), codeOn(0, consumer)])).every((code) => code === 'SHARE_DENIED'), 5000, 'both replicas to refuse');
    return { ms: Date.now() - revokedAt, revokedAt };
  }

  /** What a gateway sends a subgraph: its signature over this body (a captured one is the attack). */
  let signer: RequestSigner;
  const signedBody = JSON.stringify({ query: '{ __typename }' });
  const capture = () => signer.sign({ aud: 'population', rid: 'captured', sub: 'tax' }, signedBody);
  const send = async (replica: number, signature: string) => {
    const response = await fetch(`${replicas[replica]!.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signature }, body: signedBody });
    return { status: response.status, body: await response.json() as any };
  };

  it('(1) one token bucket per department across both replicas on the cluster: spreading requests over replicas gains nothing', async () => {
    // Warm both replicas' cluster connections (slot map, script load) with another department's calls.
    for (const g of [0, 1]) await ask(g, 'development-reform', '{ me { code } }');
    await new Promise((resolve) => setTimeout(resolve, 1_200)); // past any SHARED_LIMIT_RETRY_MS the warm-up began
    // A burst during which a replica failed open (its cluster check timed out) is measured again.
    const measured = await burstWithoutFailOpen(gateways.map((g) => () => g.process.output()), ['housing', 'human-resources', 'civil-affairs'], burst, 'cluster');
    expect(measured, 'every burst met a replica failing open').toBeDefined();
    const { department, result } = measured!;
    expectOneBucket(result);
    // The bucket is a key on the cluster (redis-cli -c follows the MOVED to its slot's master).
    expect(Number(await cluster.cli(cluster.ports[0]!, ['HGET', `${prefix}ratelimit:{${department}}`, 'tokens'], true))).toBeLessThan(1);
  });

  it('(2) a revocation on replica 1 is refused on replica 2 within 1 s, announced through the cluster', async () => {
    const { ms, revokedAt } = await revokeAndMeasure('market-regulation');
    console.log(`[cluster] revocation refused on both replicas after ${ms} ms`);
    expect(ms).toBeLessThan(1000);
    // The announcement itself crossed the cluster: this test's own store (its own connections) heard it.
    await waitFor(async () => heard.some((h) => h.consumer === 'market-regulation' && h.at >= revokedAt), 1000, 'the announcement');
  });

  it('(3) a replayed gateway signature is refused by the second subgraph process: one jti key on the cluster', { timeout: 120_000 }, async () => {
    const jwksFile = join(dir, 'jwks.json');
    writeFileSync(jwksFile, JSON.stringify(await spawnedGatewayJwks()));
    const forms = [{ REDIS_URL: cluster.url() }, { REDIS_URL: `redis://127.0.0.1:${cluster.ports[1]}`, REDIS_CLUSTER: 'true' }];
    for (const [i, form] of forms.entries()) {
      const port = await freePort();
      const dataDir = join(dir, `population-${i}`);
      mkdirSync(join(dataDir, 'pglite'), { recursive: true });
      copyPgliteDataDir(pgliteTemplateDir(), join(dataDir, 'pglite', 'population'));
      replicas.push({
        url: `http://127.0.0.1:${port}`,
        process: spawnScript('subgraphs/main.ts', ['population'], {
          SUBGRAPH_PORT: String(port), GOVSHARE_DATA_DIR: dataDir, DATABASE_URL: '', GOVSHARE_REDIS_PREFIX: prefix, ...form,
          GOVSHARE_GATEWAY_JWKS: jwksFile, GOVSHARE_GATEWAY_JWKS_URL: '',
          GOVSHARE_SEED: String(TEST_SAMPLE.seed), GOVSHARE_SAMPLE_PERSONS: String(TEST_SAMPLE.persons),
        }),
      });
    }
    for (const r of replicas) await ready(r.process, `${r.url}/healthz`);
    for (const r of replicas) expect(r.process.output()).toContain('single use of gateway signatures shared by all replicas through Redis');
    signer = createRequestSigner(await signingKeyFromPem(readFileSync(spawnedGatewayKeyPath(), 'utf8'), 'test'));
    const signature = await capture();
    expect((await send(0, signature)).status).toBe(200);
    // The attack: the same signed request at the other replica.
    const replayed = await send(1, signature);
    expect(replayed.status).toBe(401);
    expect(replayed.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect(replayed.body.errors[0].message).toContain('already used');
    // And the other way round, starting at the replica configured with one node and REDIS_CLUSTER=true.
    const second = await capture();
    expect((await send(1, second)).status).toBe(200);
    expect((await send(0, second)).status).toBe(401);
    // Fresh signatures pass on either.
    expect((await send(0, await capture())).status).toBe(200);
    expect((await send(1, await capture())).status).toBe(200);
    // The jti is one key on the cluster, kept until the signature expires.
    const jti = JSON.parse(Buffer.from(signature.split('.')[1]!, 'base64url').toString()).jti as string;
    expect(Number(await cluster.cli(cluster.ports[2]!, ['PTTL', `${prefix}jti:population:${jti}`], true))).toBeGreaterThan(0);
  });

  it('(4) kill -9 of the master holding the rate-limit slot under load: no audited answer lost, grants still announced, the limit fails open with a warning, the door fails closed, then both are shared again', { timeout: 120_000 }, async () => {
    const answers: Answer[] = [];
    let running = true;
    let next = 0;
    const headers = new Map(await Promise.all(LOAD_DEPARTMENTS.map(async (d) => [d, await as(d, { purpose: '税务稽查' })] as const)));
    const client = async () => {
      while (running) {
        const n = next++;
        const department = LOAD_DEPARTMENTS[n % LOAD_DEPARTMENTS.length]!;
        const gateway = Math.floor(n / LOAD_DEPARTMENTS.length) % 2;
        const at = Date.now();
        const response = await postGraphQL(gateways[gateway]!.url, { query: BIRTH_DATE }, headers.get(department)!)
          .catch((error: Error) => ({ status: 0, body: { errors: [{ message: error.message }] }, headers: new Headers() }) as GraphQLResponse);
        answers.push({ status: response.status, data: Boolean(response.body.data?.person?.birthDate), requestId: response.headers.get('x-request-id'), department, gateway, at });
      }
    };
    // And at the subgraph replicas (test 3): each fresh signature used at one, then replayed at the other.
    const doors: Array<{ first: number; replay: number; at: number }> = [];
    const door = async () => {
      for (let i = 0; running; i++) {
        const signature = await capture();
        const at = Date.now();
        const first = (await send(i % 2, signature)).status;
        doors.push({ first, replay: (await send((i + 1) % 2, signature)).status, at });
      }
    };
    const load = Promise.all([...Array.from({ length: 6 }, client), door()]);
    await new Promise((resolve) => setTimeout(resolve, 1500));

    const logFrom = gateways.map((g) => g.process.output().length);
    const killedAt = Date.now();
    await cluster.kill(victim.port);
    const failover = await cluster.waitForFailover(taxSlot, victim.port);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    running = false;
    await load;

    // The data kept flowing: every answer was served or rate limited, none failed.
    const byStatus = answers.reduce<Record<number, number>>((counts, a) => ({ ...counts, [a.status]: (counts[a.status] ?? 0) + 1 }), {});
    const during = answers.filter((a) => a.at >= killedAt && a.at <= killedAt + failover.ms);
    console.log(`[cluster] failover of ${victim.port} → ${failover.promoted.port} took ${failover.ms} ms; answers ${JSON.stringify(byStatus)}; `
      + `during the failover ${during.filter((a) => a.data).length} with data, ${during.filter((a) => a.status === 429).length} rate limited`);
    expect(Object.keys(byStatus).every((status) => status === '200' || status === '429')).toBe(true);
    expect(during.filter((a) => a.data && a.department === 'tax').length).toBeGreaterThan(0);

    // No record lost: every answer that carried data has its audit record, committed before it was sent.
    const withData = answers.filter((a) => a.data);
    expect(withData.length).toBeGreaterThan(50);
    const rows = await records.db.query<{ id: string }>(`SELECT record->>'requestId' AS id FROM govshare.audit_records`);
    const audited = new Set(rows.map((r) => r.id));
    expect(withData.filter((a) => !audited.has(a.requestId!))).toEqual([]);
    expect((await state.audit.verify()).ok).toBe(true);

    // The replay cache failed closed: a jti it could not check was refused (503), and no signature was accepted twice.
    expect(doors.every((d) => [200, 503].includes(d.first) && [200, 401, 503].includes(d.replay))).toBe(true);
    expect(doors.filter((d) => d.first === 200 && d.replay === 200)).toEqual([]);
    expect(doors.some((d) => d.at >= killedAt && d.at <= killedAt + failover.ms && d.first === 503)).toBe(true);
    expect(doors.some((d) => d.at > killedAt + failover.ms && d.first === 200 && d.replay === 401)).toBe(true);
    console.log(`[cluster] subgraph door during the failover: ${doors.filter((d) => d.at >= killedAt && d.at <= killedAt + failover.ms && d.first === 503).length} refused 503 of ${doors.filter((d) => d.at >= killedAt && d.at <= killedAt + failover.ms).length}`);

    // The rate limit FAILED OPEN while the bucket's slot had no master: a warning, then sharing again.
    const logs = gateways.map((g, i) => g.process.output().slice(logFrom[i]));
    const warned = logs.filter((text) => text.includes(`WARNING: ${FAIL_OPEN_WARNING}`));
    expect(warned.length).toBeGreaterThan(0);
    for (const text of warned) expect(text).toContain('rate limits: Redis answers again; the limit is shared by all replicas again');

    // Every subscriber was on the killed node: each moved to another node and subscribed again there.
    for (const text of logs) expect(text).toMatch(/state store \(coordination-events\): Redis reachable again \(listening on 127\.0\.0\.1:\d+\)/);
    expect(stateLog.join('\n')).toMatch(/coordination-events\): Redis reachable again \(listening on 127\.0\.0\.1:\d+\)/);
    await waitFor(async () => state.grants.notificationsLive(), 5000, 'this test\'s store to hear again');

    // Grant changes still reach every replica: a revocation after the failover is refused everywhere within 1 s.
    const { ms, revokedAt } = await revokeAndMeasure('development-reform');
    console.log(`[cluster] after the failover a revocation was refused on both replicas after ${ms} ms (failover ${failover.ms} ms)`);
    expect(ms).toBeLessThan(1000);
    await waitFor(async () => heard.some((h) => h.consumer === 'development-reform' && h.at >= revokedAt), 1000, 'the announcement after the failover');

    // And the tax bucket, now on the promoted master, is one bucket again (after refilling).
    await new Promise((resolve) => setTimeout(resolve, (BURST / RATE) * 1000 + 500));
    expectOneBucket(await burst('tax'));
    expect((await cluster.masterOf(`${prefix}ratelimit:{tax}`)).port).toBe(failover.promoted.port);
  });
});
