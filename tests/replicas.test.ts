import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { hostSubgraphs, type HostedSubgraph } from '../subgraphs/kit/index.ts';
import { SAMPLE_SUBGRAPHS } from '../subgraphs/samples.ts';
import { createStateStores } from '../gateway/state/index.ts';
import type { StateStores } from '../gateway/state/types.ts';
import { openTestDatabase, type TestDatabase } from './support/databases.ts';
import { TEST_SAMPLE } from './support/sample.ts';
import { freePort } from './support/ports.ts';
import { spawnScript, waitFor, type Spawned } from './support/processes.ts';
import { postGraphQL } from './support/stack.ts';
import { as } from './support/tokens.ts';
import { spawnedGatewayJwks } from './support/keys.ts';

const QUERY = '{ person(idNumber: "43010219850312123X") { mobile } }';

/** Replicas of one deployment: the records on one PostgreSQL database, coordination through one Redis. */
describe.runIf(Boolean(process.env.REDIS_URL && process.env.DATABASE_URL))('three gateway processes on one PostgreSQL and one Redis', () => {
  const prefix = `govshare-test-${randomBytes(5).toString('hex')}:`;
  let database: TestDatabase;
  let records: TestDatabase;
  let subgraphs: HostedSubgraph[];
  let state: StateStores;
  const gateways: Array<{ process: Spawned; url: string }> = [];

  beforeAll(async () => {
    database = await openTestDatabase('pglite');
    subgraphs = await hostSubgraphs({
      definitions: SAMPLE_SUBGRAPHS, db: database.db, sample: TEST_SAMPLE, gatewayKeys: { jwks: await spawnedGatewayJwks() },
      ports: Object.fromEntries(SAMPLE_SUBGRAPHS.map((d) => [d.name, 0])),
    });
    records = await openTestDatabase('postgres');
    state = await createStateStores({ records: { url: records.url! }, redisUrl: process.env.REDIS_URL!, prefix, log: () => {} });
    for (let i = 0; i < 3; i++) {
      const port = await freePort();
      const process_ = spawnScript('gateway/main.ts', [], {
        GATEWAY_PORT: String(port), GOVSHARE_REDIS_PREFIX: prefix, REDIS_URL: process.env.REDIS_URL,
        GOVSHARE_STATE_DATABASE_URL: records.url,
        GOVSHARE_SUBGRAPHS: subgraphs.map((s) => `${s.name}=${s.url}`).join(','),
      });
      gateways.push({ process: process_, url: `http://127.0.0.1:${port}/graphql` });
    }
    for (const g of gateways) {
      await waitFor(async () => (await fetch(g.url.replace('/graphql', '/readyz'))).status === 200, 60_000, `gateway ${g.url}`);
    }
  });

  afterAll(async () => {
    for (const g of gateways) await g.process.kill();
    await Promise.all((subgraphs ?? []).map((s) => s.app.close()));
    await state?.close();
    await records?.dispose();
    await database?.dispose();
  });

  async function codeOn(url: string) {
    const { body } = await postGraphQL(url, { query: QUERY }, await as('tax', { purpose: '税务稽查' }));
    return body.errors?.[0]?.extensions?.code ?? (body.data?.person?.mobile ? 'SERVED' : 'EMPTY');
  }

  /** A new grant reaches the replicas through the Redis notification, a few ms after its commit: until then a replica refuses (fails closed). */
  async function servedEverywhere() {
    await waitFor(async () => (await Promise.all(gateways.map((g) => codeOn(g.url)))).every((c) => c === 'SERVED'), 1000, 'every replica to serve the new grant');
  }

  async function msUntilRefusedEverywhere(): Promise<number> {
    const started = Date.now();
    await waitFor(async () => {
      const codes = await Promise.all(gateways.map((g) => codeOn(g.url)));
      return codes.every((c) => c === 'SHARE_DENIED');
    }, 5000, 'every replica to refuse');
    return Date.now() - started;
  }

  it('a revoked grant stops working on every replica within 1 s', async () => {
    const grant = await state.grants.create({
      consumer: 'tax', resource: 'POP-PERSON', fields: ['Person.mobile'], raw: false, purpose: '税务稽查',
      validUntil: new Date(Date.now() + 3_600_000).toISOString(),
    }, new Date());
    // Every replica serves it (and so holds it in its cache).
    await servedEverywhere();
    await state.grants.revoke(grant.id, '测试撤销', new Date());
    expect(await msUntilRefusedEverywhere()).toBeLessThan(1000);
  });

  it('an expired grant stops working on every replica within 1 s of its validUntil', async () => {
    const validUntil = Date.now() + 1500;
    await state.grants.create({
      consumer: 'tax', resource: 'POP-PERSON', fields: ['Person.mobile'], raw: false, purpose: '税务稽查',
      validUntil: new Date(validUntil).toISOString(),
    }, new Date());
    await servedEverywhere();
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, validUntil - Date.now())));
    expect(await msUntilRefusedEverywhere()).toBeLessThan(1000);
  });

  it('the replicas append to one chain under concurrent load: no fork, no gap', async () => {
    const headers = await as('tax', { purpose: '税务稽查' });
    const burst = await Promise.all(Array.from({ length: 200 }, (_, i) =>
      postGraphQL(gateways[i % gateways.length]!.url, { query: '{ person(idNumber: "43010219850312123X") { birthDate } }' }, headers)));
    expect(burst.every((r) => r.status === 200 && r.body.data?.person?.birthDate)).toBe(true);
    const status = await state.audit.verify();
    expect(status.ok).toBe(true);
    const rows = await records.db.query<{ n: number; max: number; heads: number }>(`
      SELECT (SELECT count(*)::int FROM govshare.audit_records) AS n, (SELECT max(seq)::int FROM govshare.audit_records) AS max,
             (SELECT count(*)::int FROM govshare.audit_records a JOIN govshare.audit_records b ON a.seq <> b.seq AND a.record->>'prevHash' = b.record->>'prevHash') AS heads`);
    // Every seq from 1 to the head once, and no two records chained on the same predecessor.
    expect(Number(rows[0]!.n)).toBe(Number(rows[0]!.max));
    expect(Number(rows[0]!.heads)).toBe(0);
    expect(status.checked).toBe(Number(rows[0]!.n));
    expect(status.checked).toBeGreaterThanOrEqual(206);
    // Every read of the burst has its record.
    const { records: page } = await state.audit.page({ first: 500, visibleTo: 'all' });
    expect(page.filter((r) => r.consumer === 'tax' && r.decision === 'ALLOWED').length).toBeGreaterThanOrEqual(200);
  });
});
