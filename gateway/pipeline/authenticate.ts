import { errors as joseErrors } from 'jose';
import { ErrorCode, RequestRefused } from '../../protocol/errors.ts';
import type { DepartmentDirectory } from '../identity/departments.ts';
import type { Caller } from '../identity/caller.ts';
import type { KeySource } from '../identity/token-verifier.ts';
import { readTokenClaims, type TokenIdentity } from '../identity/token-claims.ts';
import { declaredTextProblem } from './declared-text.ts';

export { RequestRefused };

interface CachedToken { identity: TokenIdentity; until: number }

const MAX_PURPOSE = 200;
const MAX_OPERATOR = 64;
const CACHE_LIMIT = 10_000;
/** A cached verification is re-done after this long: a key withdrawn from a JWKS stops working soon. */
const CACHE_SECONDS = 300;

/**
 * authenticate: the bearer token names a known department, and the purpose and operator headers
 * decode to printable text. Verified tokens are remembered (at most 5 minutes, never past their
 * `exp`): verifying is the costliest step a cached operation has. Only a token that passed every
 * check is cached, so the cache can never accept what verification would refuse.
 */
export function createAuthenticator(keys: KeySource, departments: DepartmentDirectory) {
  const verified = new Map<string, CachedToken>();

  async function verifyToken(token: string): Promise<TokenIdentity> {
    const now = Date.now() / 1000;
    const cached = verified.get(token);
    if (cached && cached.until > now) return cached.identity;
    if (cached) verified.delete(token);
    let payload;
    try {
      payload = await keys.verify(token);
    } catch (error) {
      throw new RequestRefused(ErrorCode.UNAUTHENTICATED, describeTokenError(error));
    }
    const identity = readTokenClaims(payload, departments, now);
    if (typeof identity === 'string') throw new RequestRefused(ErrorCode.UNAUTHENTICATED, identity);
    if (verified.size >= CACHE_LIMIT) verified.clear();
    verified.set(token, { identity, until: Math.min(identity.exp, now + CACHE_SECONDS) });
    return identity;
  }

  /** The token alone, from the headers alone: run before the body is read, so a stranger's body is never parsed. */
  async function identify(headers: RequestHeaders): Promise<TokenIdentity> {
    const authorization = header(headers, 'authorization');
    const match = authorization?.match(/^Bearer\s+(\S+)\s*$/i);
    if (!match) throw new RequestRefused(ErrorCode.UNAUTHENTICATED, 'missing or malformed Authorization header: send "Authorization: Bearer <JWT>"');
    return verifyToken(match[1]!);
  }

  /** The caller of an identified token: purpose and operator from the headers or the body's `extensions`. */
  function callerOf(token: TokenIdentity, headers: RequestHeaders, bodyExtensions: unknown): Caller {
    const extensions = (bodyExtensions && typeof bodyExtensions === 'object' ? bodyExtensions : {}) as Record<string, unknown>;
    const purpose = agreeing('purpose', decodeHeader(header(headers, 'x-share-purpose'), 'X-Share-Purpose'), extensions.purpose);
    const operator = agreeing('operator', decodeHeader(header(headers, 'x-share-operator'), 'X-Share-Operator'), extensions.operator);
    if (purpose !== null && [...purpose].length > MAX_PURPOSE) throw new RequestRefused(ErrorCode.BAD_USER_INPUT, `the purpose is limited to ${MAX_PURPOSE} characters`);
    if (operator !== null && [...operator].length > MAX_OPERATOR) throw new RequestRefused(ErrorCode.BAD_USER_INPUT, `the operator id is limited to ${MAX_OPERATOR} characters`);
    return {
      department: token.department,
      departmentName: departments.get(token.department)!.name,
      roles: token.roles,
      purpose: purpose && purpose.trim() ? purpose.trim() : null,
      operator: operator && operator.trim() ? operator.trim() : null,
    };
  }

  /** Both steps at once, for a caller that has the body already. */
  async function authenticate(headers: RequestHeaders, bodyExtensions: unknown): Promise<Caller> {
    return callerOf(await identify(headers), headers, bodyExtensions);
  }
  return Object.assign(authenticate, { identify, callerOf });
}

type RequestHeaders = Record<string, string | string[] | undefined>;

function header(headers: RequestHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Header values are percent-encoded UTF-8 (`encodeURIComponent`); plain ASCII passes unchanged. */
function decodeHeader(value: string | undefined, name: string): string | null {
  if (value === undefined) return null;
  try {
    return decodeURIComponent(value);
  } catch {
    throw new RequestRefused(ErrorCode.BAD_USER_INPUT, `${name} is not valid percent-encoded UTF-8 (encode it with encodeURIComponent)`);
  }
}

function agreeing(name: string, fromHeader: string | null, fromBody: unknown): string | null {
  if (fromBody !== undefined && fromBody !== null && typeof fromBody !== 'string') {
    throw new RequestRefused(ErrorCode.BAD_USER_INPUT, `extensions.${name} must be a string`);
  }
  const body = (fromBody as string | undefined) ?? null;
  // Checked on the decoded values, header and body alike: %0D%0A is a CR LF once decoded.
  for (const value of [fromHeader, body]) {
    const problem = value === null ? null : declaredTextProblem(name, value);
    if (problem) throw new RequestRefused(ErrorCode.BAD_USER_INPUT, problem);
  }
  if (fromHeader !== null && body !== null && fromHeader !== body) {
    throw new RequestRefused(ErrorCode.BAD_USER_INPUT, `the ${name} in the header and in extensions.${name} disagree`);
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
