/**
 * `npm run token -- --dept <code> [--roles consumer,provider,admin] [--ttl 1h]`: prints an HS256
 * token signed with GOVSHARE_JWT_SECRET (or the development key) for trying the gateway.
 */
import { parseArgs } from 'node:util';
import { departmentsFromEnv } from '../gateway/identity/departments.ts';
import { ROLES, type Role } from '../gateway/identity/caller.ts';
import { issueDevToken, parseTtl } from '../gateway/identity/token-issuer.ts';

const { values } = parseArgs({ options: { dept: { type: 'string' }, roles: { type: 'string' }, ttl: { type: 'string' } } });
const departments = departmentsFromEnv(process.env);
const fail = (message: string) => { console.error(message); process.exit(2); };

if (!values.dept) fail(`usage: npm run token -- --dept <${departments.departments.map((d) => d.code).join('|')}> [--roles consumer,provider,admin] [--ttl 1h]`);
if (!departments.get(values.dept!)) fail(`unknown department "${values.dept}"; known: ${departments.departments.map((d) => d.code).join(', ')}`);
const roles = (values.roles ?? 'consumer').split(',').map((r) => r.trim()).filter(Boolean) as Role[];
const unknown = roles.filter((r) => !ROLES.includes(r));
if (unknown.length) fail(`unknown role(s) ${unknown.join(', ')}; roles are ${ROLES.join(', ')}`);
let ttl = 3600;
try { ttl = parseTtl(values.ttl ?? '1h'); } catch (error) { fail((error as Error).message); }
if (!process.env.GOVSHARE_JWT_SECRET) console.error('(signed with the development key: GOVSHARE_JWT_SECRET is not set)');
console.log(await issueDevToken({ department: values.dept!, roles, ttlSeconds: ttl, secret: process.env.GOVSHARE_JWT_SECRET }));
