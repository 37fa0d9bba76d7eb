import { createHash, type Hash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Transform } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import {
  assertPublicKeySet, bodyHash, CLOCK_TOLERANCE_SECONDS, createSignatureVerifier, SIGNATURE_HEADER, type SignatureClaims, type VerificationKeys,
} from '../../protocol/gateway-signature.ts';
import type { ReplayGuard } from '../../protocol/replay-guard.ts';
import { loadSubgraphConfig, type SubgraphHostConfig } from '../config.ts';
import { SharedReplayCache } from '../../protocol/shared-replay-cache.ts';
import { ErrorCode, errorBody, statusOf } from '../../protocol/errors.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified gateway claims: who asks, for what purpose, which coordinates they may read. */
    gatewayClaims?: SignatureClaims;
  }
}

export interface GatewayDoorOptions {
  subgraph: string;
  keys: VerificationKeys;
  /** Routes anyone may GET (matched on the routed path, never on the raw target): `/healthz`, `/metrics`. */
  publicRoutes?: readonly string[];
  replay?: ReplayGuard;
  /** With several replicas of this subgraph: single use across all of them (Redis), after the local check. */
  sharedReplay?: SharedReplayCache;
}

/**
 * The gateway is the only door, and it is default-deny: every request — any method, any route, an
 * unknown one (404) included — is refused 401 unless it carries the gateway's signature for it. The
 * only exceptions are the public routes, matched on the route Fastify chose (`routeOptions.url`), so no
 * spelling of the target (`/%67raphql`, absolute-form, `//graphql`, `;params`) can reach GraphQL
 * unchecked: the check follows the router's decision instead of re-parsing the URL beside it.
 *
 * The body hash is computed over the bytes as they arrive (a tee before any content-type parser),
 * so whatever the content type, the parser that reads the body reads exactly what was signed.
 * Wrapped with fastify-plugin: the hooks and the 404 handler apply to the context that registers it.
 */
export const gatewayDoor = fp<GatewayDoorOptions>(async (app, { subgraph, keys, publicRoutes = ['/healthz', '/metrics'], replay, sharedReplay }) => {
  const verifier = createSignatureVerifier({ audience: subgraph, keys, ...(replay ? { replay } : {}) });
  /** Claims whose signature checked out but whose body hash and single use are still to be checked. */
  const pending = new WeakMap<FastifyRequest, { claims: SignatureClaims; digest?: Hash; bodyHash?: string }>();
  const isPublic = (request: FastifyRequest) =>
    (request.method === 'GET' || request.method === 'HEAD') && request.routeOptions.url !== undefined && publicRoutes.includes(request.routeOptions.url);
  const refuse = (reply: FastifyReply, reason: string) => reply.status(statusOf(ErrorCode.UNAUTHENTICATED))
    .send(errorBody(ErrorCode.UNAUTHENTICATED, `subgraph "${subgraph}" accepts requests from the govshare gateway only: ${reason}`));

  // Unknown routes get the same door as known ones: a stranger learns nothing about the server.
  app.setNotFoundHandler((_request, reply) => reply.status(404).send(errorBody(ErrorCode.BAD_USER_INPUT, 'not found')));

  // Before the body is read: an unsigned or badly signed request costs no parsing.
  app.addHook('onRequest', async (request, reply) => {
    if (isPublic(request)) return;
    const header = request.headers[SIGNATURE_HEADER];
    const check = await verifier.verifyToken(Array.isArray(header) ? header[0] : header);
    if (!check.ok) return refuse(reply, check.reason);
    pending.set(request, { claims: check.claims });
  });

  // JSON, what the gateway sends: hashed by the parser, over the same bytes it parses (no stream in between).
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    const entry = pending.get(request);
    if (entry) entry.bodyHash = bodyHash(body as Buffer);
    // Typed for a string; secure-json-parse, under it, takes the Buffer as well.
    parseJson(request, body as unknown as string, done);
  });

  app.addHook('preParsing', async (request, _reply, payload) => {
    const entry = pending.get(request);
    if (!entry || isJson(request.headers['content-type'])) return payload;
    // Any other content type, whichever parser takes it: a tee before the parser hashes what it reads.
    const digest = createHash('sha256');
    entry.digest = digest;
    const tee = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        digest.update(chunk);
        done(null, chunk);
      },
    });
    // pipe, not pipeline: pipeline's abort controller builds a DOMException on every request it finishes.
    payload.on('error', (error) => tee.destroy(error));
    return payload.pipe(tee);
  });

  // After parsing, before any handler: the body hash, then the one use of this jti.
  app.addHook('preHandler', async (request, reply) => {
    if (isPublic(request)) return;
    const entry = pending.get(request);
    if (!entry) return refuse(reply, 'missing gateway signature');
    // GET carries its query in the URL: then the signed content is the raw query string.
    // A body neither the JSON parser nor the tee hashed (one the router sent elsewhere) matches no signature.
    const signed = request.method === 'GET' || request.method === 'HEAD'
      ? bodyHash(rawQuery(request.raw.url ?? ''))
      : entry.bodyHash ?? (entry.digest ?? createHash('sha256')).digest('base64url');
    const check = verifier.accept(entry.claims, { digest: signed });
    if (!check.ok) return refuse(reply, check.reason);
    if (sharedReplay) {
      // Used until its signature can no longer pass the expiry check (the verifier's clock tolerance included).
      const use = await sharedReplay.use(subgraph, check.claims.jti, check.claims.exp + CLOCK_TOLERANCE_SECONDS);
      if (use === 'replayed') return refuse(reply, 'gateway signature already used (jti seen before, by another replica)');
      if (use === 'unavailable') {
        // §8 has no code of its own for this: to the gateway, this subgraph cannot serve now.
        return reply.status(statusOf(ErrorCode.SUBGRAPH_UNREACHABLE))
          .send(errorBody(ErrorCode.SUBGRAPH_UNREACHABLE, `subgraph "${subgraph}" cannot check the single use of the signature now: refused`));
      }
    }
    request.gatewayClaims = check.claims;
  });
});

/** The media type the JSON parser above is registered for (Fastify matches its essence, parameters aside). */
function isJson(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const semicolon = contentType.indexOf(';');
  return (semicolon < 0 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase() === 'application/json';
}

function rawQuery(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? '' : url.slice(q + 1);
}

/**
 * The shared single-use check when `REDIS_URL` is set in the subgraph's environment (replicas of one
 * subgraph behind a load balancer); absent, the process-local guard alone (one replica). Connects
 * before the subgraph serves: a replica that cannot reach it refuses to start rather than serve unchecked.
 */
export async function sharedReplayFromEnv(env: NodeJS.ProcessEnv): Promise<SharedReplayCache | undefined> {
  return sharedReplayFor(loadSubgraphConfig(env));
}

/** The same from the subgraph config (`redis`: REDIS_URL, one server or a cluster's nodes, and REDIS_CLUSTER). */
export async function sharedReplayFor(config: Pick<SubgraphHostConfig, 'redis' | 'redisPrefix'>): Promise<SharedReplayCache | undefined> {
  const target = config.redis;
  if (!target) return undefined;
  const cache = new SharedReplayCache(target, config.redisPrefix);
  await cache.connect();
  return cache;
}

/**
 * The gateway's public keys from the environment: `GOVSHARE_GATEWAY_JWKS_URL` (the gateway's
 * `/.well-known/jwks.json`, fetched again on an unknown kid) or `GOVSHARE_GATEWAY_JWKS` (path of a
 * JWKS file). Neither: the subgraph refuses to start — an unverifiable door would be an open one.
 */
export function gatewayKeysFromEnv(env: NodeJS.ProcessEnv): VerificationKeys {
  return gatewayKeysFor(loadSubgraphConfig(env));
}

/** The same from the subgraph config. */
export function gatewayKeysFor(config: Pick<SubgraphHostConfig, 'gatewayJwksUrl' | 'gatewayJwksFile' | 'gatewayJwksCacheSeconds'>): VerificationKeys {
  if (config.gatewayJwksUrl) {
    // How long a fetched set is trusted (default 600 s): a key withdrawn from it is refused at most this long (+ 60 s) later.
    const cache = config.gatewayJwksCacheSeconds;
    return { jwksUrl: new URL(config.gatewayJwksUrl), ...(cache ? { cacheMaxAgeMs: cache * 1000 } : {}) };
  }
  const path = config.gatewayJwksFile;
  if (path) {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      throw new Error(`GOVSHARE_GATEWAY_JWKS: cannot read ${path} (${(error as Error).message})`);
    }
    let jwks: unknown;
    try {
      jwks = JSON.parse(text);
    } catch {
      throw new Error(`GOVSHARE_GATEWAY_JWKS (${path}) is not JSON`);
    }
    return { jwks: assertPublicKeySet(jwks, `GOVSHARE_GATEWAY_JWKS (${path})`) };
  }
  throw new Error('no gateway verification key: set GOVSHARE_GATEWAY_JWKS_URL (the gateway\'s /.well-known/jwks.json) or GOVSHARE_GATEWAY_JWKS (path of its JWKS file); `npm start` passes it itself');
}
