// Turns vocabulary plus a random stream into the strings records carry.

import {
  ADDRESS_PREFIX, FEMALE_GIVEN, MALE_GIVEN, MOBILE_PREFIXES, SURNAMES, type District,
} from './names.ts';
import type { Rng } from './random.ts';
import type { Gender } from './types.ts';

export function personName(rng: Rng, gender: Gender): string {
  const surname = rng.pickWeighted(SURNAMES);
  const pool = gender === 'MALE' ? MALE_GIVEN : FEMALE_GIVEN;
  // Single-character given names are common with single surnames, rare with compound ones.
  const length = surname.length === 1 && rng.chance(0.3) ? 1 : 2;
  let given = rng.pick(pool);
  if (length === 2) given += rng.pick(pool);
  return surname + given;
}

export function mobileNumber(rng: Rng): string {
  return rng.pick(MOBILE_PREFIXES) + rng.digits(8);
}

/** 湖南省长沙市<district><road><n>号 */
export function streetAddress(rng: Rng, district: District): string {
  return `${ADDRESS_PREFIX}${district.name}${rng.pick(district.roads)}${rng.between(1, 399)}号`;
}

export function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}
