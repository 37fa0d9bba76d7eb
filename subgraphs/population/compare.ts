import type { ClaimRule, Sql } from '../kit/index.ts';
import {
  checkClaimCount, claimKeys, matchAddress, matchDate, matchName, normalizeAddress, normalizeDate, normalizeName,
} from '../kit/compare-normalize.ts';

export interface PersonClaim { idNumber: string; name?: string | null; birthDate?: string | null; householdAddress?: string | null }
/**
 * How the kit counts what a claim states (CONTRACT §5: 3 distinct values per consumer, person and field
 * in 30 days): with the normaliser each flag below compares with, on the register field compared.
 */
export const PERSON_CLAIM_RULES: Readonly<Record<string, ClaimRule>> = {
  'PersonClaim.name': { compares: 'Person.name', normalize: normalizeName },
  'PersonClaim.birthDate': { compares: 'Person.birthDate', normalize: normalizeDate },
  'PersonClaim.householdAddress': { compares: 'Person.householdAddress', normalize: normalizeAddress },
};

/** What the comparison answers; the kit adds `limited` and withholds values past the allowance (kit/compare-guard.ts). */
export interface PersonVerification {
  index: number; found: boolean; nameMatches: boolean | null; birthDateMatches: boolean | null; addressMatches: boolean | null;
}

interface Row { idNumber: string; name: string; birthDate: string; householdAddress: string | null }

/** The one statement of a batch: `$1` is the distinct normalised ID numbers. */
export const VERIFY_PERSONS_SQL = `SELECT id_number AS "idNumber", name, birth_date AS "birthDate", household_address AS "householdAddress"
  FROM population.person WHERE id_number = ANY(ARRAY(SELECT unnest($1::text[])))`;

/**
 * `Query.verifyPersons`: compares each claim with the population register inside the provider and
 * returns match flags only (rules in kit/compare-normalize.ts). One SQL statement per batch.
 */
export async function verifyPersons(sql: Sql, claims: readonly PersonClaim[]): Promise<PersonVerification[]> {
  checkClaimCount('verifyPersons', claims);
  if (claims.length === 0) return [];
  const { keys, distinct } = claimKeys(claims, (c) => c.idNumber);
  const rows = await sql.query<Row>(VERIFY_PERSONS_SQL, [distinct]);
  const byId = new Map<string, Row>();
  for (const row of rows) byId.set(row.idNumber, row);
  return claims.map((claim, index) => {
    const row = byId.get(keys[index]!);
    if (!row) return { index, found: false, nameMatches: null, birthDateMatches: null, addressMatches: null };
    return {
      index,
      found: true,
      nameMatches: matchName(claim.name, row.name),
      birthDateMatches: matchDate(claim.birthDate, row.birthDate),
      addressMatches: matchAddress(claim.householdAddress, row.householdAddress),
    };
  });
}
