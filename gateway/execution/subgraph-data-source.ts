import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import { SIGNATURE_HEADER, signRequest, type SignatureInput } from '../../schema/gateway-signature.ts';
import type { GatewayContext } from './context.ts';

/**
 * The gateway's call to one subgraph: signed over the exact body with the caller's identity,
 * purpose and readable coordinates, sent with Node's own `fetch` (undici). Apollo's
 * RemoteGraphQLDataSource builds a node-fetch Request per call even with another fetcher, and
 * its body cannot be signed after serialisation, so this is a data source of its own.
 */
export class SubgraphDataSource implements GraphQLDataSource<GatewayContext> {
  constructor(readonly subgraphName: string, private readonly url: string, private readonly secret: string) {}

  async process({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<GatewayGraphQLResponse> {
    const body = JSON.stringify({ query: request.query, variables: request.variables, operationName: request.operationName });
    const response = await fetch(this.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        [SIGNATURE_HEADER]: signRequest(this.secret, signatureInput(this.subgraphName, context as GatewayContext | undefined), body),
      },
      body,
    });
    const text = await response.text();
    let parsed: GatewayGraphQLResponse;
    try {
      parsed = JSON.parse(text) as GatewayGraphQLResponse;
    } catch {
      throw new Error(`subgraph "${this.subgraphName}" answered ${response.status} with a body that is not JSON`);
    }
    if (!response.ok && !parsed.errors) throw new Error(`subgraph "${this.subgraphName}" answered ${response.status}`);
    return parsed;
  }
}

function signatureInput(subgraph: string, context: GatewayContext | undefined): SignatureInput {
  const input: SignatureInput = { aud: subgraph, rid: context?.requestId ?? 'gateway' };
  if (context?.caller) {
    input.sub = context.caller.department;
    if (context.caller.purpose) input.pur = context.caller.purpose;
    if (context.readable) input.fld = context.readable;
  }
  return input;
}
