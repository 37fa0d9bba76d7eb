// The identity part of a generated person (ID number, gender, birth date, district), computed
// from the index alone so every data set can name a person without generating the others.

import type { Context } from './types.ts';
import { compactDay, daysFromCivil, formatDay } from './dates.ts';
import { DISTRICTS, type District } from './names.ts';
import { hashWords } from './random.ts';
import { idNumberCheckChar } from './ids.ts';
import { TAG } from './tags.ts';
import type { Gender } from './types.ts';

export const BIRTH_FIRST_DAY = daysFromCivil(1940, 1, 1);
export const BIRTH_LAST_DAY = daysFromCivil(2008, 12, 31);
const BIRTH_DAYS = BIRTH_LAST_DAY - BIRTH_FIRST_DAY + 1;
/** The 3-digit sequence code is 2·half + gender bit, so its parity is the gender. */
const SEQUENCE_HALVES = 500;

/**
 * One slot per (birth date, district, sequence half). A slot, together with the gender bit,
 * spells a distinct ID number; distinct slots give distinct ID numbers whatever the gender.
 */
export const PERSON_SLOT_SPACE = BIRTH_DAYS * DISTRICTS.length * SEQUENCE_HALVES;

export interface PersonIdentity {
  index: number;
  idNumber: string;
  gender: Gender;
  /** day number, see dates.ts */
  birthDay: number;
  birthDate: string;
  district: District;
}

/**
 * Genders are drawn per pair (2k, 2k+1) and are opposite within a pair: the marriage generator
 * pairs exactly these persons, and overall the split stays 50/50.
 */
export function genderBit(ctx: Context, index: number): number {
  const pairBit = hashWords(ctx.seed.lo, ctx.seed.hi, TAG.gender, Math.floor(index / 2)) & 1;
  return index % 2 === 0 ? pairBit : 1 - pairBit;
}

export function personIdentity(ctx: Context, index: number): PersonIdentity {
  const slot = ctx.personSlots.apply(index);
  const day = slot % BIRTH_DAYS;
  const rest = Math.floor(slot / BIRTH_DAYS);
  const district = DISTRICTS[rest % DISTRICTS.length] as District;
  const half = Math.floor(rest / DISTRICTS.length);
  const g = genderBit(ctx, index);
  const birthDay = BIRTH_FIRST_DAY + day;
  const first17 = `${district.code}${compactDay(birthDay)}${String(2 * half + g).padStart(3, '0')}`;
  return {
    index,
    idNumber: first17 + idNumberCheckChar(first17),
    gender: g === 1 ? 'MALE' : 'FEMALE',
    birthDay,
    birthDate: formatDay(birthDay),
    district,
  };
}

/** The slot an existing ID number occupies, or null when no generated person could have it. */
export function slotOfIdNumber(id: string): number | null {
  const m = /^(\d{6})(\d{4})(\d{2})(\d{2})(\d{3})[\dX]$/.exec(id);
  if (!m) return null;
  const area = DISTRICTS.findIndex((d) => d.code === m[1]);
  if (area < 0) return null;
  const day = daysFromCivil(Number(m[2]), Number(m[3]), Number(m[4])) - BIRTH_FIRST_DAY;
  if (day < 0 || day >= BIRTH_DAYS || formatDay(BIRTH_FIRST_DAY + day) !== `${m[2]}-${m[3]}-${m[4]}`) return null;
  const half = Math.floor(Number(m[5]) / 2);
  return day + BIRTH_DAYS * (area + DISTRICTS.length * half);
}
