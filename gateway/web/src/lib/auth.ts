import { useSyncExternalStore } from 'react';

/**
 * The page holds the department's token (sessionStorage: gone when the tab closes) and sends it on
 * every /graphql request, exactly as any other client would. Two ways in: the dev-only token
 * endpoint (absent with production keys) or a pasted token.
 */
export interface Session {
  token: string;
  department: string;
  departmentName?: string;
  roles: string[];
  /** Seconds since the epoch. */
  exp: number;
  source: 'dev' | 'pasted';
}

export interface DevTokenInfo {
  departments: Array<{ code: string; name: string }>;
  roles: string[];
  ttlSeconds: number;
}

const KEY = 'govshare.session';
export const DEV_TOKEN_URL = '/playground/dev-token';

export interface TokenClaims { sub: string; roles: string[]; exp: number }

/** Reads a JWT's claims without checking its signature (the gateway does that). */
export function decodeToken(token: string): TokenClaims | null {
  const parts = token.trim().split('.');
  if (parts.length !== 3 || !parts[1]) return null;
  try {
    const base64 = parts[1].replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(parts[1].length / 4) * 4, '=');
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    const claims = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
    if (typeof claims.sub !== 'string') return null;
    return {
      sub: claims.sub,
      roles: Array.isArray(claims.roles) ? claims.roles.filter((r): r is string => typeof r === 'string') : [],
      exp: typeof claims.exp === 'number' ? claims.exp : 0,
    };
  } catch {
    return null;
  }
}

function load(): Session | null {
  try {
    const text = sessionStorage.getItem(KEY);
    if (!text) return null;
    const session = JSON.parse(text) as Session;
    return typeof session.token === 'string' ? session : null;
  } catch {
    return null;
  }
}

let current: Session | null = load();
const listeners = new Set<() => void>();

export function getSession(): Session | null { return current; }

export function setSession(session: Session | null): void {
  current = session;
  try {
    if (session) sessionStorage.setItem(KEY, JSON.stringify(session));
    else sessionStorage.removeItem(KEY);
  } catch { /* storage disabled: the session lives as long as the page */ }
  for (const listener of listeners) listener();
}

export function isExpired(session: Session, now = Date.now()): boolean {
  return session.exp > 0 && session.exp * 1000 <= now;
}

export function useSession(): Session | null {
  return useSyncExternalStore((cb) => { listeners.add(cb); return () => listeners.delete(cb); }, getSession);
}

/** The dev sign-in's department list, or null when the gateway has no dev-token endpoint (production keys). */
export async function fetchDevTokenInfo(): Promise<DevTokenInfo | null> {
  // The gateway marks the page when it offers dev tokens; otherwise nothing is asked.
  const url = document.querySelector<HTMLMetaElement>('meta[name="govshare-dev-sign-in"]')?.content;
  if (!url) return null;
  try {
    const response = await fetch(url, { headers: { accept: 'application/json' } });
    if (!response.ok) return null;
    return await response.json() as DevTokenInfo;
  } catch {
    return null;
  }
}

export async function requestDevToken(department: string, roles: string[]): Promise<Session> {
  const url = document.querySelector<HTMLMetaElement>('meta[name="govshare-dev-sign-in"]')?.content ?? DEV_TOKEN_URL;
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ department, roles }),
  });
  const body = await response.json().catch(() => ({})) as { token?: string; error?: string; message?: string };
  if (!response.ok || !body.token) throw new Error(body.message ?? body.error ?? `HTTP ${response.status}`);
  return sessionFromToken(body.token, 'dev');
}

export function sessionFromToken(token: string, source: Session['source']): Session {
  const clean = token.trim().replace(/^Bearer\s+/i, '');
  const claims = decodeToken(clean);
  if (!claims) throw new Error('not a JWT');
  return { token: clean, department: claims.sub, roles: claims.roles, exp: claims.exp, source };
}
