// housing (住房和城乡建设局): 房产房屋 — one property for about a third of generated persons,
// half of the married owners' properties registered jointly with their spouse.

import { pad } from './compose.ts';
import { contextFor, type Context } from './context.ts';
import { addYears, REFERENCE_DAY, yearOf } from './dates.ts';
import { fixtureProperties } from './fixtures.ts';
import { currentSpouseOf } from './marriage.ts';
import { ADDRESS_PREFIX, DISTRICTS } from './names.ts';
import { personIdentity } from './person-identity.ts';
import { Rng, weighted } from './random.ts';
import { TAG } from './tags.ts';
import type { PropertyRow, SampleOptions } from './types.ts';

const OWNER_SHARE = 0.355;
const JOINT_SHARE = 0.6;
const MORTGAGED_SHARE = 0.4;
/** Unified real-estate certificates (不动产权证书) exist since 2015. */
const CERTIFICATE_FIRST_YEAR = 2015;
/** Generated certificate serials start here, far above the fixtures' 0000001, 0000002. */
const SERIAL_BASE = 1_000_000;

const USAGES = weighted<string>([['住宅', 85], ['商业', 8], ['办公', 7]]);

export function certificateNumber(year: number, index: number): string {
  return `湘(${year})长沙市不动产权第${pad(SERIAL_BASE + index, 7)}号`;
}

export function propertyOf(ctx: Context, index: number): PropertyRow | null {
  const rng = new Rng(ctx.seed, TAG.property, index);
  if (!rng.chance(OWNER_SHARE)) return null;
  const self = personIdentity(ctx, index);
  const adultDay = addYears(self.birthDay, 18);
  if (adultDay > REFERENCE_DAY) return null;

  const owners = [self.idNumber];
  let firstYear = Math.max(CERTIFICATE_FIRST_YEAR, yearOf(adultDay));
  const spouse = currentSpouseOf(ctx, index);
  if (spouse && rng.chance(JOINT_SHARE)) {
    owners.push(spouse.spouse.idNumber);
    firstYear = Math.max(firstYear, yearOf(spouse.union.marriedOn));
  }
  const year = rng.between(firstYear, yearOf(REFERENCE_DAY));

  const usage = rng.pickWeighted(USAGES);
  const district = rng.chance(0.6) ? self.district : rng.pick(DISTRICTS);
  const building = rng.between(1, 30);
  let address = `${ADDRESS_PREFIX}${district.name}${rng.pick(district.roads)}${rng.between(1, 399)}号${building}栋`;
  let area: number;
  if (usage === '住宅') {
    const floor = rng.between(1, 33);
    address += `${floor}${pad(rng.between(1, 8), 2)}室`;
    area = 45 + (rng.float() + rng.float()) * 67.5; // 45–180 m², peaking around 110
  } else if (usage === '商业') {
    address += `1层${rng.between(101, 130)}号商铺`;
    area = 30 + rng.float() * 270;
  } else {
    address += `${rng.between(2, 40)}${pad(rng.between(1, 20), 2)}室`;
    area = 40 + rng.float() * 260;
  }
  return {
    certificateNumber: certificateNumber(year, index),
    address,
    area: Math.round(area * 10) / 10,
    usage,
    mortgaged: rng.chance(MORTGAGED_SHARE),
    owners,
  };
}

export function properties(o: SampleOptions): Generator<PropertyRow> {
  return generate(contextFor(o));
}

function* generate(ctx: Context): Generator<PropertyRow> {
  yield* fixtureProperties();
  for (let i = 0; i < ctx.persons; i++) {
    const p = propertyOf(ctx, i);
    if (p) yield p;
  }
}

