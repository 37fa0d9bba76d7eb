import { createHash } from 'node:crypto';
import type { ClaimSealing } from './wire.ts';

/**
 * The digest the gateway records of a sealed batch (its audit record's `detail`): hex SHA-256 of
 * `enc`, then each sealed claim, each followed by a line feed, in UTF-8. Whoever holds the request
 * (the consumer, keeping its own copy) recomputes it to show which batch the record is of; it says
 * nothing about the claims.
 */
export function sealedBatchDigest(sealing: Pick<ClaimSealing, 'enc'>, sealedClaims: readonly string[]): string {
  const hash = createHash('sha256').update(sealing.enc).update('\n');
  for (const c of sealedClaims) hash.update(c).update('\n');
  return hash.digest('hex');
}
