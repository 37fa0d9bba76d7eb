// The well-known records (well-known.json) and their mapping onto the row shapes. Every data set
// starts with these rows, whatever the seed.

import { readFileSync } from 'node:fs';
import type {
  AllowanceRow, CreditRow, DishonestDebtorRow, DishonestRecordRow, EmployeeCountRow, EnterpriseRow,
  LicenseRow, MarriageRow, MedicalRow, PensionRow, PersonRow, PropertyRow, WellKnown,
} from './types.ts';

let cached: WellKnown | undefined;

function load(): WellKnown {
  if (cached) return cached;
  const raw: unknown = JSON.parse(readFileSync(new URL('./well-known.json', import.meta.url), 'utf8'));
  cached = checkShape(raw);
  return cached;
}

// A shallow check: enough to fail loudly if the shared fixture file changes shape.
function checkShape(raw: unknown): WellKnown {
  const r = raw as Partial<Record<keyof WellKnown, unknown>>;
  for (const k of ['persons', 'absentPersons', 'enterprises', 'absentEnterprises', 'properties', 'licenses'] as const) {
    if (!Array.isArray(r?.[k])) throw new Error(`well-known.json: "${k}" must be an array`);
  }
  const w = raw as WellKnown;
  for (const p of w.persons) {
    if (typeof p.idNumber !== 'string' || !Array.isArray(p.marriageRegistrations) || !p.pension || !p.medicalInsurance || !p.subsistenceAllowance) {
      throw new Error(`well-known.json: incomplete person ${JSON.stringify(p.idNumber)}`);
    }
  }
  for (const e of w.enterprises) {
    if (typeof e.uscc !== 'string' || !Array.isArray(e.dishonestRecords)) {
      throw new Error(`well-known.json: incomplete enterprise ${JSON.stringify(e.uscc)}`);
    }
  }
  for (const l of w.licenses) {
    const h = l.holder;
    if (!h || (typeof h.enterprise === 'string') === (typeof h.person === 'string')) {
      throw new Error(`well-known.json: license ${JSON.stringify(l.id)} must name exactly one holder`);
    }
  }
  return w;
}

/** The parsed fixture file. A fresh copy each call, so callers cannot alter what the generators emit. */
export function wellKnown(): WellKnown {
  return structuredClone(load());
}

/** Read-only view for the generators (no copy). */
export function fixtures(): Readonly<WellKnown> {
  return load();
}

export function* fixturePersons(): Generator<PersonRow> {
  for (const p of load().persons) {
    yield {
      idNumber: p.idNumber, name: p.name, gender: p.gender, birthDate: p.birthDate, ethnicity: p.ethnicity,
      mobile: p.mobile, householdAddress: p.householdAddress, maritalStatus: p.maritalStatus, securityNote: p.securityNote,
    };
  }
}

export function* fixtureEnterprises(): Generator<EnterpriseRow> {
  for (const e of load().enterprises) {
    yield {
      uscc: e.uscc, name: e.name, kind: e.kind, status: e.status, establishedDate: e.establishedDate,
      registeredCapital: e.registeredCapital, address: e.address, businessScope: e.businessScope,
      legalRepresentative: e.legalRepresentative, contactPhone: e.contactPhone,
    };
  }
}

export function* fixtureCredits(): Generator<CreditRow> {
  for (const e of load().enterprises) yield { uscc: e.uscc, creditRating: e.creditRating, internalRiskScore: e.internalRiskScore };
}

export function* fixtureDishonestRecords(): Generator<DishonestRecordRow> {
  for (const e of load().enterprises) {
    for (const d of e.dishonestRecords) {
      yield { uscc: e.uscc, caseNumber: d.caseNumber, court: d.court, publishedOn: d.publishedOn, obligation: d.obligation };
    }
  }
}

export function* fixtureDishonestDebtors(): Generator<DishonestDebtorRow> {
  for (const p of load().persons) if (p.dishonestDebtor === true) yield { idNumber: p.idNumber };
}

export function* fixtureLicenses(): Generator<LicenseRow> {
  for (const l of load().licenses) {
    yield {
      id: l.id, type: l.type, number: l.number, title: l.title, issuer: l.issuer, issuedOn: l.issuedOn,
      validUntil: l.validUntil, status: l.status,
      holderEnterprise: l.holder.enterprise ?? null, holderPerson: l.holder.person ?? null,
    };
  }
}

export function* fixtureProperties(): Generator<PropertyRow> {
  for (const p of load().properties) {
    yield {
      certificateNumber: p.certificateNumber, address: p.address, area: p.area, usage: p.usage,
      mortgaged: p.mortgaged, owners: [...p.owners],
    };
  }
}

export function* fixturePensions(): Generator<PensionRow> {
  for (const p of load().persons) {
    const s = p.pension;
    yield { idNumber: p.idNumber, status: s.status, startDate: s.startDate, paidMonths: s.paidMonths, employer: s.employer };
  }
}

export function* fixtureMedicalInsurances(): Generator<MedicalRow> {
  for (const p of load().persons) yield { idNumber: p.idNumber, status: p.medicalInsurance.status, category: p.medicalInsurance.category };
}

export function* fixtureEmployeeCounts(): Generator<EmployeeCountRow> {
  for (const e of load().enterprises) yield { uscc: e.uscc, insuredEmployeeCount: e.insuredEmployeeCount };
}

export function* fixtureAllowances(): Generator<AllowanceRow> {
  for (const p of load().persons) {
    const a = p.subsistenceAllowance;
    yield { idNumber: p.idNumber, status: a.status, since: a.since, monthlyAmount: a.monthlyAmount };
  }
}

export function* fixtureMarriages(): Generator<MarriageRow> {
  for (const p of load().persons) {
    let seq = 0;
    for (const m of p.marriageRegistrations) {
      yield { idNumber: p.idNumber, seq: seq++, kind: m.kind, registeredOn: m.registeredOn, spouse: m.spouse };
    }
  }
}

/** Keys generated records must never take: fixture keys and the keys that must stay absent. */
export function reservedIdNumbers(): string[] {
  const w = load();
  return [...w.persons.map((p) => p.idNumber), ...w.absentPersons];
}

export function reservedUsccs(): string[] {
  const w = load();
  return [...w.enterprises.map((e) => e.uscc), ...w.absentEnterprises];
}
