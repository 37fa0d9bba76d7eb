// civil-affairs (民政局): 社会救助 — subsistence allowances (低保) and marriage registrations.

import { contextFor, type Context } from './context.ts';
import { daysFromCivil, formatDay, monthStart, REFERENCE_DAY } from './dates.ts';
import { fixtureAllowances, fixtureMarriages } from './fixtures.ts';
import { unionOfPair, type Union } from './marriage.ts';
import { personIdentity, type PersonIdentity } from './person-identity.ts';
import { Rng } from './random.ts';
import { TAG } from './tags.ts';
import type { AllowanceRow, MarriageRow, SampleOptions } from './types.ts';

const ACTIVE_SHARE = 0.02;
const STOPPED_SHARE = 0.01;
const ALLOWANCE_FIRST_DAY = daysFromCivil(2010, 1, 1);

export function allowanceOf(ctx: Context, index: number): AllowanceRow {
  const rng = new Rng(ctx.seed, TAG.allowance, index);
  const u = rng.float();
  const id = personIdentity(ctx, index);
  if (u >= ACTIVE_SHARE + STOPPED_SHARE) return { idNumber: id.idNumber, status: 'NONE', since: null, monthlyAmount: null };
  const from = Math.max(ALLOWANCE_FIRST_DAY, id.birthDay);
  return {
    idNumber: id.idNumber,
    status: u < ACTIVE_SHARE ? 'ACTIVE' : 'STOPPED',
    since: formatDay(monthStart(from + rng.int(REFERENCE_DAY - 31 - from))),
    // 长沙's urban 低保 standard is around 780 元/month; most households get a top-up below it.
    monthlyAmount: rng.between(20, 78) * 10,
  };
}

export function allowances(o: SampleOptions): Generator<AllowanceRow> {
  return generateAllowances(contextFor(o));
}

function* generateAllowances(ctx: Context): Generator<AllowanceRow> {
  yield* fixtureAllowances();
  for (let i = 0; i < ctx.persons; i++) yield allowanceOf(ctx, i);
}

function registrationsOf(self: PersonIdentity, spouse: PersonIdentity, union: Union): MarriageRow[] {
  const rows: MarriageRow[] = [
    { idNumber: self.idNumber, seq: 0, kind: 'MARRIAGE', registeredOn: formatDay(union.marriedOn), spouse: spouse.idNumber },
  ];
  if (union.divorcedOn !== null) {
    rows.push({ idNumber: self.idNumber, seq: 1, kind: 'DIVORCE', registeredOn: formatDay(union.divorcedOn), spouse: spouse.idNumber });
  }
  return rows;
}

export function marriages(o: SampleOptions): Generator<MarriageRow> {
  return generateMarriages(contextFor(o));
}

// In person-index order: each candidate couple (2k, 2k+1) is decided once and yields both sides.
function* generateMarriages(ctx: Context): Generator<MarriageRow> {
  yield* fixtureMarriages();
  for (let k = 0; 2 * k + 1 < ctx.persons; k++) {
    const union = unionOfPair(ctx, k);
    if (!union) continue;
    const [first, second] = union.husband.index < union.wife.index ? [union.husband, union.wife] : [union.wife, union.husband];
    yield* registrationsOf(first, second, union);
    yield* registrationsOf(second, first, union);
  }
}
