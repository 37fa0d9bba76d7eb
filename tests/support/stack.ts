import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { JSONWebKeySet } from 'jose';
import { createRequestSigner, type RequestSigner } from '../../protocol/gateway-signature.ts';
import { createGateway, type Gateway } from '../../gateway/app.ts';
import { generatedJwtSecretPath, loadSigningKey, publishedKeySet, type GatewaySigningKey } from '../../gateway/keys/index.ts';
import { readOrCreateKeyFile } from '../../gateway/keys/key-file.ts';
import { gatewayConfigFromEnv, type GatewayConfig } from '../../gateway/config.ts';
import { createStateStores, type StateStores } from '../../gateway/state/index.ts';
import { hostSubgraphs, type Database, type HostedSubgraph, type SubgraphDefinition } from '../../subgraphs/kit/index.ts';
import { SAMPLE_SUBGRAPHS } from '../../subgraphs/samples.ts';
import { openTestDatabase, type DatabaseKind, type TestDatabase } from './databases.ts';
import { TEST_SAMPLE } from './sample.ts';
import { testJwtSecret } from './keys.ts';

export interface Stack {
  gateway: Gateway;
  state: StateStores;
  /** The Redis channel prefix of this stack's state. */
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
  /** POSTs a GraphQL request to the gateway (over HTTP, or in-process with `transport: 'inject'`); returns status and parsed body. */
  query(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<GraphQLResponse>;
  close(): Promise<void>;
}

export interface GraphQLResponse {
  status: number;
  body: { data?: any; errors?: Array<{ message: string; extensions?: Record<string, any>; path?: unknown[] }> };
  headers: Headers;
}

/**
 * Where a stack's records live: `pglite`, in the stack's own PGlite copy with in-process coordination;
 * `postgres`, in the stack's own PostgreSQL database with Redis coordination (CI sets both servers).
 */
export type StateKind = 'pglite' | 'postgres';

export interface StackOptions {
  /** The subgraphs' database; by default the state kind's (the records share it, in schema `govshare`). */
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
  /**
   * How `query` reaches the gateway: `http` (the default), over a socket as any client; `inject`, through
   * Fastify's `app.inject()` — the same route, hooks and policy stages, no socket and no HTTP client — for
   * suites about GraphQL and policy rather than HTTP. The gateway listens either way (`gatewayUrl`), and
   * the subgraphs stay behind real HTTP and their door.
   */
  transport?: 'http' | 'inject';
  /** Receives the message of each of the gateway's log lines (by default they are dropped). */
  log?: (message: string) => void;
}

/** The state kinds a suite runs against: PGlite always, PostgreSQL + Redis whenever both are set (CI sets them). */
export const STATE_KINDS: StateKind[] = ['pglite', ...(process.env.REDIS_URL && process.env.DATABASE_URL ? ['postgres' as const] : [])];

/**
 * The platform's state for one stack, its records in schema `govshare` of `db` (the stack's own test
 * database: no second PGlite). `postgres` coordinates through Redis on a random channel prefix.
 */
export async function openTestState(kind: StateKind, db: Database): Promise<{ state: StateStores; prefix: string; dispose(): Promise<void> }> {
  const prefix = `govshare-test-${randomBytes(5).toString('hex')}:`;
  if (kind === 'postgres' && !process.env.REDIS_URL) throw new Error('REDIS_URL is not set: the PostgreSQL + Redis tests need a server');
  const state = await createStateStores({
    records: { database: db }, prefix, ...(kind === 'postgres' ? { redisUrl: process.env.REDIS_URL! } : {}), log: () => {},
  });
  return { state, prefix, dispose: () => state.close() };
}

/**
 * State on a private database of its own, for tests that build a gateway without a stack; closing it
 * drops the database too.
 */
export async function openPrivateState(kind: StateKind = 'pglite'): Promise<StateStores> {
  const database = await openTestDatabase(kind);
  const { state } = await openTestState(kind, database.db).catch(async (error) => { await database.dispose(); throw error; });
  return { ...state, async close() { await state.close(); await database.dispose(); } };
}

/** The seven sample subgraphs and a gateway, over real HTTP on spare ports. */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const stateKind = options.state ?? 'pglite';
  const database = await openTestDatabase(options.database ?? stateKind);
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
    : await openTestState(stateKind, database.db);
  const subgraphs = await hostSubgraphs({
    gatewayKeys: { jwks },
    definitions: options.definitions ?? SAMPLE_SUBGRAPHS,
    db: database.db,
    sample: TEST_SAMPLE,
    ports: Object.fromEntries((options.definitions ?? SAMPLE_SUBGRAPHS).map((d) => [d.name, 0])),
  });
  const gateway = createGateway({
    // No background chain check at a random moment of a test (tests/evidence/chain-watch.test.ts sets one).
    config: { ...config, dataDir, auditVerifySeconds: 0, ...options.gatewayConfig, port: 0, subgraphs: subgraphs.map((s) => ({ name: s.name, url: s.url })) },
    env: gatewayEnv,
    state: testState.state,
    ...(options.now ? { now: options.now } : {}),
    log: options.log ?? (() => {}), // the request lines stay out of the test output
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
    query: options.transport === 'inject'
      ? (query, variables, headers) => injectGraphQL(gateway.app, { query, variables }, headers)
      : (query, variables, headers) => postGraphQL(`${gatewayUrl}/graphql`, { query, variables }, headers),
    async close() {
      await gateway.close();
      await Promise.all(subgraphs.map((s) => s.app.close()));
      await testState.dispose();
      await database.dispose();
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

/** `postGraphQL` without a socket: the request handed to the instance in-process (`app.inject()`). */
export async function injectGraphQL(app: FastifyInstance, body: unknown, headers: Record<string, string> = {}): Promise<GraphQLResponse> {
  const response = await app.inject({
    method: 'POST', url: '/graphql',
    headers: { 'content-type': 'application/json', ...headers },
    payload: typeof body === 'string' ? body : JSON.stringify(body),
  });
  let parsed: GraphQLResponse['body'];
  try { parsed = JSON.parse(response.body); } catch { throw new Error(`gateway answered ${response.statusCode} with non-JSON: ${response.body.slice(0, 300)}`); }
  const answered = new Headers();
  for (const [name, value] of Object.entries(response.headers)) {
    for (const one of Array.isArray(value) ? value : value === undefined ? [] : [value]) answered.append(name, String(one));
  }
  return { status: response.statusCode, body: parsed, headers: answered };
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
