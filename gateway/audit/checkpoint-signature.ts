import { createHmac, createSecretKey, sign } from 'node:crypto';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet, type JWTPayload } from 'jose';
import type { SigningKey } from '../../protocol/gateway-signature.ts';
import { auditKeyMac } from './audit-key-mac.ts';
import type { AuditCheckpoint, CheckpointPayload, CheckpointTrust } from '../state/audit-checkpoints.ts';

/**
 * The JWS `typ` of a checkpoint (RFC 8725 §3.11, explicit typing): the gateway signs subgraph calls with
 * the same key, and neither kind of signature may pass for the other. Their payloads differ as well: a
 * checkpoint has exactly the four members below, a call signature `iss`, `aud`, `exp`, `bh`…
 */
export const CHECKPOINT_TYPE = 'audit-checkpoint+jwt';
export const CHECKPOINT_ALGORITHMS = ['EdDSA', 'ES256'];
const PAYLOAD_KEYS = ['sequence', 'recordId', 'headHash', 'at'] as const;

/**
 * A compact JWS over `{ sequence, recordId, headHash, at }` with the gateway's key, `kid` in the header:
 * node:crypto on the KeyObject, as the subgraph-call signer does (protocol/gateway-signature.ts).
 */
export function signCheckpoint(key: SigningKey, payload: CheckpointPayload): string {
  const header = Buffer.from(JSON.stringify({ alg: key.alg, kid: key.kid, typ: CHECKPOINT_TYPE })).toString('base64url');
  const { sequence, recordId, headHash, at } = payload;
  const body = Buffer.from(JSON.stringify({ sequence, recordId, headHash, at })).toString('base64url');
  const input = Buffer.from(`${header}.${body}`);
  // ES256 wants the raw R||S form of the signature (JWA §3.4), not DER.
  const signature = key.alg === 'EdDSA' ? sign(null, input, key.privateKey) : sign('sha256', input, { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
  return `${header}.${body}.${signature.toString('base64url')}`;
}

/** Whether `checkpoint.signature` verifies under `keySet` (jose) and signs exactly the checkpoint's own values. */
export async function checkpointSignatureHolds(checkpoint: AuditCheckpoint, keys: ReturnType<typeof createLocalJWKSet>): Promise<boolean> {
  try {
    const { payload } = await jwtVerify(checkpoint.signature, keys, { algorithms: CHECKPOINT_ALGORITHMS, typ: CHECKPOINT_TYPE });
    return signsExactly(payload, checkpoint);
  } catch {
    return false;
  }
}

function signsExactly(payload: JWTPayload, checkpoint: CheckpointPayload): boolean {
  const keys = Object.keys(payload);
  return keys.length === PAYLOAD_KEYS.length && PAYLOAD_KEYS.every((key) => payload[key] === checkpoint[key]);
}

/**
 * What verification trusts, made per check: the audit's key history (every key that signed a checkpoint and
 * whose row's MAC holds, read once per check on first use: not the published JWKS, which a rotation empties
 * of the old key), and the progress row's MAC key, derived from the audit key so that it is used for
 * nothing else.
 */
export function checkpointTrust(keySet: () => Promise<JSONWebKeySet>, auditKey: string): CheckpointTrust {
  let keys: Promise<ReturnType<typeof createLocalJWKSet>> | null = null;
  const macKey = createSecretKey(createHmac('sha256', auditKey).update('govshare audit verification progress').digest());
  // Only keys whose row in the history carries the gateway's MAC: one entered with the database alone signs nothing trusted.
  const history = auditKeyMac(auditKey);
  return {
    verify: async (checkpoint) => checkpointSignatureHolds(checkpoint, await (keys ??= keySet().then((set) => createLocalJWKSet(history.trusted(set))))),
    progressMac: (text) => createHmac('sha256', macKey).update(text).digest('hex'),
  };
}
