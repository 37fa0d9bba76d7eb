import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { SIGNATURE_HEADER, verifyRequestSignature, type SignatureClaims } from '../../schema/gateway-signature.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified gateway claims: who asks, for what purpose, which coordinates they may read. */
    gatewayClaims?: SignatureClaims;
    rawBody?: string;
  }
}

export interface GatewaySignatureOptions {
  subgraph: string;
  secret: string;
}

/**
 * The gateway is the only door: every `/graphql` request — `_service` and `_entities` included —
 * must carry the gateway's signature over its exact body, else 401 before anything runs.
 * Wrapped with fastify-plugin so the hook and parser apply to the routes registered beside it.
 */
export const gatewaySignature = fp<GatewaySignatureOptions>(async (app, { subgraph, secret }) => {
  // Keep the raw body: the signature covers the bytes the gateway sent, not a re-serialisation.
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    request.rawBody = body as string;
    try {
      done(null, (body as string).length ? JSON.parse(body as string) : {});
    } catch {
      done(Object.assign(new Error('request body is not valid JSON'), { statusCode: 400 }), undefined);
    }
  });

  app.addHook('preHandler', async (request: FastifyRequest, reply) => {
    if (!request.url.startsWith('/graphql')) return;
    const header = request.headers[SIGNATURE_HEADER];
    const body = request.method === 'GET' ? (request.url.split('?')[1] ?? '') : (request.rawBody ?? '');
    const check = verifyRequestSignature(secret, Array.isArray(header) ? header[0] : header, subgraph, body);
    if (!check.ok) {
      await reply.status(401).send({ errors: [{ message: `subgraph "${subgraph}" accepts requests from the govshare gateway only: ${check.reason}`, extensions: { code: 'UNAUTHENTICATED' } }] });
      return reply;
    }
    request.gatewayClaims = check.claims;
  });
});
