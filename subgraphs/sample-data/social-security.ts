// social-security (人力资源和社会保障局): 社会保障 — pension and medical insurance per person,
// insured employee counts per enterprise.

import { contextFor, type Context } from './context.ts';
import { addYears, daysFromCivil, formatDay, monthStart, monthsBetween, REFERENCE_DAY } from './dates.ts';
import { fixtureEmployeeCounts, fixtureMedicalInsurances, fixturePensions } from './fixtures.ts';
import { enterpriseAt } from './legal-entity.ts';
import { personIdentity } from './person-identity.ts';
import { Rng, weighted } from './random.ts';
import { TAG } from './tags.ts';
import type {
  EmployeeCountRow, InsuranceStatus, MedicalRow, PensionRow, SampleOptions,
} from './types.ts';

const YEAR = 365;
/** Urban employee pension accounts in 长沙 date from the 1990s reform. */
const PENSION_FIRST_DAY = daysFromCivil(1992, 1, 1);
const RETIRED_SHARE = 0.8;
const WORKING_STATUS = weighted<InsuranceStatus>([['PAYING', 66], ['SUSPENDED', 12], ['NONE', 22]]);
const EMPLOYED_SHARE = 0.85;
export const EMPLOYEE_MEDICAL = '职工基本医疗保险';
export const RESIDENT_MEDICAL = '城乡居民基本医疗保险';
const RESIDENT_STATUS = weighted<InsuranceStatus>([['PAYING', 90], ['SUSPENDED', 3], ['NONE', 7]]);

const NO_PENSION = { status: 'NONE', startDate: null, paidMonths: 0, employer: null } as const;

export function pensionOf(ctx: Context, index: number): PensionRow {
  const id = personIdentity(ctx, index);
  const rng = new Rng(ctx.seed, TAG.pension, index);
  const firstWork = addYears(id.birthDay, rng.chance(0.5) ? 18 : 22);
  if (firstWork > REFERENCE_DAY) return { idNumber: id.idNumber, ...NO_PENSION };

  // Statutory retirement before the 2025 reform: men 60, women 50 (workers) or 55 (cadres).
  const retireDay = addYears(id.birthDay, id.gender === 'MALE' ? 60 : rng.chance(0.5) ? 50 : 55);
  if (retireDay <= REFERENCE_DAY) {
    if (!rng.chance(RETIRED_SHARE)) return { idNumber: id.idNumber, ...NO_PENSION };
    // At least 15 years of (actual or deemed) contributions are needed to draw a pension.
    const start = monthStart(Math.min(firstWork + rng.int(5 * YEAR), addYears(retireDay, -15)));
    const months = monthsBetween(start, retireDay);
    return {
      idNumber: id.idNumber,
      status: 'RETIRED',
      startDate: formatDay(start),
      paidMonths: Math.max(180, months - rng.int(Math.min(24, months - 180) + 1)),
      employer: null,
    };
  }

  const status = rng.pickWeighted(WORKING_STATUS);
  const start = monthStart(Math.max(firstWork + rng.int(6 * YEAR), PENSION_FIRST_DAY));
  const possible = monthsBetween(start, REFERENCE_DAY);
  if (status === 'NONE' || possible < 1) return { idNumber: id.idNumber, ...NO_PENSION };
  if (status === 'SUSPENDED') {
    return {
      idNumber: id.idNumber, status, startDate: formatDay(start),
      paidMonths: Math.max(1, Math.floor(possible * (0.2 + 0.6 * rng.float()))), employer: null,
    };
  }
  return {
    idNumber: id.idNumber,
    status,
    startDate: formatDay(start),
    paidMonths: Math.max(1, possible - rng.int(Math.min(24, Math.floor(possible / 4)) + 1)),
    employer: rng.chance(EMPLOYED_SHARE) ? employer(ctx, rng) : null,
  };
}

/** An active generated enterprise; those paying without one are flexibly employed (灵活就业). */
function employer(ctx: Context, rng: Rng): string | null {
  if (ctx.enterprises === 0) return null;
  for (let attempt = 0; attempt < 6; attempt++) {
    const e = enterpriseAt(ctx, rng.int(ctx.enterprises));
    if (e.row.status === 'ACTIVE') return e.row.uscc;
  }
  return null;
}

export function medicalOf(ctx: Context, index: number, pension: PensionRow = pensionOf(ctx, index)): MedicalRow {
  const rng = new Rng(ctx.seed, TAG.medical, index);
  const idNumber = pension.idNumber;
  if (pension.status === 'RETIRED') return { idNumber, status: 'RETIRED', category: EMPLOYEE_MEDICAL };
  if (pension.status === 'PAYING' && (pension.employer !== null || rng.chance(0.7))) {
    return { idNumber, status: 'PAYING', category: EMPLOYEE_MEDICAL };
  }
  const status = rng.pickWeighted(RESIDENT_STATUS);
  return { idNumber, status, category: status === 'NONE' ? null : RESIDENT_MEDICAL };
}

export function employeeCountOf(ctx: Context, enterpriseIndex: number): EmployeeCountRow {
  const e = enterpriseAt(ctx, enterpriseIndex);
  const rng = new Rng(ctx.seed, TAG.employees, enterpriseIndex);
  let count = 0;
  if (e.row.status === 'ACTIVE') {
    if (e.publicInstitution) count = rng.between(20, 400);
    else if (!rng.chance(0.1)) count = 1 + rng.int(Math.min(800, 3 + Math.floor(e.row.registeredCapital / 5)));
  }
  return { uscc: e.row.uscc, insuredEmployeeCount: count };
}

export function pensions(o: SampleOptions): Generator<PensionRow> {
  return generatePensions(contextFor(o));
}

function* generatePensions(ctx: Context): Generator<PensionRow> {
  yield* fixturePensions();
  for (let i = 0; i < ctx.persons; i++) yield pensionOf(ctx, i);
}

export function medicalInsurances(o: SampleOptions): Generator<MedicalRow> {
  return generateMedical(contextFor(o));
}

function* generateMedical(ctx: Context): Generator<MedicalRow> {
  yield* fixtureMedicalInsurances();
  for (let i = 0; i < ctx.persons; i++) yield medicalOf(ctx, i);
}

export function employeeCounts(o: SampleOptions): Generator<EmployeeCountRow> {
  return generateEmployeeCounts(contextFor(o));
}

function* generateEmployeeCounts(ctx: Context): Generator<EmployeeCountRow> {
  yield* fixtureEmployeeCounts();
  for (let j = 0; j < ctx.enterprises; j++) yield employeeCountOf(ctx, j);
}
