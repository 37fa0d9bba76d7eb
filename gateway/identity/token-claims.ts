import type { JWTPayload } from 'jose';
import { roleConflict, ROLES, type Role } from './caller.ts';
import type { DepartmentDirectory } from './departments.ts';

/** CONTRACT §2 v1.1: no token lives longer than a day. */
export const MAX_TOKEN_LIFETIME_SECONDS = 24 * 3600;
const CLOCK_TOLERANCE_SECONDS = 5;

export interface TokenIdentity { department: string; roles: Role[]; exp: number }

/**
 * The claims of a token whose signature, `exp`, `iss` and `aud` already checked out, read strictly:
 * `sub` a string naming a configured department (a list or number is no department, however it
 * prints), `roles` a list of the role names (an exclusive role alone: `roleConflict`), and a lifetime of at most 24 h — `exp - iat`, or
 * `exp - now` without `iat`, and never issued in the future. Returns the reason when refused.
 */
export function readTokenClaims(payload: JWTPayload, departments: DepartmentDirectory, nowSeconds: number): TokenIdentity | string {
  const { sub, roles = ['consumer'], exp, iat } = payload as JWTPayload & { roles?: unknown };
  if (typeof sub !== 'string') return 'token subject (sub) must be a department code (a string)';
  if (!departments.get(sub)) return `token subject "${sub}" is not a known department`;
  if (!Array.isArray(roles) || !roles.every((r) => typeof r === 'string' && ROLES.includes(r as Role))) {
    return `token roles must be a list of ${ROLES.join(', ')}`;
  }
  const conflict = roleConflict(roles as Role[]);
  if (conflict) return `token roles: ${conflict}`;
  if (typeof exp !== 'number') return 'token exp must be a number';
  if (iat !== undefined && iat > nowSeconds + CLOCK_TOLERANCE_SECONDS) return 'token issued in the future (iat)';
  const lifetime = exp - (iat ?? nowSeconds);
  if (lifetime > MAX_TOKEN_LIFETIME_SECONDS) return `token lives longer than 24 h (exp - ${iat === undefined ? 'now' : 'iat'} = ${Math.round(lifetime)} s)`;
  return { department: sub, roles: [...new Set(roles as Role[])], exp };
}
