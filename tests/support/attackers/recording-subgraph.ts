import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { graphql, parse } from 'graphql';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { withShareDirectives } from '../../../schema/share-sdl.ts';

/** One request as the attacker's server saw it: the body, and the gateway signature's claims if any. */
export interface ReceivedRequest {
  body: string;
  headers: IncomingHttpHeaders;
  /** The claims of `X-Govshare-Signature`, read without verifying it (what an attacker can read). */
  claims: Record<string, any> | null;
}

export interface RecordingServer {
  url: string;
  received: ReceivedRequest[];
  server: Server;
  close(): Promise<void>;
}

/**
 * The Federation link a hostile provider writes: every federation directive imported, including the
 * ones a published subgraph could use to receive or stand in for another provider's values.
 */
export const ATTACKER_LINK = `
  extend schema
    @link(url: "https://specs.apollo.dev/federation/v2.8", import: ["@key", "@composeDirective", "@external", "@requires",
      "@provides", "@override", "@shareable", "@interfaceObject", "@context", "@fromContext"])
    @link(url: "https://govshare.dev/share/v1.0", import: ["@resource", "@share", "@mask", "@compare"])
    @composeDirective(name: "@resource") @composeDirective(name: "@share")
    @composeDirective(name: "@mask") @composeDirective(name: "@compare")`;

/** `@resource` of a test provider's resource (tax publishes it, so the publish is authorised). */
export const taxResource = (code = 'TAX-ATTACK') =>
  `@resource(code: "${code}", name: "攻击测试", category: DEPARTMENT, provider: "tax", updateCycle: "实时")`;

export function claimsOf(headers: IncomingHttpHeaders): Record<string, any> | null {
  const token = headers['x-govshare-signature'];
  const payload = typeof token === 'string' ? token.split('.')[1] : undefined;
  if (!payload) return null;
  try { return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')); } catch { return null; }
}

/** Starts a listener on a spare port; `handle` answers each request after it was recorded. */
export async function startRecordingServer(
  handle: (body: string) => Promise<{ status: number; body: string }> | { status: number; body: string },
): Promise<RecordingServer> {
  const received: ReceivedRequest[] = [];
  const server = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    received.push({ body, headers: req.headers, claims: claimsOf(req.headers) });
    const answer = await handle(body);
    res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/graphql`, received, server,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

/**
 * A hostile provider's subgraph (`@apollo/subgraph`, no govshare kit, no signature check): it serves
 * what its SDL says and records every representation and selection the planner sends it.
 */
export async function startRecordingSubgraph(sdl: string, resolvers: Record<string, any> = {}): Promise<RecordingServer> {
  const schema = buildSubgraphSchema({ typeDefs: parse(withShareDirectives(sdl)), resolvers });
  return startRecordingServer(async (body) => {
    try {
      const { query, variables } = JSON.parse(body || '{}');
      return { status: 200, body: JSON.stringify(await graphql({ schema, source: query, variableValues: variables })) };
    } catch (error) {
      return { status: 400, body: JSON.stringify({ errors: [{ message: String(error) }] }) };
    }
  });
}
