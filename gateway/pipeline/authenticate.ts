import { errors as joseErrors } from 'jose';
import type { DepartmentDirectory } from '../identity/departments.ts';
import { ROLES, type Caller, type Role } from '../identity/caller.ts';
import type { KeySource } from '../identity/token-verifier.ts';

export class RequestRefused extends Error {
  constructor(readonly code: string, message: string, readonly status: number) { super(message); }
}

interface VerifiedToken { department: string; roles: Role[]; exp: number }

const MAX_PURPOSE = 200;
const MAX_OPERATOR = 64;
const CACHE_LIMIT = 10_000;

/**
 * authenticate: the bearer token names a known department, and the purpose and operator headers
 * decode. Verified tokens are remembered until they expire: verifying is the costliest step a
 * cached operation has, and a token's validity cannot change before its `exp`.
 */
export function createAuthenticator(keys: KeySource, departments: DepartmentDirectory) {
  const verified = new Map<string, VerifiedToken>();

  async function verifyToken(token: string): Promise<VerifiedToken> {
    const now = Date.now() / 1000;
    const cached = verified.get(token);
    if (cached && cached.exp > now) return cached;
    let payload;
    try {
      payload = await keys.verify(token);
    } catch (error) {
      throw new RequestRefused('UNAUTHENTICATED', describeTokenError(error), 401);
    }
    const department = String(payload.sub ?? '');
    if (!departments.get(department)) throw new RequestRefused('UNAUTHENTICATED', `token subject "${department}" is not a known department`, 401);
    const rawRoles = payload.roles ?? ['consumer'];
    if (!Array.isArray(rawRoles) || !rawRoles.every((r) => ROLES.includes(r as Role))) {
      throw new RequestRefused('UNAUTHENTICATED', `token roles must be a list of ${ROLES.join(', ')}`, 401);
    }
    const result = { department, roles: rawRoles as Role[], exp: Number(payload.exp) };
    if (verified.size >= CACHE_LIMIT) verified.clear();
    verified.set(token, result);
    return result;
  }

  return async function authenticate(
    headers: Record<string, string | string[] | undefined>, bodyExtensions: unknown,
  ): Promise<Caller> {
    const authorization = header(headers, 'authorization');
    const match = authorization?.match(/^Bearer\s+(\S+)\s*$/i);
    if (!match) throw new RequestRefused('UNAUTHENTICATED', 'missing or malformed Authorization header: send "Authorization: Bearer <JWT>"', 401);
    const token = await verifyToken(match[1]!);
    const extensions = (bodyExtensions && typeof bodyExtensions === 'object' ? bodyExtensions : {}) as Record<string, unknown>;
    const purpose = agreeing('purpose', decodeHeader(header(headers, 'x-share-purpose'), 'X-Share-Purpose'), extensions.purpose);
    const operator = agreeing('operator', decodeHeader(header(headers, 'x-share-operator'), 'X-Share-Operator'), extensions.operator);
    if (purpose !== null && [...purpose].length > MAX_PURPOSE) throw new RequestRefused('BAD_USER_INPUT', `the purpose is limited to ${MAX_PURPOSE} characters`, 400);
    if (operator !== null && [...operator].length > MAX_OPERATOR) throw new RequestRefused('BAD_USER_INPUT', `the operator id is limited to ${MAX_OPERATOR} characters`, 400);
    return {
      department: token.department,
      departmentName: departments.get(token.department)!.name,
      roles: token.roles,
      purpose: purpose && purpose.trim() ? purpose.trim() : null,
      operator: operator && operator.trim() ? operator.trim() : null,
    };
  };
}

function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Header values are percent-encoded UTF-8 (`encodeURIComponent`); plain ASCII passes unchanged. */
function decodeHeader(value: string | undefined, name: string): string | null {
  if (value === undefined) return null;
  try {
    return decodeURIComponent(value);
  } catch {
    throw new RequestRefused('BAD_USER_INPUT', `${name} is not valid percent-encoded UTF-8 (encode it with encodeURIComponent)`, 400);
  }
}

function agreeing(name: string, fromHeader: string | null, fromBody: unknown): string | null {
  if (fromBody !== undefined && fromBody !== null && typeof fromBody !== 'string') {
    throw new RequestRefused('BAD_USER_INPUT', `extensions.${name} must be a string`, 400);
  }
  const body = (fromBody as string | undefined) ?? null;
  if (fromHeader !== null && body !== null && fromHeader !== body) {
    throw new RequestRefused('BAD_USER_INPUT', `the ${name} in the header and in extensions.${name} disagree`, 400);
  }
  return fromHeader ?? body;
}

function describeTokenError(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return 'token expired';
  if (error instanceof joseErrors.JWTClaimValidationFailed) return `token claim "${error.claim}" invalid: ${error.reason}`;
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return 'token signature is not valid';
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return 'token algorithm is not allowed';
  if (error instanceof joseErrors.JWSInvalid || error instanceof joseErrors.JWTInvalid) return 'token is malformed';
  return `token rejected: ${(error as Error).message}`;
}
