/**
 * Comparison rules for `@compare` fields (数据不落地: the provider compares, the consumer gets
 * match flags only). Every provider that writes a comparison normalises with these functions, so a
 * claim matches the same way whichever register it is compared with.
 *
 * Matching rules
 * - One request carries at most 10,000 claims (`MAX_CLAIMS`); more is `BAD_USER_INPUT` naming
 *   the limit. An empty list answers `[]`. Results come in claim order, each with `index`,
 *   its 0-based position in the input.
 * - Record keys — ID numbers (居民身份证号码) and unified social credit codes (USCC): trimmed,
 *   NFKC-normalised (full-width digits and letters become half-width) and upper-cased (the check
 *   character `x` becomes `X`). `４３０１０２１９８５０３１２１２３ｘ` finds `43010219850312123X`;
 *   a blank key finds nothing.
 * - Names: trimmed and NFKC-normalised; otherwise exact (no case folding, inner spaces count).
 * - Dates are compared as calendar dates. Accepted claim forms (after trimming and NFKC, so
 *   full-width digits work): `YYYY-MM-DD`, `YYYY/MM/DD`, `YYYYMMDD` and `YYYY年M月D日` (month and
 *   day may have one or two digits in every form but `YYYYMMDD`). A claimed date that does not
 *   parse, or names no real day (`1985-02-30`), is simply a mismatch (`false`), never an error.
 * - Addresses: NFKC-normalised, then every whitespace and punctuation character (ASCII punctuation
 *   and Unicode punctuation, which covers CJK marks like `，。、（）《》【】·`) removed; otherwise exact.
 * - A claim field left out (`null`, absent, or blank after trimming) is not compared: its flag is
 *   `null`, never `false`. A stated field the register holds no value for is `false`.
 * - A claim whose record is not in the register: `found: false` and every match flag `null`
 *   (nothing about an unknown key is guessed).
 * - The sample comparisons (CONTRACT §5):
 *   - `verifyPersons` → `{ index, found, nameMatches, birthDateMatches, addressMatches }`: `found` is
 *     the ID number being in the population register; the flags compare the claimed `name`,
 *     `birthDate` and `householdAddress` by the rules above.
 *   - `verifyEnterprises` → `{ index, found, nameMatches, legalRepresentativeMatches, active }`:
 *     `found` is the USCC being in the legal-entity register; `legalRepresentativeMatches` compares
 *     the normalised ID number of the legal representative; `active` is status `ACTIVE` (`false`
 *     for `REVOKED` and `CANCELLED`, `null` when not found; it needs no claimed value).
 *   - `verifyPropertyOwnership` → `{ index, ownsProperty, propertyCount }`: `propertyCount` is the
 *     number of registered properties the person is a right holder of (a co-owned property counts
 *     for each of its owners; `0` for none and for an ID number the register does not know),
 *     `ownsProperty` is `propertyCount > 0`. Which properties, and where, never leaves the provider.
 * - No oracle (CONTRACT §5 v1.1): the kit, not the provider, limits every `@compare` field
 *   (kit/compare-guard.ts, kit/claim-limits.ts). Per (consumer, subject, claimed field) at most 3
 *   distinct claimed values are answered within 30 days; a claim past that gets `limited: true` and its
 *   value is withheld from the comparison, so the flags that depend on it are `null` while `found` and
 *   flags needing no claimed value still answer. Values count after the normalisation the comparison
 *   uses (a provider names it per claim field in `SubgraphDefinition.claims`; without a rule a value
 *   counts by its exact text): `张伟`, ` 张伟 ` and `张伟　` are one value, and `1985/3/12` is
 *   `1985-03-12`, so variants neither buy tries nor cost them. Within one batch values count in claim
 *   order (five names for one person: the first three are answered). A claim that states only the key
 *   (`verifyPropertyOwnership`) has nothing to limit and answers `limited: false`. A comparison needs
 *   the calling department of the gateway signature (`FORBIDDEN` without one).
 * - Each comparison field reads its whole batch with ONE SQL statement, the distinct normalised keys
 *   sent as one array parameter; values are never interpolated into SQL. The statement says
 *   `key = ANY(ARRAY(SELECT unnest($1::text[])))` rather than `key = ANY($1)`: with the array
 *   behind an InitPlan the planner probes the key's index whatever the table's statistics, where
 *   with a 10,000-element literal it may scan the whole table (measured on 1,000,000 persons: a
 *   parallel sequential scan, about 2× slower).
 */
import { badUserInput } from '../../protocol/errors.ts';

/** Most claims one comparison request may carry. */
export const MAX_CLAIMS = 10_000;

/** Refuses a batch over `MAX_CLAIMS` with `BAD_USER_INPUT` naming the limit. */
export function checkClaimCount(field: string, claims: readonly unknown[]): void {
  if (claims.length > MAX_CLAIMS) {
    const limit = MAX_CLAIMS.toLocaleString('en-US');
    throw badUserInput(`${field} takes at most ${limit} claims per request, got ${claims.length.toLocaleString('en-US')}: send them in batches of ${limit} or fewer`);
  }
}

/** A stated claim value: `null` when the claim leaves the field out (null, absent or blank). */
function stated(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed;
}

/** ID numbers and USCCs: trim, NFKC (full-width → half-width), upper case. `''` for a blank key. */
export function normalizeIdentifier(value: string | null | undefined): string {
  return (stated(value) ?? '').normalize('NFKC').trim().toUpperCase();
}

/** Names: trim and NFKC. */
export function normalizeName(value: string): string {
  return value.normalize('NFKC').trim();
}

// Addresses drop whitespace, Unicode punctuation (\p{P}: CJK marks included) and the ASCII
// punctuation that Unicode files under symbols (+ < = > | ~ $ ^ `).
const ADDRESS_NOISE = /[\s\p{P}!-/:-@[-`{-~]/gu;

/** Addresses: NFKC, then whitespace and punctuation removed. */
export function normalizeAddress(value: string): string {
  return value.normalize('NFKC').replace(ADDRESS_NOISE, '');
}

const DATE_FORMS = [
  /^(\d{4})-(\d{1,2})-(\d{1,2})$/,
  /^(\d{4})\/(\d{1,2})\/(\d{1,2})$/,
  /^(\d{4})(\d{2})(\d{2})$/,
  /^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日$/,
];

/** A date in one of the accepted forms as `YYYY-MM-DD`, or `null` when it does not parse or names no real day. */
export function normalizeDate(value: string): string | null {
  const text = value.normalize('NFKC').trim();
  for (const form of DATE_FORMS) {
    const match = form.exec(text);
    if (!match) continue;
    const year = Number(match[1]);
    const month = Number(match[2]);
    const day = Number(match[3]);
    if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
    return `${match[1]}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
  }
  return null;
}

function daysInMonth(year: number, month: number): number {
  return month === 2 ? (year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28)
    : [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** How one kind of value is normalised before it is compared. */
export type Normalizer = (value: string) => string | null;

/**
 * One match flag: `null` when the claim leaves the field out, `false` when the register has no
 * value or the claimed value does not normalise (an unparseable date), else equality of the
 * normalised forms. Stored values go through the same normaliser.
 */
export function matchFlag(claimed: string | null | undefined, stored: string | null | undefined, normalize: Normalizer): boolean | null {
  const value = stated(claimed);
  if (value === null) return null;
  if (stored === null || stored === undefined) return false;
  // The common case, and cheap: a claim written exactly as the register holds it. Registers hold
  // valid values (a DATE column is always a parseable date), so equal text is a match.
  if (value === stored) return true;
  const left = normalize(value);
  return left !== null && left === normalize(String(stored));
}

export const matchIdentifier = (claimed: string | null | undefined, stored: string | null | undefined): boolean | null =>
  matchFlag(claimed, stored, normalizeIdentifier);
export const matchName = (claimed: string | null | undefined, stored: string | null | undefined): boolean | null =>
  matchFlag(claimed, stored, normalizeName);
export const matchDate = (claimed: string | null | undefined, stored: string | null | undefined): boolean | null =>
  matchFlag(claimed, stored, normalizeDate);
export const matchAddress = (claimed: string | null | undefined, stored: string | null | undefined): boolean | null =>
  matchFlag(claimed, stored, normalizeAddress);

/**
 * The distinct normalised keys of a batch, for the statement's one array parameter, and each claim's key
 * in claim order. Blank keys are left out of the query (they match nothing).
 */
export function claimKeys<C>(claims: readonly C[], keyOf: (claim: C) => string | null | undefined): { keys: string[]; distinct: string[] } {
  const keys = claims.map((claim) => normalizeIdentifier(keyOf(claim)));
  const distinct = [...new Set(keys)].filter((k) => k !== '');
  return { keys, distinct };
}
