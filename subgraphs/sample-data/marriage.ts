// Who is married to whom. Generated persons 2k and 2k+1 form a candidate couple (their genders
// are opposite by construction); the couple's own random stream decides whether and when they
// married and divorced. Both spouses' records, and every data set that cares (population's
// maritalStatus, housing's co-owners, civil-affairs' registrations), read this one decision.

import type { Context } from './context.ts';
import { addYears, REFERENCE_DAY } from './dates.ts';
import { personIdentity, type PersonIdentity } from './person-identity.ts';
import { Rng } from './random.ts';
import { TAG } from './tags.ts';
import type { MaritalStatus } from './types.ts';

const YEAR = 365;
/** Legal minimum ages (婚姻法): 22 for men, 20 for women. */
const MALE_MIN_AGE = 22;
const FEMALE_MIN_AGE = 20;
const MAX_AGE_GAP_DAYS = 30 * 365;
const MARRY_PROBABILITY = 0.88;
const DIVORCE_PROBABILITY = 0.16;
const WIDOWED_MIN_AGE = 60;
const WIDOWED_PROBABILITY = 0.3;

export interface Union {
  husband: PersonIdentity;
  wife: PersonIdentity;
  /** day numbers */
  marriedOn: number;
  divorcedOn: number | null;
}

/** The union of candidate couple k (persons 2k and 2k+1), or null if they never married. */
export function unionOfPair(ctx: Context, k: number): Union | null {
  if (2 * k + 1 >= ctx.persons) return null;
  const a = personIdentity(ctx, 2 * k);
  const b = personIdentity(ctx, 2 * k + 1);
  const [husband, wife] = a.gender === 'MALE' ? [a, b] : [b, a];
  if (Math.abs(a.birthDay - b.birthDay) > MAX_AGE_GAP_DAYS) return null;
  const earliest = Math.max(addYears(husband.birthDay, MALE_MIN_AGE), addYears(wife.birthDay, FEMALE_MIN_AGE));
  // Leave at least a year before "today" so a divorce, if drawn, can follow the wedding.
  const latest = REFERENCE_DAY - YEAR;
  if (earliest > latest) return null;
  const rng = new Rng(ctx.seed, TAG.marriage, k);
  if (!rng.chance(MARRY_PROBABILITY)) return null;
  // Most couples marry within a dozen years of reaching the legal age.
  const marriedOn = earliest + rng.int(Math.min(latest - earliest, 12 * YEAR) + 1);
  let divorcedOn: number | null = null;
  if (rng.chance(DIVORCE_PROBABILITY)) {
    const from = marriedOn + YEAR;
    divorcedOn = from + rng.int(REFERENCE_DAY - from + 1);
  }
  return { husband, wife, marriedOn, divorcedOn };
}

export interface Partnership {
  union: Union;
  self: PersonIdentity;
  spouse: PersonIdentity;
}

export function partnershipOf(ctx: Context, index: number): Partnership | null {
  const union = unionOfPair(ctx, Math.floor(index / 2));
  if (!union) return null;
  const selfIsHusband = union.husband.index === index;
  return { union, self: selfIsHusband ? union.husband : union.wife, spouse: selfIsHusband ? union.wife : union.husband };
}

/**
 * Consistent with the registrations: MARRIED ↔ last event MARRIAGE, DIVORCED ↔ last event
 * DIVORCE. Some older persons who never married in this sample are WIDOWED without registrations
 * (their spouse is outside the sample).
 */
export function maritalStatusOf(ctx: Context, index: number, identity?: PersonIdentity): MaritalStatus {
  const p = partnershipOf(ctx, index);
  if (p) return p.union.divorcedOn === null ? 'MARRIED' : 'DIVORCED';
  const self = identity ?? personIdentity(ctx, index);
  if (addYears(self.birthDay, WIDOWED_MIN_AGE) <= REFERENCE_DAY && new Rng(ctx.seed, TAG.widow, index).chance(WIDOWED_PROBABILITY)) {
    return 'WIDOWED';
  }
  return 'UNMARRIED';
}

/** The person's spouse today, or null. */
export function currentSpouseOf(ctx: Context, index: number): Partnership | null {
  const p = partnershipOf(ctx, index);
  return p && p.union.divorcedOn === null ? p : null;
}
