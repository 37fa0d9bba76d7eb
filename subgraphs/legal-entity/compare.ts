import type { ClaimRule, Sql } from '../kit/index.ts';
import { checkClaimCount, claimKeys, matchIdentifier, matchName, normalizeIdentifier, normalizeName } from '../kit/compare-normalize.ts';

export interface EnterpriseClaim { uscc: string; name?: string | null; legalRepresentativeIdNumber?: string | null }
/**
 * How the kit counts what a claim states (CONTRACT §5: 3 distinct values per consumer, enterprise and
 * field in 30 days), with the normaliser each flag compares with. `active` needs no claimed value.
 */
export const ENTERPRISE_CLAIM_RULES: Readonly<Record<string, ClaimRule>> = {
  'EnterpriseClaim.name': { compares: 'Enterprise.name', normalize: normalizeName },
  'EnterpriseClaim.legalRepresentativeIdNumber': { compares: 'Enterprise.legalRepresentative', normalize: normalizeIdentifier },
};

/** What the comparison answers; the kit adds `limited` and withholds values past the allowance (kit/compare-guard.ts). */
export interface EnterpriseVerification {
  index: number; found: boolean; nameMatches: boolean | null; legalRepresentativeMatches: boolean | null; active: boolean | null;
}

interface Row { uscc: string; name: string; status: string; legalRepresentative: string | null }

/**
 * `Query.verifyEnterprises`: compares each claim with the legal-entity register inside the provider
 * and returns match flags only (rules in kit/compare-normalize.ts); `active` is status ACTIVE.
 * One SQL statement per batch.
 */
export async function verifyEnterprises(sql: Sql, claims: readonly EnterpriseClaim[]): Promise<EnterpriseVerification[]> {
  checkClaimCount('verifyEnterprises', claims);
  if (claims.length === 0) return [];
  const { keys, distinct } = claimKeys(claims, (c) => c.uscc);
  const rows = await sql.query<Row>(
    `SELECT uscc, name, status, legal_representative AS "legalRepresentative"
       FROM legal_entity.enterprise WHERE uscc = ANY(ARRAY(SELECT unnest($1::text[])))`, [distinct]);
  const byUscc = new Map<string, Row>();
  for (const row of rows) byUscc.set(row.uscc, row);
  return claims.map((claim, index) => {
    const row = byUscc.get(keys[index]!);
    if (!row) return { index, found: false, nameMatches: null, legalRepresentativeMatches: null, active: null };
    return {
      index,
      found: true,
      nameMatches: matchName(claim.name, row.name),
      legalRepresentativeMatches: matchIdentifier(claim.legalRepresentativeIdNumber, row.legalRepresentative),
      active: row.status === 'ACTIVE',
    };
  });
}
