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

describe.runIf(Boolean(process.env.REDIS_URL))('two gateway processes on one Redis', () => {
  const prefix = `govshare-test-${randomBytes(5).toString('hex')}:`;
  let database: TestDatabase;
  let subgraphs: HostedSubgraph[];
  let state: StateStores;
  const gateways: Array<{ process: Spawned; url: string }> = [];

  beforeAll(async () => {
    database = await openTestDatabase('pglite');
    subgraphs = await hostSubgraphs({
      definitions: SAMPLE_SUBGRAPHS, db: database.db, sample: TEST_SAMPLE, gatewayKeys: { jwks: await spawnedGatewayJwks() },
      ports: Object.fromEntries(SAMPLE_SUBGRAPHS.map((d) => [d.name, 0])),
    });
    state = await createStateStores({ redisUrl: process.env.REDIS_URL!, prefix });
    for (let i = 0; i < 2; i++) {
      const port = await freePort();
      const process_ = spawnScript('gateway/main.ts', [], {
        GATEWAY_PORT: String(port), GOVSHARE_REDIS_PREFIX: prefix, REDIS_URL: process.env.REDIS_URL,
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
    await database?.dispose();
  });

  async function codeOn(url: string) {
    const { body } = await postGraphQL(url, { query: QUERY }, await as('tax', { purpose: '税务稽查' }));
    return body.errors?.[0]?.extensions?.code ?? (body.data?.person?.mobile ? 'SERVED' : 'EMPTY');
  }

  async function msUntilRefusedEverywhere(): Promise<number> {
    const started = Date.now();
    await waitFor(async () => {
      const codes = await Promise.all(gateways.map((g) => codeOn(g.url)));
      return codes.every((c) => c === 'SHARE_DENIED');
    }, 5000, 'both replicas to refuse');
    return Date.now() - started;
  }

  it('a revoked grant stops working on every replica within 1 s', async () => {
    const grant = await state.grants.create({
      consumer: 'tax', resource: 'POP-PERSON', fields: ['Person.mobile'], raw: false, purpose: '税务稽查',
      validUntil: new Date(Date.now() + 3_600_000).toISOString(),
    }, new Date());
    // Both replicas serve it (and so hold it in their caches).
    for (const g of gateways) expect(await codeOn(g.url)).toBe('SERVED');
    await state.grants.revoke(grant.id, '测试撤销', new Date());
    expect(await msUntilRefusedEverywhere()).toBeLessThan(1000);
  });

  it('an expired grant stops working on every replica within 1 s of its validUntil', async () => {
    const validUntil = Date.now() + 1500;
    await state.grants.create({
      consumer: 'tax', resource: 'POP-PERSON', fields: ['Person.mobile'], raw: false, purpose: '税务稽查',
      validUntil: new Date(validUntil).toISOString(),
    }, new Date());
    for (const g of gateways) expect(await codeOn(g.url)).toBe('SERVED');
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, validUntil - Date.now())));
    expect(await msUntilRefusedEverywhere()).toBeLessThan(1000);
  });

  it('both replicas write one audit chain that verifies', async () => {
    const status = await state.audit.verify();
    expect(status.ok).toBe(true);
    expect(status.checked).toBeGreaterThanOrEqual(6);
  });
});
