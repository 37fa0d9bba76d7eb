import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import { SIGNATURE_HEADER, type RequestSigner, type SignatureInput } from '../../protocol/gateway-signature.ts';
import type { GatewayContext } from './context.ts';
import type { HttpClient } from './http-client.ts';

/**
 * The gateway's call to one subgraph: signed over the exact body with the caller's identity,
 * purpose and readable coordinates, sent over kept-alive connections (`HttpClient`). Apollo's
 * RemoteGraphQLDataSource builds a node-fetch Request per call even with another fetcher, and
 * its body cannot be signed after serialisation, so this is a data source of its own.
 */
export class SubgraphDataSource implements GraphQLDataSource<GatewayContext> {
  private readonly url: URL;

  constructor(readonly subgraphName: string, url: string, private readonly signer: RequestSigner, private readonly client: HttpClient) {
    this.url = new URL(url);
  }

  async process({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<GatewayGraphQLResponse> {
    const body = JSON.stringify({ query: request.query, variables: request.variables, operationName: request.operationName });
    // A fresh signature (new jti) per call: the subgraph accepts each one once.
    const signature = await this.signer.sign(signatureInput(this.subgraphName, context as GatewayContext | undefined), body);
    const response = await this.client.post(this.url, { 'content-type': 'application/json', [SIGNATURE_HEADER]: signature }, body);
    let parsed: GatewayGraphQLResponse;
    try {
      parsed = JSON.parse(response.body) as GatewayGraphQLResponse;
    } catch {
      throw new Error(`subgraph "${this.subgraphName}" answered ${response.status} with a body that is not JSON`);
    }
    const ok = response.status >= 200 && response.status < 300;
    if (!ok && !parsed.errors) throw new Error(`subgraph "${this.subgraphName}" answered ${response.status}`);
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
