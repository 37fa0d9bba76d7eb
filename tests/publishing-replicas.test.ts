import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { hostSubgraphs, type HostedSubgraph } from '../subgraphs/kit/index.ts';
import { SAMPLE_SUBGRAPHS } from '../subgraphs/samples.ts';
import { openTestDatabase, type TestDatabase } from './support/databases.ts';
import { TEST_SAMPLE } from './support/sample.ts';
import { startPlainSubgraph, type PlainSubgraph } from './support/plain-subgraph.ts';
import { freePort } from './support/ports.ts';
import { spawnScript, waitFor, type Spawned } from './support/processes.ts';
import { postGraphQL } from './support/stack.ts';
import { as, testToken } from './support/tokens.ts';
import { spawnedGatewayJwks } from './support/keys.ts';
import { TAX_RESOLVERS, TAX_SDL_V1 } from './support/tax-subgraph.ts';

const PERSON = '{ person(idNumber: "43010219850312123X") { birthDate } }';
const TAX = '{ taxPayment(id: "P1") { id year } }';

describe('published subgraphs across processes', () => {
  let database: TestDatabase;
  let samples: HostedSubgraph[];
  let taxSubgraph: PlainSubgraph;
  const running: Spawned[] = [];

  beforeAll(async () => {
    database = await openTestDatabase('pglite');
    samples = await hostSubgraphs({
      definitions: SAMPLE_SUBGRAPHS, db: database.db, sample: TEST_SAMPLE, gatewayKeys: { jwks: await spawnedGatewayJwks() },
      ports: Object.fromEntries(SAMPLE_SUBGRAPHS.map((d) => [d.name, 0])),
    });
    taxSubgraph = await startPlainSubgraph(TAX_SDL_V1, TAX_RESOLVERS);
  });
  afterAll(async () => {
    for (const p of running) await p.kill();
    await taxSubgraph?.close();
    await Promise.all((samples ?? []).map((s) => s.app.close()));
    await database?.dispose();
  });

  async function startGateway(env: Record<string, string>): Promise<{ url: string; process: Spawned }> {
    const port = await freePort();
    const process_ = spawnScript('gateway/main.ts', [], {
      GATEWAY_PORT: String(port), GOVSHARE_SUBGRAPHS: samples.map((s) => `${s.name}=${s.url}`).join(','), ...env,
    });
    running.push(process_);
    const url = `http://127.0.0.1:${port}`;
    await waitFor(async () => (await fetch(`${url}/readyz`)).status === 200, 60_000, `gateway on ${port}`);
    return { url, process: process_ };
  }
  const ask = async (gateway: string, query: string) => postGraphQL(`${gateway}/graphql`, { query }, await as('housing'));
  const publishTax = async (gateway: string) => (await postGraphQL(`${gateway}/graphql`, {
    query: 'mutation($u: String!) { publishSubgraph(name: "tax-records", url: $u) { ok supergraphVersion errors { code message } } }',
    variables: { u: taxSubgraph.url },
  }, await as('tax', { roles: ['provider'] }))).body.data.publishSubgraph;

  // Replicas share the registry through the records' PostgreSQL database; Redis tells them when it changed.
  describe.runIf(Boolean(process.env.REDIS_URL && process.env.DATABASE_URL))('on one PostgreSQL and one Redis', () => {
    let records: TestDatabase;
    beforeAll(async () => { records = await openTestDatabase('postgres'); });
    afterAll(async () => { for (const p of running) await p.kill(); await records?.dispose(); });
    const env = () => ({ REDIS_URL: process.env.REDIS_URL!, GOVSHARE_REDIS_PREFIX: prefix, GOVSHARE_STATE_DATABASE_URL: records.url! });
    const prefix = `govshare-test-${randomBytes(5).toString('hex')}:`;
    let first: { url: string; process: Spawned };
    let second: { url: string; process: Spawned };

    it('a publish through one replica is served by the other within 5 s, and queries in flight see no error', async () => {
      first = await startGateway(env());
      second = await startGateway(env());
      let stop = false;
      let sent = 0;
      const failures: string[] = [];
      const stream = (async () => {
        while (!stop) {
          const results = await Promise.all([ask(first.url, PERSON), ask(second.url, PERSON)]);
          for (const r of results) {
            sent++;
            if (r.status !== 200 || r.body.errors || r.body.data?.person?.birthDate !== '1985-03-12') failures.push(JSON.stringify(r.body));
          }
        }
      })();
      await new Promise((resolve) => setTimeout(resolve, 300));
      const result = await publishTax(first.url);
      expect(result.ok).toBe(true);
      const published = Date.now();
      await waitFor(async () => (await ask(second.url, TAX)).body.data?.taxPayment?.year === 2025, 5000, 'the other replica to serve the new subgraph');
      expect(Date.now() - published).toBeLessThan(5000);
      await new Promise((resolve) => setTimeout(resolve, 300));
      stop = true;
      await stream;
      expect(sent).toBeGreaterThan(20);
      expect(failures).toEqual([]);
    });

    it('a restarted gateway keeps what was published', async () => {
      await first.process.kill();
      await second.process.kill();
      const third = await startGateway(env());
      expect((await ask(third.url, TAX)).body.data.taxPayment).toEqual({ id: 'P1', year: 2025 });
    });
  });

  describe('embedded mode', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'govshare-embedded-'));
    const env = { REDIS_URL: '', GOVSHARE_DATA_DIR: dataDir };

    it('keeps published subgraphs in the data folder across a restart, and rolls back with npm run publish', async () => {
      const gateway = await startGateway(env);
      const bootstrapVersion = (await (await fetch(`${gateway.url}/readyz`)).json() as { supergraphVersion: string }).supergraphVersion;
      expect((await publishTax(gateway.url)).ok).toBe(true);
      await gateway.process.kill();

      const restarted = await startGateway(env);
      expect((await ask(restarted.url, TAX)).body.data.taxPayment).toEqual({ id: 'P1', year: 2025 });

      const admin = await testToken('data-bureau', { roles: ['admin'] });
      const cli = spawnScript('scripts/publish.ts', ['--rollback', bootstrapVersion, '--gateway', restarted.url, '--token', admin], {});
      expect(await cli.exited).toBe(0);
      expect(cli.output()).toContain(`rolled back: supergraph ${bootstrapVersion} is served`);
      expect(cli.output()).toContain(bootstrapVersion);
      expect((await ask(restarted.url, TAX)).body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');

      const refused = spawnScript('scripts/publish.ts', ['--name', 'tax-records', '--url', taxSubgraph.url, '--gateway', restarted.url, '--token', await testToken('housing')], {});
      expect(await refused.exited).not.toBe(0);
      expect(refused.output()).toContain('FORBIDDEN');
    });
  });
});
