import { createServer, type Server } from 'node:http';
import { graphql, parse } from 'graphql';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { withShareDirectives } from '../../schema/share-sdl.ts';

export interface PlainSubgraph { url: string; server: Server; close(): Promise<void> }

/**
 * A provider subgraph on another stack: plain `node:http` plus `@apollo/subgraph`, no govshare kit.
 * Used to test what the gateway does with subgraphs it does not control.
 */
export async function startPlainSubgraph(sdl: string, resolvers: Record<string, any> = {}, port = 0): Promise<PlainSubgraph> {
  const schema = buildSubgraphSchema({ typeDefs: parse(withShareDirectives(sdl)), resolvers });
  const server = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    try {
      const { query, variables } = JSON.parse(body || '{}');
      const result = await graphql({ schema, source: query, variableValues: variables });
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(result));
    } catch (error) {
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ errors: [{ message: String(error) }] }));
    }
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const address = server.address();
  const actual = typeof address === 'object' && address ? address.port : port;
  return {
    url: `http://127.0.0.1:${actual}/graphql`,
    server,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
