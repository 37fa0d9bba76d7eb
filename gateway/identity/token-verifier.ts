import { readFileSync } from 'node:fs';
import {
  createLocalJWKSet, createRemoteJWKSet, importSPKI, jwtVerify,
  type JWTVerifyGetKey, type JWTPayload,
} from 'jose';

/** The HS256 key used when no key is configured: development only, announced with a warning. */
export const DEV_JWT_SECRET = 'govshare-dev-secret-not-for-production';

export interface KeySource {
  describe: string;
  /** True when a production key source is configured (disables dev-only conveniences). */
  production: boolean;
  verify(token: string): Promise<JWTPayload>;
}

const ASYMMETRIC = ['RS256', 'RS384', 'RS512', 'PS256', 'ES256', 'ES384', 'EdDSA'];

/**
 * `GOVSHARE_JWKS_URL` or `GOVSHARE_JWT_PUBLIC_KEY` (PEM text, a path to a PEM file, or a JWKS JSON)
 * for production; otherwise HS256 with `GOVSHARE_JWT_SECRET` or the dev default.
 */
export async function keySourceFromEnv(env: NodeJS.ProcessEnv, warn: (message: string) => void = () => {}): Promise<KeySource> {
  const options = { requiredClaims: ['exp', 'sub'], clockTolerance: 5 };
  if (env.GOVSHARE_JWKS_URL) {
    const jwks = createRemoteJWKSet(new URL(env.GOVSHARE_JWKS_URL));
    return keySet(`JWKS ${env.GOVSHARE_JWKS_URL}`, jwks, options);
  }
  if (env.GOVSHARE_JWT_PUBLIC_KEY) {
    const text = readKeyText(env.GOVSHARE_JWT_PUBLIC_KEY);
    if (text.trim().startsWith('{')) return keySet('JWKS from GOVSHARE_JWT_PUBLIC_KEY', createLocalJWKSet(JSON.parse(text)), options);
    const keys = await Promise.all(ASYMMETRIC.map((alg) => importSPKI(text, alg).then((k) => [alg, k] as const, () => null)));
    const usable = new Map<string, Awaited<ReturnType<typeof importSPKI>>>();
    for (const k of keys) if (k) usable.set(k[0], k[1]);
    if (usable.size === 0) throw new Error('GOVSHARE_JWT_PUBLIC_KEY is not a PEM public key (SPKI) or a JWKS');
    const getKey: JWTVerifyGetKey = async (header) => {
      const key = usable.get(header.alg);
      if (!key) throw new Error(`algorithm ${header.alg} does not fit the configured key`);
      return key;
    };
    return keySet(`public key (${[...usable.keys()].join('/')})`, getKey, { ...options, algorithms: [...usable.keys()] });
  }
  const secret = env.GOVSHARE_JWT_SECRET;
  if (!secret) warn(`GOVSHARE_JWT_SECRET is not set: using the development key "${DEV_JWT_SECRET}". Never run production like this.`);
  const key = new TextEncoder().encode(secret ?? DEV_JWT_SECRET);
  return {
    describe: secret ? 'HS256 (GOVSHARE_JWT_SECRET)' : 'HS256 (development key)',
    production: false,
    async verify(token) {
      return (await jwtVerify(token, key, { ...options, algorithms: ['HS256'] })).payload;
    },
  };
}

function keySet(describe: string, getKey: JWTVerifyGetKey, options: Parameters<typeof jwtVerify>[2]): KeySource {
  return {
    describe,
    production: true,
    async verify(token) {
      return (await jwtVerify(token, getKey, { ...options, algorithms: options?.algorithms ?? ASYMMETRIC })).payload;
    },
  };
}

function readKeyText(value: string): string {
  if (value.includes('-----BEGIN') || value.trim().startsWith('{')) return value.replace(/\\n/g, '\n');
  return readFileSync(value, 'utf8');
}
