import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JSONWebKeySet } from 'jose';
import { createRequestSigner, type RequestSigner } from '../../protocol/gateway-signature.ts';
import { createGateway, type Gateway } from '../../gateway/app.ts';
import { generatedJwtSecretPath, loadSigningKey, publishedKeySet, type GatewaySigningKey } from '../../gateway/keys/index.ts';
import { readOrCreateKeyFile } from '../../gateway/keys/key-file.ts';
import { gatewayConfigFromEnv, type GatewayConfig } from '../../gateway/config.ts';
import { createStateStores, type StateStores } from '../../gateway/state/index.ts';
import { hostSubgraphs, type HostedSubgraph, type SubgraphDefinition } from '../../subgraphs/kit/index.ts';
import { SAMPLE_SUBGRAPHS } from '../../subgraphs/samples.ts';
import { openTestDatabase, type DatabaseKind, type TestDatabase } from './databases.ts';
import { TEST_SAMPLE } from './sample.ts';
import { testJwtSecret } from './keys.ts';

export interface Stack {
  gateway: Gateway;
  state: StateStores;
  /** The Redis key prefix of this stack's state. */
  statePrefix: string;
  gatewayUrl: string;
  subgraphs: HostedSubgraph[];
  database: TestDatabase;
  /**
   * This stack's keys, fresh per stack: the gateway's signing key (generated in `dataDir` as the
   * embedded mode does), a signer with it (what a captured gateway signature looks like) and the
   * public JWKS the subgraphs verify with.
   */
  keys: { dataDir: string; signing: GatewaySigningKey; signer: RequestSigner; jwks: JSONWebKeySet };
  /** POSTs a GraphQL request to the gateway; returns status and parsed body. */
  query(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<GraphQLResponse>;
  close(): Promise<void>;
}

export interface GraphQLResponse {
  status: number;
  body: { data?: any; errors?: Array<{ message: string; extensions?: Record<string, any>; path?: unknown[] }> };
  headers: Headers;
}

export type StateKind = 'memory' | 'redis';

export interface StackOptions {
  database?: DatabaseKind;
  state?: StateKind;
  definitions?: readonly SubgraphDefinition<unknown>[];
  now?: () => Date;
  /** State the test built itself (e.g. on a private Redis it will kill); closed with the stack. */
  injectedState?: StateStores;
  /** Gateway settings that differ from the defaults (e.g. a small rate limit). */
  gatewayConfig?: Partial<GatewayConfig>;
  /** The gateway's environment (keys, `GOVSHARE_JWT_ISSUER`, …); the test run's JWT key unless it names another. */
  gatewayEnv?: NodeJS.ProcessEnv;
}

/** The state kinds a suite runs against: in-process always, Redis whenever REDIS_URL is set (CI sets it). */
export const STATE_KINDS: StateKind[] = ['memory', ...(process.env.REDIS_URL ? ['redis' as const] : [])];

/** Private state for one stack: a random Redis key prefix, removed afterwards. */
export async function openTestState(kind: StateKind): Promise<{ state: StateStores; prefix: string; dispose(): Promise<void> }> {
  const prefix = `govshare-test-${randomBytes(5).toString('hex')}:`;
  if (kind === 'memory') {
    const state = await createStateStores({ prefix });
    return { state, prefix, dispose: () => state.close() };
  }
  if (!process.env.REDIS_URL) throw new Error('REDIS_URL is not set: the Redis tests need a server');
  const state = await createStateStores({ redisUrl: process.env.REDIS_URL, prefix });
  return {
    state, prefix,
    async dispose() {
      await state.close();
      const { Redis } = await import('ioredis');
      const redis = new Redis(process.env.REDIS_URL!);
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length) await redis.del(...keys);
      redis.disconnect();
    },
  };
}

/** The seven sample subgraphs and a gateway, over real HTTP on spare ports. */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const database = await openTestDatabase(options.database ?? 'pglite');
  const config = gatewayConfigFromEnv({});
  // The embedded mode's key files in a data dir of the stack's own: a fresh signing key generated
  // here (the gateway reuses it), and the test run's JWT key where the generated one would be, so
  // `as()` tokens verify and the dev sign-in exists as it does with `npm start`.
  const dataDir = mkdtempSync(join(tmpdir(), 'govshare-stack-'));
  readOrCreateKeyFile(generatedJwtSecretPath(dataDir), testJwtSecret);
  const gatewayEnv = options.gatewayEnv ?? {};
  const signing = await loadSigningKey(gatewayEnv, dataDir);
  const jwks = publishedKeySet(signing, gatewayEnv);
  const testState = options.injectedState
    ? { state: options.injectedState, prefix: '', dispose: () => options.injectedState!.close() }
    : await openTestState(options.state ?? 'memory');
  const subgraphs = await hostSubgraphs({
    gatewayKeys: { jwks },
    definitions: options.definitions ?? SAMPLE_SUBGRAPHS,
    db: database.db,
    sample: TEST_SAMPLE,
    ports: Object.fromEntries((options.definitions ?? SAMPLE_SUBGRAPHS).map((d) => [d.name, 0])),
  });
  const gateway = createGateway({
    config: { ...config, dataDir, ...options.gatewayConfig, port: 0, subgraphs: subgraphs.map((s) => ({ name: s.name, url: s.url })) },
    env: gatewayEnv,
    state: testState.state,
    ...(options.now ? { now: options.now } : {}),
  });
  await gateway.start();
  const gatewayUrl = gateway.url;
  return {
    gateway,
    state: testState.state,
    statePrefix: testState.prefix,
    gatewayUrl,
    subgraphs,
    database,
    keys: { dataDir, signing, signer: createRequestSigner(signing), jwks },
    query: (query, variables, headers) => postGraphQL(`${gatewayUrl}/graphql`, { query, variables }, headers),
    async close() {
      await gateway.close();
      await Promise.all(subgraphs.map((s) => s.app.close()));
      await database.dispose();
      await testState.dispose();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function postGraphQL(url: string, body: unknown, headers: Record<string, string> = {}): Promise<GraphQLResponse> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: GraphQLResponse['body'];
  try { parsed = JSON.parse(text); } catch { throw new Error(`gateway answered ${response.status} with non-JSON: ${text.slice(0, 300)}`); }
  return { status: response.status, body: parsed, headers: response.headers };
}

/** Sum of `govshare_subgraph_db_queries_total` over the given subgraphs, read from their /metrics. */
export async function subgraphDbQueries(subgraphs: readonly HostedSubgraph[]): Promise<number> {
  let total = 0;
  for (const s of subgraphs) {
    const text = await (await fetch(s.url.replace(/\/graphql$/, '/metrics'))).text();
    const match = text.match(/^govshare_subgraph_db_queries_total\{[^}]*\} (\d+(?:\.\d+)?)$/m);
    if (!match) throw new Error(`no govshare_subgraph_db_queries_total in ${s.name}'s /metrics`);
    total += Number(match[1]);
  }
  return total;
}
