import { calculateJwkThumbprint, type JSONWebKeySet, type JWK } from 'jose';
import type { Sql } from '../../subgraphs/kit/sql.ts';

/** The members a public signing key of the gateway has (Ed25519 or P-256); anything else in a row is refused. */
const PUBLIC_MEMBERS = new Set(['kty', 'crv', 'x', 'y', 'kid', 'alg', 'use']);

/**
 * Inside the transaction that stores a signature made with `jwk`: enters the key in `govshare.audit_keys`
 * the first time, and moves its `last_used` afterwards. `mac` is the row's MAC (gateway/audit/audit-key-mac.ts),
 * made by the gateway that holds the key: it replaces whatever MAC the row had.
 */
export async function recordAuditKey(tx: Sql, jwk: JWK, at: string, mac: string): Promise<void> {
  await tx.query(`INSERT INTO govshare.audit_keys (kid, jwk, first_used, last_used, mac) VALUES ($1, $2::text::jsonb, $3, $3, $4)
    ON CONFLICT (kid) DO UPDATE SET last_used = greatest(govshare.audit_keys.last_used, excluded.last_used), mac = excluded.mac`,
  [jwk.kid, JSON.stringify(publicMembers(jwk)), at, mac]);
}

/**
 * The key history as a JWKS (oldest first), each key with `first_used`, `last_used` and its row's `mac`. A row
 * whose kid is not the RFC 7638 thumbprint of its key, or that holds anything but a public Ed25519 / P-256
 * key, is left out: whoever can write the table cannot name an existing kid with a key of their own. Whether
 * the MAC holds is for the reader with the audit key to check (AuditKeyMac.trusted): a key of their own under
 * a new kid carries none that does.
 */
export async function readAuditKeys(db: Sql): Promise<JSONWebKeySet> {
  const rows = await db.query<{ kid: string; jwk: JWK; first_used: string; last_used: string; mac: string | null }>(
    'SELECT kid, jwk, first_used, last_used, mac FROM govshare.audit_keys ORDER BY first_used, kid');
  const keys: JWK[] = [];
  for (const row of rows) {
    if (!(await trustworthy(row.kid, row.jwk))) continue;
    keys.push({ ...publicMembers(row.jwk), kid: row.kid, first_used: row.first_used, last_used: row.last_used, mac: row.mac } as JWK);
  }
  return { keys };
}

async function trustworthy(kid: string, jwk: JWK): Promise<boolean> {
  if (!jwk || typeof jwk !== 'object' || Object.keys(jwk).some((member) => !PUBLIC_MEMBERS.has(member))) return false;
  const okp = jwk.kty === 'OKP' && jwk.crv === 'Ed25519' && jwk.alg === 'EdDSA';
  const ec = jwk.kty === 'EC' && jwk.crv === 'P-256' && jwk.alg === 'ES256';
  if (!okp && !ec) return false;
  try {
    return (await calculateJwkThumbprint(jwk)) === kid && (jwk.kid === undefined || jwk.kid === kid);
  } catch {
    return false;
  }
}

/** The members of a public signing key a row keeps (and its MAC covers, gateway/audit/audit-key-mac.ts). */
export function publicMembers(jwk: JWK): JWK {
  return Object.fromEntries(Object.entries(jwk).filter(([member]) => PUBLIC_MEMBERS.has(member))) as JWK;
}
