import { SignJWT } from 'jose';
import { roleConflict, type Role } from './caller.ts';
import { MAX_TOKEN_LIFETIME_SECONDS } from './token-claims.ts';

export interface TokenRequest { department: string; roles?: Role[]; ttlSeconds?: number; secret: string }

/**
 * An HS256 department token (`npm run token`, the playground's dev sign-in, tests), signed with the
 * key the gateway verifies with: `GOVSHARE_JWT_SECRET` or the one the embedded mode generated.
 */
export async function issueDevToken({ department, roles = ['consumer'], ttlSeconds = 3600, secret }: TokenRequest): Promise<string> {
  if (!secret) throw new Error('issueDevToken needs the HS256 key: there is no default key');
  if (ttlSeconds > MAX_TOKEN_LIFETIME_SECONDS) throw new Error('a token lives 24 h at most');
  // The gateway would refuse it: better said when it is asked for.
  const conflict = roleConflict(roles);
  if (conflict) throw new Error(conflict);
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ roles })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(department)
    .setIssuedAt(now)
    .setExpirationTime(now + ttlSeconds)
    .sign(new TextEncoder().encode(secret));
}

/** `90s`, `15m`, `1h`, `7d` or plain seconds. */
export function parseTtl(text: string): number {
  const match = text.trim().match(/^(\d+)\s*([smhd]?)$/);
  if (!match) throw new Error(`--ttl takes a duration like 90s, 15m, 1h or 7d, not "${text}"`);
  const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[match[2] as '' | 's' | 'm' | 'h' | 'd'];
  return Number(match[1]) * unit;
}
