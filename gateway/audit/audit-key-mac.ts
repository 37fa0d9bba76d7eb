import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';
import type { JSONWebKeySet, JWK } from 'jose';
import { publicMembers } from '../records/sql-audit-keys.ts';
import { canonicalJson } from '../state/audit-chain.ts';

/**
 * The MAC of a row of the audit's key history (govshare.audit_keys). Its key is derived from the audit key
 * (GOVSHARE_AUDIT_KEY) and used for nothing else, like the verification progress row's: a key entered by
 * anyone who can write the database but not the gateway's secrets carries no valid MAC, so checkpoints
 * signed with it are not trusted, and GET /audit/keys does not offer it.
 */
export interface AuditKeyMac {
  /** The MAC of a public JWK (its public members and kid, canonical JSON), hex. */
  of(jwk: JWK): string;
  /** The key history with every key whose MAC does not hold left out, and the MACs themselves taken off. */
  trusted(history: JSONWebKeySet): JSONWebKeySet;
}

export function auditKeyMac(auditKey: string): AuditKeyMac {
  const key: KeyObject = createSecretKey(createHmac('sha256', auditKey).update('govshare audit key history').digest());
  const of = (jwk: JWK) => createHmac('sha256', key).update(canonicalJson(publicMembers(jwk))).digest('hex');
  return {
    of,
    trusted(history) {
      return {
        keys: history.keys.flatMap((jwk) => {
          const { mac, ...rest } = jwk as JWK & { mac?: unknown };
          return typeof mac === 'string' && sameHex(mac, of(rest)) ? [rest] : [];
        }),
      };
    },
  };
}

function sameHex(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
}
