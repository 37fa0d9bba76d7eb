/**
 * A provider subgraph on another stack (plain node:http + @apollo/subgraph, as tests/support/plain-subgraph.ts)
 * in a process of its own, so a test can kill it, SIGSTOP it, or block its own event loop while this one
 * keeps time. Run as `node --import tsx tests/faults/subgraph-process.ts <json options>`; prints
 * `listening <port>` once it accepts connections.
 *
 * Options: name (its Query field and type), provider, port, delayMs (each answer waits this long),
 * keepAliveMs (the server's keepAliveTimeout), hint (false: no `Keep-Alive: timeout=N` header, as many
 * non-Node servers do — then a client cannot know when the server will close an idle socket).
 */
import { createServer } from 'node:http';
import { graphql, parse } from 'graphql';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { withShareDirectives } from '../../schema/share-sdl.ts';

export interface SubgraphProcessOptions {
  name: string;
  provider: string;
  port?: number;
  delayMs?: number;
  keepAliveMs?: number;
  hint?: boolean;
}

/** The SDL of one such subgraph: `{ <name> { text } }`, UNCONDITIONAL, resource `<NAME>` of `provider`. */
export function faultSubgraphSdl(name: string, provider: string): string {
  const type = `${name[0]!.toUpperCase()}${name.slice(1)}Greeting`;
  return `
    type Query { ${name}: ${type} @share(type: UNCONDITIONAL) }
    type ${type} @resource(code: "${name.toUpperCase()}", name: "${name}", category: DEPARTMENT, provider: "${provider}", updateCycle: "实时") {
      text: String @share(type: UNCONDITIONAL)
    }`;
}

const isMain = process.argv[1]?.endsWith('subgraph-process.ts');
if (isMain) {
  const options = JSON.parse(process.argv[2] ?? '{}') as SubgraphProcessOptions;
  const schema = buildSubgraphSchema({
    typeDefs: parse(withShareDirectives(faultSubgraphSdl(options.name, options.provider))),
    resolvers: { Query: { [options.name]: () => ({ text: `hello from ${options.name}` }) } } as never,
  });
  const server = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    const { query, variables } = JSON.parse(body || '{}');
    const result = await graphql({ schema, source: query, variableValues: variables });
    // SDL fetches answer at once; only data calls are slow.
    if (options.delayMs && !String(query).includes('_service')) await new Promise((resolve) => setTimeout(resolve, options.delayMs));
    // A Connection header of our own stops Node from adding `Keep-Alive: timeout=N`.
    const headers: Record<string, string> = { 'content-type': 'application/json', ...(options.hint === false ? { connection: 'keep-alive' } : {}) };
    res.writeHead(200, headers).end(JSON.stringify(result));
  });
  if (options.keepAliveMs !== undefined) server.keepAliveTimeout = options.keepAliveMs;
  server.listen(options.port ?? 0, '127.0.0.1', () => {
    const address = server.address();
    console.log(`listening ${typeof address === 'object' && address ? address.port : options.port}`);
  });
  process.once('SIGTERM', () => { server.closeAllConnections(); server.close(() => process.exit(0)); });
}
