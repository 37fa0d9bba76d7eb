import { createGateway, type Gateway } from '../../gateway/app.ts';
import { hostSubgraphs, type HostedSubgraph, type SubgraphDefinition } from '../../subgraphs/kit/index.ts';
import { SAMPLE_SUBGRAPHS } from '../../subgraphs/samples.ts';
import { openTestDatabase, type DatabaseKind, type TestDatabase } from './databases.ts';
import { TEST_SAMPLE } from './sample.ts';

export interface Stack {
  gateway: Gateway;
  gatewayUrl: string;
  subgraphs: HostedSubgraph[];
  database: TestDatabase;
  /** POSTs a GraphQL request to the gateway; returns status and parsed body. */
  query(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<GraphQLResponse>;
  close(): Promise<void>;
}

export interface GraphQLResponse {
  status: number;
  body: { data?: any; errors?: Array<{ message: string; extensions?: Record<string, any>; path?: unknown[] }> };
  headers: Headers;
}

export interface StackOptions {
  database?: DatabaseKind;
  definitions?: readonly SubgraphDefinition<unknown>[];
}

/** The seven sample subgraphs and a gateway, over real HTTP on spare ports. */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const database = await openTestDatabase(options.database ?? 'pglite');
  const subgraphs = await hostSubgraphs({
    definitions: options.definitions ?? SAMPLE_SUBGRAPHS,
    db: database.db,
    sample: TEST_SAMPLE,
    ports: Object.fromEntries((options.definitions ?? SAMPLE_SUBGRAPHS).map((d) => [d.name, 0])),
  });
  const gateway = createGateway({
    config: { host: '127.0.0.1', port: 0, subgraphs: subgraphs.map((s) => ({ name: s.name, url: s.url })) },
  });
  await gateway.start();
  const gatewayUrl = gateway.url;
  return {
    gateway,
    gatewayUrl,
    subgraphs,
    database,
    query: (query, variables, headers) => postGraphQL(`${gatewayUrl}/graphql`, { query, variables }, headers),
    async close() {
      await gateway.close();
      await Promise.all(subgraphs.map((s) => s.app.close()));
      await database.dispose();
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
