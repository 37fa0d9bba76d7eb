// Deterministic, streaming sample data for the seven sample subgraphs. Every data set starts with
// the well-known fixture records exactly as written in well-known.json, then yields generated
// records derived from (seed, index) alone, so memory stays flat at any size and data sets can be
// generated independently while staying consistent with one another.

export type {
  AllowanceRow, AllowanceStatus, CreditRating, CreditRow, DishonestDebtorRow, DishonestRecordRow,
  EmployeeCountRow, EnterpriseRow, EnterpriseStatus, Gender, InsuranceStatus, LicenseRow, LicenseStatus,
  LicenseType, MaritalStatus, MarriageEventKind, MarriageRow, MedicalRow, PensionRow, PersonRow, PropertyRow,
  SampleOptions, WellKnown, WellKnownEnterprise, WellKnownLicense, WellKnownPerson, WellKnownProperty,
} from './types.ts';
export { DEFAULT_SAMPLE, MAX_PERSONS, enterpriseCount, validateOptions } from './options.ts';
export { sampleOptionsFromEnv } from '../config.ts';
export { REFERENCE_DATE } from './dates.ts';
export { wellKnown } from './fixtures.ts';
export {
  buildUscc, idNumberCheckChar, isValidIdNumber, isValidUscc, orgCodeCheckChar, usccCheckChar,
} from './ids.ts';
export { persons } from './population.ts';
export { enterprises } from './legal-entity.ts';
export { credits, dishonestDebtors, dishonestRecords } from './credit.ts';
export { licenses } from './e-license.ts';
export { properties } from './housing.ts';
export { employeeCounts, medicalInsurances, pensions } from './social-security.ts';
export { allowances, marriages } from './civil-affairs.ts';
