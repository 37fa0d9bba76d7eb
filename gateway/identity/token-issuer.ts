import { SignJWT } from 'jose';
import { DEV_JWT_SECRET } from './token-verifier.ts';
import type { Role } from './caller.ts';

export interface TokenRequest { department: string; roles?: Role[]; ttlSeconds?: number; secret?: string }

/** An HS256 token as the dev/test key source accepts it (`npm run token`, the playground's dev sign-in). */
export async function issueDevToken({ department, roles = ['consumer'], ttlSeconds = 3600, secret }: TokenRequest): Promise<string> {
  return new SignJWT({ roles })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(department)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
    .sign(new TextEncoder().encode(secret ?? DEV_JWT_SECRET));
}

/** `90s`, `15m`, `1h`, `7d` or plain seconds. */
export function parseTtl(text: string): number {
  const match = text.trim().match(/^(\d+)\s*([smhd]?)$/);
  if (!match) throw new Error(`--ttl takes a duration like 90s, 15m, 1h or 7d, not "${text}"`);
  const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[match[2] as '' | 's' | 'm' | 'h' | 'd'];
  return Number(match[1]) * unit;
}
