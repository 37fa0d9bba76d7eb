import type { Sql } from '../kit/index.ts';
import { checkClaimCount, claimKeys } from '../kit/compare-normalize.ts';

export interface OwnershipClaim { idNumber: string }
export interface OwnershipVerification { index: number; ownsProperty: boolean; propertyCount: number }

/**
 * `Query.verifyPropertyOwnership`: whether each person is a right holder of registered property
 * and of how many, without revealing which (rules in kit/compare-normalize.ts). A co-owned
 * property counts for each of its owners. One SQL statement per batch.
 *
 * A claim states nothing but the person's key, so the kit's claim limit has nothing to count: every
 * result carries `limited: false` (kit/compare-guard.ts). The answer is what the grant covers, and an
 * unknown ID number answers like a person without property (`0`), so it tells no one who exists.
 */
export async function verifyPropertyOwnership(sql: Sql, claims: readonly OwnershipClaim[]): Promise<OwnershipVerification[]> {
  checkClaimCount('verifyPropertyOwnership', claims);
  if (claims.length === 0) return [];
  const { keys, distinct } = claimKeys(claims, (c) => c.idNumber);
  const rows = await sql.query<{ idNumber: string; properties: number }>(
    `SELECT id_number AS "idNumber", count(DISTINCT certificate_number)::int AS properties
       FROM housing.property_owner WHERE id_number = ANY(ARRAY(SELECT unnest($1::text[])))
      GROUP BY id_number`, [distinct]);
  const counts = new Map<string, number>();
  for (const row of rows) counts.set(row.idNumber, Number(row.properties));
  return claims.map((_, index) => {
    const propertyCount = counts.get(keys[index]!) ?? 0;
    return { index, ownsProperty: propertyCount > 0, propertyCount };
  });
}
