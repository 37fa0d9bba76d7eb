import { readFileSync } from 'node:fs';
import type { FastifyPluginAsync } from 'fastify';
import type { JSONWebKeySet } from 'jose';
import { assertPublicKeySet } from '../../protocol/gateway-signature.ts';
import type { GatewaySigningKey } from './signing-key.ts';

export const JWKS_PATH = '/.well-known/jwks.json';

/**
 * The gateway's published key set: the key it signs with, plus `GOVSHARE_GATEWAY_PUBLISHED_KEYS` (path
 * of a JWKS file of further public keys — the previous key during a rotation, or the next one ahead
 * of it). Public members only, checked: a set with a private key in it is a configuration error.
 */
export function publishedKeySet(current: GatewaySigningKey, env: NodeJS.ProcessEnv): JSONWebKeySet {
  const keys = [current.publicJwk];
  if (env.GOVSHARE_GATEWAY_PUBLISHED_KEYS) {
    const extra = assertPublicKeySet(JSON.parse(readFileSync(env.GOVSHARE_GATEWAY_PUBLISHED_KEYS, 'utf8')), `GOVSHARE_GATEWAY_PUBLISHED_KEYS (${env.GOVSHARE_GATEWAY_PUBLISHED_KEYS})`);
    for (const key of extra.keys) {
      if (!key.kid) throw new Error('GOVSHARE_GATEWAY_PUBLISHED_KEYS: every key needs a kid');
      if (key.kid !== current.kid) keys.push(key);
    }
  }
  return assertPublicKeySet({ keys }, 'the gateway key set');
}

/** `GET /.well-known/jwks.json`: no token needed, public keys only. */
export const jwksRoute: FastifyPluginAsync<{ keySet: () => JSONWebKeySet | null }> = async (app, { keySet }) => {
  app.get(JWKS_PATH, async (_request, reply) => {
    const set = keySet();
    if (!set) return reply.status(503).header('retry-after', '1').send({ error: 'the gateway keys are not loaded yet' });
    // Short caching: a rotation reaches verifiers within minutes; they also refetch on an unknown kid.
    reply.header('cache-control', 'public, max-age=300');
    return set;
  });
};
