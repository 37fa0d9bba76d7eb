import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import { SIGNATURE_HEADER, type RequestSigner, type SignatureInput } from '../../protocol/gateway-signature.ts';
import { Kind, type DocumentNode } from 'graphql';
import type { GatewayContext } from './context.ts';
import { isResetOfReusedSocket, type HttpClient, type PostResult } from './http-client.ts';
import { SubgraphCallPolicy } from './subgraph-call-policy.ts';
import { inSpan, traceHeaders } from '../../protocol/telemetry.ts';

/**
 * The gateway's call to one subgraph: signed over the exact body with the caller's identity,
 * purpose and readable coordinates, sent over kept-alive connections (`HttpClient`) under the
 * subgraph's call policy (one deadline, a bounded queue, a circuit breaker). Apollo's
 * RemoteGraphQLDataSource builds a node-fetch Request per call even with another fetcher, and
 * its body cannot be signed after serialisation, so this is a data source of its own.
 */
export class SubgraphDataSource implements GraphQLDataSource<GatewayContext> {
  private readonly url: URL;

  constructor(readonly subgraphName: string, url: string, private readonly signer: RequestSigner, private readonly client: HttpClient,
    private readonly policy: SubgraphCallPolicy = new SubgraphCallPolicy(subgraphName),
    private readonly observe: (subgraph: string, seconds: number) => void = () => {}) {
    this.url = new URL(url);
  }

  async process(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<GatewayGraphQLResponse> {
    const caller = (options.context as GatewayContext | undefined)?.caller;
    const started = performance.now();
    // Inside Apollo's `gateway.fetch` span; the subgraph continues this trace from `traceparent`.
    try {
      const response = await inSpan('govshare.subgraph_call', {
        'govshare.subgraph': this.subgraphName, ...(caller ? { 'govshare.department': caller.department } : {}),
        ...(options.request.operationName ? { 'graphql.operation.name': options.request.operationName } : {}),
      }, () => this.call(options));
      noteEntityFetch(options, response);
      return response;
    } finally {
      this.observe(this.subgraphName, (performance.now() - started) / 1000);
    }
  }

  private async call(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<GatewayGraphQLResponse> {
    const { request, context } = options;
    const body = JSON.stringify({ query: request.query, variables: request.variables, operationName: request.operationName });
    const claims = signatureInput(this.subgraphName, context as GatewayContext | undefined);
    const retriable = isQuery('document' in options ? options.document : undefined, request.query);
    // An answer that is no GraphQL response fails inside the policy: the breaker counts it (a proxy's 502 in front of a dead subgraph).
    return this.policy.run(async (signal) => {
      // Signed once the call holds a slot, not before it queued: the signature's 30 s start now. Each
      // send gets a fresh one (new jti): the subgraph accepts each once, and a retry is another send.
      // traceparent is outside the signature (it covers the body): a forged one misleads a trace, never a decision.
      const send = async (): Promise<PostResult> => this.client.post(this.url, {
        'content-type': 'application/json', [SIGNATURE_HEADER]: await this.signer.sign(claims, body), ...traceHeaders(),
      }, body, signal);
      let response: PostResult;
      try {
        response = await send();
      } catch (error) {
        // A read that met a kept-alive socket the subgraph had just closed never reached it: once more, on a new one.
        if (!(retriable && !signal.aborted && isResetOfReusedSocket(error))) throw error;
        response = await send();
      }
      return this.graphqlResponse(response);
    });
  }

  private graphqlResponse(response: PostResult): GatewayGraphQLResponse {
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

/**
 * The entity keys the planner sent (`_entities` representations) and what came back for them, kept for the
 * audit's subject index (pipeline/subject-keys.ts): a person reached through another entity is read by
 * the key the gateway itself handed on, whether or not the operation selected it.
 */
function noteEntityFetch(options: GraphQLDataSourceProcessOptions<GatewayContext>, response: GatewayGraphQLResponse): void {
  const representations = options.request.variables?.representations;
  if (options.kind !== 'incoming operation' || !Array.isArray(representations) || !options.context) return;
  const entities = (response.data as { _entities?: unknown } | null | undefined)?._entities;
  ((options.context as GatewayContext).entityFetches ??= []).push({ query: options.request.query ?? '', representations, entities });
}

/** Only reads are sent twice: a mutation reset mid-way might have been applied. */
function isQuery(document: DocumentNode | undefined, query: string | undefined): boolean {
  const operation = document?.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION);
  if (operation) return operation.operation === 'query';
  const text = query?.trimStart() ?? '';
  return text.startsWith('{') || text.startsWith('query');
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
