import { createServer, type Server } from 'node:http';
import { parse } from 'graphql';
import { composeServices } from '@apollo/composition';

/**
 * The peers govshare is measured against, over the same plain subgraphs (bench/bare-subgraphs.ts):
 * Hive Gateway (`@graphql-hive/gateway-runtime`, its JavaScript planner) and the same with
 * `@graphql-hive/router-runtime` (the Rust query planner), with their default settings. Their
 * supergraph is composed here the way `@apollo/gateway`'s IntrospectAndCompose does it, from each
 * subgraph's `_service { sdl }`, so all three plan over the same supergraph. Benchmark only.
 */
export async function supergraphOf(endpoints: ReadonlyArray<{ name: string; url: string }>): Promise<string> {
  const services = await Promise.all(endpoints.map(async ({ name, url }) => {
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ _service { sdl } }' }) });
    const body = await response.json() as { data?: { _service?: { sdl?: string } } };
    const sdl = body.data?._service?.sdl;
    if (!sdl) throw new Error(`subgraph ${name} at ${url} gave no SDL (${response.status})`);
    return { name, url, typeDefs: parse(sdl) };
  }));
  const composed = composeServices(services);
  if (composed.errors) throw new Error(`composition failed: ${composed.errors.map((e) => e.message).join('; ')}`);
  return composed.supergraphSdl;
}

export async function startHiveGateway(options: { endpoints: ReadonlyArray<{ name: string; url: string }>; port: number; rustPlanner: boolean }): Promise<Server> {
  const { createGatewayRuntime } = await import('@graphql-hive/gateway-runtime');
  const supergraph = await supergraphOf(options.endpoints);
  const runtime = createGatewayRuntime({
    supergraph,
    logging: false, // as quiet as the other two; Hive's default logs at info
    ...(options.rustPlanner ? { unifiedGraphHandler: (await import('@graphql-hive/router-runtime')).unifiedGraphHandler } : {}),
  });
  const server = createServer(runtime);
  await new Promise<void>((resolve) => server.listen(options.port, '127.0.0.1', resolve));
  return server;
}
