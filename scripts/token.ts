/**
 * `npm run token -- --dept <code> [--roles consumer,provider,admin,auditor,security-admin,service-desk] [--ttl 1h]`: prints an HS256
 * token for trying the gateway, signed with GOVSHARE_JWT_SECRET or, in embedded mode, with the key the
 * gateway generated under GOVSHARE_DATA_DIR (the same data dir resolution as the gateway's).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { gatewayConfigFromEnv } from '../gateway/config.ts';
import { loadDepartments } from '../gateway/identity/departments.ts';
import { roleConflict, ROLES, type Role } from '../gateway/identity/caller.ts';
import { issueDevToken, parseTtl } from '../gateway/identity/token-issuer.ts';
import { MAX_TOKEN_LIFETIME_SECONDS } from '../gateway/identity/token-claims.ts';
import { dataDirFromEnv, generatedJwtSecretPath } from '../gateway/keys/index.ts';

const { values } = parseArgs({ options: { dept: { type: 'string' }, roles: { type: 'string' }, ttl: { type: 'string' } } });
const departments = loadDepartments(gatewayConfigFromEnv(process.env).departmentsFile);
const fail = (message: string): never => { console.error(message); return process.exit(2); };

if (!values.dept) fail(`usage: npm run token -- --dept <${departments.departments.map((d) => d.code).join('|')}> [--roles consumer,provider,admin] [--ttl 1h]`);
if (!departments.get(values.dept!)) fail(`unknown department "${values.dept}"; known: ${departments.departments.map((d) => d.code).join(', ')}`);
const roles = (values.roles ?? 'consumer').split(',').map((r) => r.trim()).filter(Boolean) as Role[];
const unknown = roles.filter((r) => !ROLES.includes(r));
if (unknown.length) fail(`unknown role(s) ${unknown.join(', ')}; roles are ${ROLES.join(', ')}`);
const conflict = roleConflict(roles);
if (conflict) fail(conflict);
let ttl = 3600;
try { ttl = parseTtl(values.ttl ?? '1h'); } catch (error) { fail((error as Error).message); }
if (ttl > MAX_TOKEN_LIFETIME_SECONDS) fail('--ttl is 24h at most: the gateway refuses longer-lived tokens');
if (process.env.GOVSHARE_JWKS_URL || process.env.GOVSHARE_JWT_PUBLIC_KEY) {
  fail('the gateway verifies tokens with an asymmetric key (GOVSHARE_JWKS_URL / GOVSHARE_JWT_PUBLIC_KEY): get a token from the identity provider that holds its private key');
}
console.log(await issueDevToken({ department: values.dept!, roles, ttlSeconds: ttl, secret: process.env.GOVSHARE_JWT_SECRET || generatedSecret() }));

/** The key the embedded gateway generated at its first start; read, never created here. */
function generatedSecret(): string {
  const path = generatedJwtSecretPath(dataDirFromEnv(process.env));
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return fail(`no JWT key at ${path}: start the gateway once (npm start) to generate it, or set GOVSHARE_JWT_SECRET (and GOVSHARE_DATA_DIR if the gateway uses another data dir)`);
  }
}
