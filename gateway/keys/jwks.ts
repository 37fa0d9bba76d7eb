import { createHash, createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { FastifyPluginAsync } from 'fastify';
import type { JSONWebKeySet, JWK } from 'jose';
import { assertPublicKeySet } from '../../protocol/gateway-signature.ts';
import { keySettingsFromEnv } from '../config.ts';
import type { GatewaySigningKey } from './signing-key.ts';

export const JWKS_PATH = '/.well-known/jwks.json';

/**
 * The gateway's published key set: the key it signs with, plus `GOVSHARE_GATEWAY_PUBLISHED_KEYS` (the
 * next key ahead of a rotation, or keys other replicas still sign with), plus `retired` (keys this
 * gateway signed with until a rotation, while their last signatures live). Public members only,
 * checked: a set with a private key in it is a configuration error.
 */
export function publishedKeySet(current: GatewaySigningKey, env: NodeJS.ProcessEnv, retired: readonly JWK[] = []): JSONWebKeySet {
  return keySetOf(current, readPublishedKeys(env), retired);
}

/** The same from keys already read: the signing key first, each kid once. */
export function keySetOf(current: GatewaySigningKey, published: readonly JWK[], retired: readonly JWK[] = []): JSONWebKeySet {
  const keys = [current.publicJwk];
  for (const key of [...published, ...retired]) {
    if (!keys.some((k) => k.kid === key.kid)) keys.push(key);
  }
  return assertPublicKeySet({ keys }, 'the gateway key set');
}

/**
 * `GOVSHARE_GATEWAY_PUBLISHED_KEYS`: the path of a JWKS (`{ "keys": [...] }`, each with a `kid`; an
 * empty list is allowed, so the file can be configured before a rotation needs it), or of PEM public
 * keys as `openssl pkey -pubout` writes them (kid = RFC 7638 thumbprint, as the gateway's own). Read at
 * start and again on every reload (SIGHUP).
 */
export function readPublishedKeys(env: NodeJS.ProcessEnv): JWK[] {
  return readPublishedKeysFile(keySettingsFromEnv(env).publishedKeys);
}

/** The same from the configured path (`config.keys.publishedKeys`); none, no further key. */
export function readPublishedKeysFile(path: string | undefined): JWK[] {
  if (!path) return [];
  const where = `GOVSHARE_GATEWAY_PUBLISHED_KEYS (${path})`;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`${where}: cannot read it (${(error as Error).message})`);
  }
  if (/PRIVATE KEY-----/.test(text)) throw new Error(`${where} holds a private key: publish public keys only (openssl pkey -in next.pem -pubout)`);
  if (text.includes('-----BEGIN PUBLIC KEY-----')) return publicKeysFromPem(text, where);
  let set: unknown;
  try {
    set = JSON.parse(text);
  } catch {
    throw new Error(`${where} is neither a JWKS (JSON) nor PEM public keys`);
  }
  if (Array.isArray((set as { keys?: unknown })?.keys) && (set as { keys: unknown[] }).keys.length === 0) return [];
  const keys = assertPublicKeySet(set, where).keys;
  for (const key of keys) if (!key.kid) throw new Error(`${where}: every key needs a kid`);
  return keys;
}

function publicKeysFromPem(text: string, where: string): JWK[] {
  const blocks = text.match(/-----BEGIN PUBLIC KEY-----[\s\S]+?-----END PUBLIC KEY-----/g) ?? [];
  return blocks.map((pem) => {
    let jwk: JWK;
    try {
      jwk = createPublicKey(pem).export({ format: 'jwk' }) as JWK;
    } catch {
      throw new Error(`${where}: a PEM block is not a readable public key`);
    }
    const alg = jwk.kty === 'OKP' && jwk.crv === 'Ed25519' ? 'EdDSA' : jwk.kty === 'EC' && jwk.crv === 'P-256' ? 'ES256' : null;
    if (!alg) throw new Error(`${where}: the gateway signs with Ed25519 or P-256 keys, not ${jwk.kty} ${jwk.crv ?? ''}`.trimEnd());
    const members: JWK = jwk.kty === 'OKP' ? { crv: jwk.crv!, kty: jwk.kty, x: jwk.x! } : { crv: jwk.crv!, kty: jwk.kty!, x: jwk.x!, y: jwk.y! };
    return { ...members, kid: thumbprint(members), alg, use: 'sig' };
  });
}

/** RFC 7638: SHA-256 over the required members in lexicographic order (the members above are). */
function thumbprint(members: JWK): string {
  return createHash('sha256').update(JSON.stringify(members)).digest('base64url');
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
