// legal-entity (市场监督管理局): 法人单位基础信息.

import { mobileNumber, streetAddress } from './compose.ts';
import { contextFor, type Context } from './context.ts';
import { addYears, daysFromCivil, formatDay, REFERENCE_DAY } from './dates.ts';
import { fixtureEnterprises } from './fixtures.ts';
import { buildUscc } from './ids.ts';
import {
  CITY_AREA_CODE, DISTRICTS, INDUSTRIES, PUBLIC_INSTITUTION_TOPICS, TRADE_WORDS, type District,
} from './names.ts';
import { personIdentity } from './person-identity.ts';
import { Rng, weighted } from './random.ts';
import { TAG } from './tags.ts';
import type { EnterpriseRow, EnterpriseStatus, SampleOptions } from './types.ts';
import { orgBodyForSlot } from './uscc-slots.ts';

const PUBLIC_INSTITUTION_SHARE = 0.04;
const CITY_LEVEL_SHARE = 0.25;
/** Since the October 2015 reform new registrations get "MA…" organization codes. */
const USCC_REFORM_DAY = daysFromCivil(2015, 10, 1);
const COMPANY_FIRST_DAY = daysFromCivil(1995, 1, 1);
const INSTITUTION_FIRST_DAY = daysFromCivil(1950, 1, 1);
const INSTITUTION_LAST_DAY = daysFromCivil(2015, 12, 31);

const STATUSES = weighted<EnterpriseStatus>([['ACTIVE', 86], ['REVOKED', 5], ['CANCELLED', 9]]);
const COMPANY_KINDS = weighted<readonly [string, string]>([
  [['有限责任公司', '有限公司'], 72],
  [['有限责任公司（自然人独资）', '有限公司'], 14],
  [['股份有限公司', '股份有限公司'], 8],
  [['有限责任公司（国有独资）', '有限公司'], 2],
  [['有限责任公司（外商投资、非独资）', '有限公司'], 4],
]);
const CAPITALS = weighted<number>([
  [10, 8], [30, 10], [50, 14], [100, 20], [200, 12], [300, 8], [500, 10], [1000, 9], [2000, 4], [5000, 3], [10000, 2],
]);

export interface GeneratedEnterprise {
  index: number;
  row: EnterpriseRow;
  district: District;
  /** The registering authority's area: a district, or the city for city-level registrations. */
  areaCode: string;
  publicInstitution: boolean;
  food: boolean;
  establishedDay: number;
}

export function enterpriseAt(ctx: Context, index: number): GeneratedEnterprise {
  const rng = new Rng(ctx.seed, TAG.enterprise, index);
  const publicInstitution = rng.chance(PUBLIC_INSTITUTION_SHARE);
  const district = rng.pick(DISTRICTS);
  const areaCode = rng.chance(CITY_LEVEL_SHARE) ? CITY_AREA_CODE : district.code;
  // Registrations have grown year on year: skew company founding dates towards the present.
  const establishedDay = publicInstitution
    ? INSTITUTION_FIRST_DAY + rng.int(INSTITUTION_LAST_DAY - INSTITUTION_FIRST_DAY + 1)
    : COMPANY_FIRST_DAY + Math.floor(Math.sqrt(rng.float()) * (REFERENCE_DAY - 30 - COMPANY_FIRST_DAY));
  const modern = !publicInstitution && establishedDay >= USCC_REFORM_DAY;
  const uscc = buildUscc(publicInstitution ? '12' : '91', areaCode, orgBodyForSlot(ctx.enterpriseSlots.apply(index), modern));

  const industry = rng.pickWeighted(INDUSTRIES);
  const [kind, suffix] = rng.pickWeighted(COMPANY_KINDS);
  const [topic, topicScope] = rng.pick(PUBLIC_INSTITUTION_TOPICS);
  const status: EnterpriseStatus = publicInstitution ? 'ACTIVE' : rng.pickWeighted(STATUSES);
  const capital = publicInstitution ? rng.between(10, 500) * 10 : rng.pickWeighted(CAPITALS);
  const address = streetAddress(rng, district);
  const contactPhone = mobileNumber(rng);
  // Drawn last: the number of draws it takes varies, and nothing else should shift with it.
  const representative = legalRepresentative(ctx, rng, establishedDay);
  const row: EnterpriseRow = {
    uscc,
    name: publicInstitution ? `长沙市${district.name}${topic}` : `长沙${rng.pick(TRADE_WORDS)}${industry.nameWord}${suffix}`,
    kind: publicInstitution ? '事业单位' : kind,
    status,
    establishedDate: formatDay(establishedDay),
    registeredCapital: capital,
    address,
    businessScope: publicInstitution ? topicScope : industry.scope,
    legalRepresentative: representative,
    contactPhone,
  };
  return { index, row, district, areaCode, publicInstitution, food: !publicInstitution && industry.food, establishedDay };
}

/**
 * A generated person aged 20–65 when the enterprise was founded; after a few misses any
 * generated person will do. Never a fixture person: their enterprises are exactly the fixture's.
 */
function legalRepresentative(ctx: Context, rng: Rng, establishedDay: number): string {
  let candidate = personIdentity(ctx, rng.int(ctx.persons));
  for (let attempt = 0; attempt < 12; attempt++) {
    if (addYears(candidate.birthDay, 20) <= establishedDay && addYears(candidate.birthDay, 65) > establishedDay) break;
    candidate = personIdentity(ctx, rng.int(ctx.persons));
  }
  return candidate.idNumber;
}

export function enterprises(o: SampleOptions): Generator<EnterpriseRow> {
  return generate(contextFor(o));
}

function* generate(ctx: Context): Generator<EnterpriseRow> {
  yield* fixtureEnterprises();
  for (let j = 0; j < ctx.enterprises; j++) yield enterpriseAt(ctx, j).row;
}
