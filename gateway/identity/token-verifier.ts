import { readFileSync } from 'node:fs';
import {
  createLocalJWKSet, createRemoteJWKSet, importSPKI, jwtVerify,
  type JWTVerifyGetKey, type JWTPayload, type JWTVerifyOptions,
} from 'jose';
import { dataDirFromEnv, keySettingsFromEnv, type JwtSettings } from '../config.ts';
import { randomSecret } from '../keys/key-file.ts';
import { generatedJwtSecretPath, generatedSecret } from '../keys/secrets.ts';

export interface KeySource {
  describe: string;
  /**
   * The HS256 key the embedded mode generated, when that is what verifies tokens; null with a
   * configured key. Only then may the playground's dev sign-in exist (it mints tokens for anyone).
   */
  generatedSecret: string | null;
  verify(token: string): Promise<JWTPayload>;
}

const ASYMMETRIC = ['RS256', 'RS384', 'RS512', 'PS256', 'ES256', 'ES384', 'EdDSA', 'Ed25519'];
const CLOCK_TOLERANCE_SECONDS = 5;

export interface KeySourceOptions {
  /** Where a generated key is kept (default: `GOVSHARE_DATA_DIR`, or `.data`); null: in memory only. */
  dataDir?: string | null;
  log?: (message: string) => void;
}

/**
 * `GOVSHARE_JWKS_URL` or `GOVSHARE_JWT_PUBLIC_KEY` (PEM text, a path to a PEM file, or a JWKS JSON),
 * or HS256 with `GOVSHARE_JWT_SECRET`; with none of them, HS256 with a key generated once under the
 * data dir (never a key written in the source). `GOVSHARE_JWT_ISSUER` / `GOVSHARE_JWT_AUDIENCE`,
 * when set, must match the token's `iss` / `aud`.
 */
export async function keySourceFromEnv(env: NodeJS.ProcessEnv, { dataDir = dataDirFromEnv(env), log = () => {} }: KeySourceOptions = {}): Promise<KeySource> {
  return keySource(keySettingsFromEnv(env).jwt, { dataDir, log });
}

/** The same from the config's `keys.jwt` (what the gateway uses). */
export async function keySource(jwt: JwtSettings, { dataDir = null, log = () => {} }: KeySourceOptions = {}): Promise<KeySource> {
  const options: JWTVerifyOptions = {
    requiredClaims: ['exp', 'sub'],
    clockTolerance: CLOCK_TOLERANCE_SECONDS,
    ...(jwt.issuer ? { issuer: jwt.issuer } : {}),
    ...(jwt.audience ? { audience: jwt.audience } : {}),
  };
  if (jwt.jwksUrl) {
    const jwks = createRemoteJWKSet(new URL(jwt.jwksUrl));
    return keySet(`JWKS ${jwt.jwksUrl}`, jwks, { ...options, algorithms: ASYMMETRIC });
  }
  if (jwt.publicKey) {
    const text = readKeyText(jwt.publicKey);
    if (text.trim().startsWith('{')) return keySet('JWKS from GOVSHARE_JWT_PUBLIC_KEY', createLocalJWKSet(JSON.parse(text)), { ...options, algorithms: ASYMMETRIC });
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
  const configured = jwt.secret;
  const secret = configured ?? (dataDir === null
    ? randomSecret()
    : generatedSecret(generatedJwtSecretPath(dataDir), 'the HS256 key of department tokens (no GOVSHARE_JWT_SECRET, GOVSHARE_JWT_PUBLIC_KEY or GOVSHARE_JWKS_URL is set); `npm run token` signs with it', log));
  const key = new TextEncoder().encode(secret);
  return {
    describe: configured ? 'HS256 (GOVSHARE_JWT_SECRET)' : dataDir === null ? 'HS256 (generated, in memory)' : `HS256 (generated under ${dataDir})`,
    generatedSecret: configured ? null : secret,
    async verify(token) {
      return (await jwtVerify(token, key, { ...options, algorithms: ['HS256'] })).payload;
    },
  };
}

function keySet(describe: string, getKey: JWTVerifyGetKey, options: JWTVerifyOptions): KeySource {
  return {
    describe,
    generatedSecret: null,
    async verify(token) {
      return (await jwtVerify(token, getKey, options)).payload;
    },
  };
}

function readKeyText(value: string): string {
  if (value.includes('-----BEGIN') || value.trim().startsWith('{')) return value.replace(/\\n/g, '\n');
  return readFileSync(value, 'utf8');
}
