import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hostSubgraphs, type HostedSubgraph } from '../../subgraphs/kit/index.ts';
import { SAMPLE_SUBGRAPHS } from '../../subgraphs/samples.ts';
import { openTestDatabase, type TestDatabase } from '../support/databases.ts';
import { spawnedGatewayJwks } from '../support/keys.ts';
import { freePort } from '../support/ports.ts';
import { spawnScript, waitFor, type Spawned } from '../support/processes.ts';
import { TEST_SAMPLE } from '../support/sample.ts';
import { postGraphQL, type GraphQLResponse } from '../support/stack.ts';
import { as } from '../support/tokens.ts';

export const ZHANG = '43010219850312123X';

/** The sample subgraphs in this process, verifying the spawned gateways' key. */
export async function startSubgraphs(): Promise<{ subgraphs: HostedSubgraph[]; list: string; close(): Promise<void> }> {
  const database: TestDatabase = await openTestDatabase('pglite');
  const subgraphs = await hostSubgraphs({
    definitions: SAMPLE_SUBGRAPHS, db: database.db, sample: TEST_SAMPLE, gatewayKeys: { jwks: await spawnedGatewayJwks() },
    ports: Object.fromEntries(SAMPLE_SUBGRAPHS.map((d) => [d.name, 0])),
  });
  return {
    subgraphs,
    list: subgraphs.map((s) => `${s.name}=${s.url}`).join(','),
    async close() { await Promise.all(subgraphs.map((s) => s.app.close())); await database.dispose(); },
  };
}

export interface GatewayProcess { process: Spawned; url: string; graphql: string }

/**
 * `npm run start:gateway` as its own process on `dataDir` (embedded records unless `env` names a server),
 * resolved once /readyz answers 200.
 */
export async function startGateway(subgraphList: string, dataDir: string, env: Record<string, string | undefined> = {}): Promise<GatewayProcess> {
  const port = await freePort();
  const process_ = spawnScript('gateway/main.ts', [], {
    GATEWAY_PORT: String(port), GOVSHARE_SUBGRAPHS: subgraphList, GOVSHARE_DATA_DIR: dataDir,
    REDIS_URL: '', GOVSHARE_STATE_DATABASE_URL: '', GOVSHARE_RATE_LIMIT: '0', ...env,
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitFor(async () => (await fetch(`${url}/readyz`)).status === 200, 90_000, `gateway on ${url}`);
  } catch (error) {
    await process_.kill();
    throw new Error(`${(error as Error).message}\n${process_.output().slice(-3000)}`);
  }
  return { process: process_, url, graphql: `${url}/graphql` };
}

export function dataFolder(): string {
  return mkdtempSync(join(tmpdir(), 'govshare-records-'));
}

/** Ends the process at once, as a power cut or the OOM killer would: nothing is flushed or closed. */
export async function killHard(gateway: GatewayProcess): Promise<void> {
  if (gateway.process.child.exitCode === null && gateway.process.child.signalCode === null) gateway.process.child.kill('SIGKILL');
  await gateway.process.exited;
}

export async function gql(gateway: GatewayProcess, department: string, query: string, variables: Record<string, unknown> = {},
  options: Parameters<typeof as>[1] = {}): Promise<GraphQLResponse> {
  return postGraphQL(gateway.graphql, { query, variables }, await as(department, options));
}
