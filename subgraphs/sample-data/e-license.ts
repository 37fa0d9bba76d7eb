// e-license (政务服务数据管理局): 电子证照 — business licenses and food permits of enterprises,
// driving licenses and practice certificates of persons.

import { pad } from './compose.ts';
import { contextFor, type Context } from './context.ts';
import { addYears, daysFromCivil, formatDay, REFERENCE_DAY, yearOf } from './dates.ts';
import { fixtureLicenses } from './fixtures.ts';
import { enterpriseAt, type GeneratedEnterprise } from './legal-entity.ts';
import { CITY_AREA_CODE, PRACTICE_CERTIFICATES } from './names.ts';
import { personIdentity } from './person-identity.ts';
import { Rng } from './random.ts';
import { TAG } from './tags.ts';
import type { LicenseRow, LicenseStatus, SampleOptions } from './types.ts';

const FOOD_SHARE_FOOD_TRADE = 0.85;
const FOOD_SHARE_OTHER = 0.1;
const DRIVING_SHARE = 0.15;
const PRACTICE_SHARE = 0.02;
const YEAR = 365;
const DRIVING_FIRST_DAY = daysFromCivil(1985, 1, 1);

// Generated ids carry the entity kind and 1-based index, so they can never look like the
// fixtures' LIC-0001 … ids, nor like each other.
export function enterpriseLicenseId(index: number, n: 1 | 2): string {
  return `LIC-E${pad(index + 1, 7)}-${n}`;
}

export function personLicenseId(index: number, n: 1 | 2): string {
  return `LIC-P${pad(index + 1, 7)}-${n}`;
}

function timeStatus(validUntil: number, revoked: boolean): LicenseStatus {
  return revoked ? 'REVOKED' : validUntil < REFERENCE_DAY ? 'EXPIRED' : 'VALID';
}

export function enterpriseLicenses(ctx: Context, e: GeneratedEnterprise): LicenseRow[] {
  const rng = new Rng(ctx.seed, TAG.enterpriseLicense, e.index);
  const active = e.row.status === 'ACTIVE';
  const uscc = e.row.uscc;
  const authority = e.areaCode === CITY_AREA_CODE ? '长沙市' : `长沙市${e.district.name}`;

  // A business license lasts for the operating term; an active enterprise's license is current,
  // re-issued if the founding term has run out. Revoked or cancelled enterprises lose it.
  let issued = e.establishedDay;
  let term = rng.pick([20, 30, 50]);
  if (active && addYears(issued, term) <= REFERENCE_DAY) {
    issued = REFERENCE_DAY - rng.int(5 * YEAR);
    term = 30;
  }
  const out: LicenseRow[] = [{
    id: enterpriseLicenseId(e.index, 1),
    type: 'BUSINESS_LICENSE',
    number: uscc,
    title: e.publicInstitution ? '事业单位法人证书' : '营业执照',
    issuer: e.publicInstitution ? '长沙市事业单位登记管理局' : `${authority}市场监督管理局`,
    issuedOn: formatDay(issued),
    validUntil: formatDay(addYears(issued, term) - 1),
    status: active ? 'VALID' : 'REVOKED',
    holderEnterprise: uscc,
    holderPerson: null,
  }];

  if (!e.publicInstitution && rng.chance(e.food ? FOOD_SHARE_FOOD_TRADE : FOOD_SHARE_OTHER)) {
    const from = Math.max(e.establishedDay, REFERENCE_DAY - 10 * YEAR);
    const foodIssued = from + rng.int(Math.max(1, REFERENCE_DAY - from));
    const validUntil = addYears(foodIssued, 5) - 1;
    out.push({
      id: enterpriseLicenseId(e.index, 2),
      type: 'FOOD_OPERATION',
      // JY + subject type + area + serial; serials start at 0100001, clear of the fixtures' low ones.
      number: `JY1${e.areaCode}${pad(e.index + 100001, 7)}`,
      title: '食品经营许可证',
      issuer: `${authority}市场监督管理局`,
      issuedOn: formatDay(foodIssued),
      validUntil: formatDay(validUntil),
      status: active ? timeStatus(validUntil, false) : 'REVOKED',
      holderEnterprise: uscc,
      holderPerson: null,
    });
  }
  return out;
}

export function personLicenses(ctx: Context, index: number): LicenseRow[] {
  const rng = new Rng(ctx.seed, TAG.personLicense, index);
  const drives = rng.chance(DRIVING_SHARE);
  const practices = rng.chance(PRACTICE_SHARE);
  if (!drives && !practices) return [];
  const id = personIdentity(ctx, index);
  const out: LicenseRow[] = [];

  const from18 = Math.max(addYears(id.birthDay, 18), DRIVING_FIRST_DAY);
  if (drives && from18 < REFERENCE_DAY) {
    // The current license: issued (or last renewed) within the past ten years.
    const from = Math.max(from18, REFERENCE_DAY - 10 * YEAR);
    const issued = from + rng.int(REFERENCE_DAY - from);
    const validUntil = addYears(issued, rng.chance(0.5) ? 6 : 10);
    out.push({
      id: personLicenseId(index, 1),
      type: 'DRIVING_LICENSE',
      number: id.idNumber,
      title: '机动车驾驶证',
      issuer: '长沙市公安局交通警察支队',
      issuedOn: formatDay(issued),
      validUntil: formatDay(validUntil),
      status: timeStatus(validUntil, rng.chance(0.03)),
      holderEnterprise: null,
      holderPerson: id.idNumber,
    });
  }

  const from24 = addYears(id.birthDay, 24);
  if (practices && from24 < REFERENCE_DAY) {
    const cert = rng.pick(PRACTICE_CERTIFICATES);
    const from = Math.max(from24, REFERENCE_DAY - 12 * YEAR);
    const issued = from + rng.int(REFERENCE_DAY - from);
    const validUntil = addYears(issued, 5) - 1;
    out.push({
      id: personLicenseId(index, 2),
      type: 'PRACTICE_CERTIFICATE',
      number: `${cert.digit}${id.district.code}${yearOf(issued)}${pad(index + 1, 7)}`,
      title: cert.title,
      issuer: cert.issuer,
      issuedOn: formatDay(issued),
      validUntil: formatDay(validUntil),
      status: timeStatus(validUntil, rng.chance(0.02)),
      holderEnterprise: null,
      holderPerson: id.idNumber,
    });
  }
  return out;
}

export function licenses(o: SampleOptions): Generator<LicenseRow> {
  return generate(contextFor(o));
}

function* generate(ctx: Context): Generator<LicenseRow> {
  yield* fixtureLicenses();
  for (let j = 0; j < ctx.enterprises; j++) yield* enterpriseLicenses(ctx, enterpriseAt(ctx, j));
  for (let i = 0; i < ctx.persons; i++) yield* personLicenses(ctx, i);
}
