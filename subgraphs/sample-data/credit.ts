// credit (发展和改革委员会): 社会信用 — ratings, the dishonest-judgment-debtor list (失信被执行人).

import { contextFor, type Context } from './context.ts';
import { daysFromCivil, formatDay, REFERENCE_DAY, yearOf } from './dates.ts';
import {
  fixtureCredits, fixtureDishonestDebtors, fixtureDishonestRecords, fixtures,
} from './fixtures.ts';
import { enterpriseAt, type GeneratedEnterprise } from './legal-entity.ts';
import { DEBT_OBLIGATIONS } from './names.ts';
import { personIdentity } from './person-identity.ts';
import { Rng, weighted } from './random.ts';
import { TAG } from './tags.ts';
import type {
  CreditRating, CreditRow, DishonestDebtorRow, DishonestRecordRow, SampleOptions,
} from './types.ts';

const DISHONEST_SHARE_ACTIVE = 0.025;
const DISHONEST_SHARE_INACTIVE = 0.08;
const DEBTOR_SHARE = 0.01;
/** The national list has been published since 2013; sample publications start in 2016. */
const LIST_FIRST_DAY = daysFromCivil(2016, 1, 1);

const RATING_ACTIVE = weighted<CreditRating>([['A', 60], ['B', 32], ['C', 7], ['D', 1]]);
const RATING_INACTIVE = weighted<CreditRating>([['B', 30], ['C', 45], ['D', 25]]);
const RATING_DISHONEST = weighted<CreditRating>([['C', 40], ['D', 60]]);
const RISK_RANGE: Record<CreditRating, readonly [number, number]> = { A: [0, 30], B: [25, 55], C: [50, 80], D: [75, 100] };

let fixtureCaseNumbers: Set<string> | undefined;
function isFixtureCaseNumber(caseNumber: string): boolean {
  fixtureCaseNumbers ??= new Set(fixtures().enterprises.flatMap((e) => e.dishonestRecords.map((d) => d.caseNumber)));
  return fixtureCaseNumbers.has(caseNumber);
}

export interface EnterpriseCredit {
  credit: CreditRow;
  records: DishonestRecordRow[];
}

export function creditOf(ctx: Context, e: GeneratedEnterprise): EnterpriseCredit {
  const rng = new Rng(ctx.seed, TAG.credit, e.index);
  const active = e.row.status === 'ACTIVE';
  const dishonest = rng.chance(active ? DISHONEST_SHARE_ACTIVE : DISHONEST_SHARE_INACTIVE);
  const rating = rng.pickWeighted(dishonest ? RATING_DISHONEST : active ? RATING_ACTIVE : RATING_INACTIVE);
  const [lo, hi] = RISK_RANGE[rating];
  const credit: CreditRow = { uscc: e.row.uscc, creditRating: rating, internalRiskScore: rng.between(lo, hi) };
  const records: DishonestRecordRow[] = [];
  if (dishonest) {
    const count = rng.chance(0.7) ? 1 : 2;
    const from = Math.min(Math.max(e.establishedDay + 180, LIST_FIRST_DAY), REFERENCE_DAY);
    for (let r = 0; r < count; r++) {
      const published = from + rng.int(REFERENCE_DAY - from + 1);
      // Enforcement cases are usually filed in the year of publication or the one before.
      const caseYear = Math.max(yearOf(published) - (rng.chance(0.4) ? 1 : 0), yearOf(e.establishedDay));
      let caseNumber: string;
      do caseNumber = `(${caseYear})${e.district.courtCode}执${rng.between(1, 9999)}号`;
      while (isFixtureCaseNumber(caseNumber));
      records.push({
        uscc: e.row.uscc,
        caseNumber,
        court: e.district.court,
        publishedOn: formatDay(published),
        obligation: rng.pick(DEBT_OBLIGATIONS).replace('{n}', String(rng.between(3, 500))),
      });
    }
  }
  return { credit, records };
}

export function isDishonestDebtor(ctx: Context, personIndex: number): boolean {
  return new Rng(ctx.seed, TAG.debtor, personIndex).chance(DEBTOR_SHARE);
}

export function credits(o: SampleOptions): Generator<CreditRow> {
  return generateCredits(contextFor(o));
}

function* generateCredits(ctx: Context): Generator<CreditRow> {
  yield* fixtureCredits();
  for (let j = 0; j < ctx.enterprises; j++) yield creditOf(ctx, enterpriseAt(ctx, j)).credit;
}

export function dishonestRecords(o: SampleOptions): Generator<DishonestRecordRow> {
  return generateRecords(contextFor(o));
}

function* generateRecords(ctx: Context): Generator<DishonestRecordRow> {
  yield* fixtureDishonestRecords();
  for (let j = 0; j < ctx.enterprises; j++) yield* creditOf(ctx, enterpriseAt(ctx, j)).records;
}

export function dishonestDebtors(o: SampleOptions): Generator<DishonestDebtorRow> {
  return generateDebtors(contextFor(o));
}

function* generateDebtors(ctx: Context): Generator<DishonestDebtorRow> {
  yield* fixtureDishonestDebtors();
  for (let i = 0; i < ctx.persons; i++) {
    if (isDishonestDebtor(ctx, i)) yield { idNumber: personIdentity(ctx, i).idNumber };
  }
}

