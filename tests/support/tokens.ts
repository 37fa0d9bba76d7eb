import { SignJWT, type JWTPayload } from 'jose';
import { issueDevToken } from '../../gateway/identity/token-issuer.ts';
import type { Role } from '../../gateway/identity/caller.ts';
import { testJwtSecret } from './keys.ts';

/** A department token signed with the test run's key (`testJwtSecret`), as `npm run token` makes one. */
export function testToken(department: string, options: { roles?: Role[]; ttlSeconds?: number } = {}): Promise<string> {
  return issueDevToken({ department, roles: options.roles ?? ['consumer'], secret: testJwtSecret(), ...(options.ttlSeconds ? { ttlSeconds: options.ttlSeconds } : {}) });
}

/** Headers of a department's request, with the purpose percent-encoded as the contract asks. */
export async function as(department: string, options: { roles?: Role[]; purpose?: string; operator?: string } = {}): Promise<Record<string, string>> {
  const headers: Record<string, string> = {
    authorization: `Bearer ${await testToken(department, options.roles ? { roles: options.roles } : {})}`,
  };
  if (options.purpose !== undefined) headers['x-share-purpose'] = encodeURIComponent(options.purpose);
  if (options.operator !== undefined) headers['x-share-operator'] = encodeURIComponent(options.operator);
  return headers;
}

/** A token with exactly these claims (nothing added), signed with the test run's JWT key: for attack tests. */
export async function tokenWith(claims: JWTPayload & Record<string, unknown>, secret = testJwtSecret()): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(new TextEncoder().encode(secret));
}
