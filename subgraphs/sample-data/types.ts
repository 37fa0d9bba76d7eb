// Row shapes of the seven sample databases. Other modules of the project code against these
// names; keep them stable.

export interface SampleOptions {
  seed: number;
  /** Number of GENERATED persons; the fixture persons come on top. */
  persons: number;
}

export type Gender = 'MALE' | 'FEMALE';
export type MaritalStatus = 'UNMARRIED' | 'MARRIED' | 'DIVORCED' | 'WIDOWED';

export interface PersonRow {
  idNumber: string;
  name: string;
  gender: Gender;
  birthDate: string;
  ethnicity: string;
  mobile: string;
  householdAddress: string;
  maritalStatus: MaritalStatus;
  securityNote: string | null;
}

export type EnterpriseStatus = 'ACTIVE' | 'REVOKED' | 'CANCELLED';

export interface EnterpriseRow {
  uscc: string;
  name: string;
  kind: string;
  status: EnterpriseStatus;
  establishedDate: string;
  /** 万元 */
  registeredCapital: number;
  address: string;
  businessScope: string;
  /** idNumber of a person */
  legalRepresentative: string;
  contactPhone: string;
}

export type CreditRating = 'A' | 'B' | 'C' | 'D';

export interface CreditRow {
  uscc: string;
  creditRating: CreditRating;
  internalRiskScore: number;
}

export interface DishonestRecordRow {
  uscc: string;
  caseNumber: string;
  court: string;
  publishedOn: string;
  obligation: string;
}

/** One row per person who IS a dishonest debtor; everyone else is not. */
export interface DishonestDebtorRow {
  idNumber: string;
}

export type LicenseType = 'BUSINESS_LICENSE' | 'FOOD_OPERATION' | 'DRIVING_LICENSE' | 'PRACTICE_CERTIFICATE';
export type LicenseStatus = 'VALID' | 'EXPIRED' | 'REVOKED';

export interface LicenseRow {
  id: string;
  type: LicenseType;
  number: string;
  title: string;
  issuer: string;
  issuedOn: string;
  validUntil: string;
  status: LicenseStatus;
  /** Exactly one of holderEnterprise / holderPerson is set. */
  holderEnterprise: string | null;
  holderPerson: string | null;
}

export interface PropertyRow {
  certificateNumber: string;
  address: string;
  area: number;
  usage: string;
  mortgaged: boolean;
  /** idNumbers, in the fixture's order for fixture records */
  owners: string[];
}

export type InsuranceStatus = 'PAYING' | 'SUSPENDED' | 'RETIRED' | 'NONE';

export interface PensionRow {
  idNumber: string;
  status: InsuranceStatus;
  startDate: string | null;
  paidMonths: number;
  /** uscc */
  employer: string | null;
}

export interface MedicalRow {
  idNumber: string;
  status: InsuranceStatus;
  category: string | null;
}

export interface EmployeeCountRow {
  uscc: string;
  insuredEmployeeCount: number;
}

export type AllowanceStatus = 'ACTIVE' | 'STOPPED' | 'NONE';

export interface AllowanceRow {
  idNumber: string;
  status: AllowanceStatus;
  since: string | null;
  monthlyAmount: number | null;
}

export type MarriageEventKind = 'MARRIAGE' | 'DIVORCE';

export interface MarriageRow {
  idNumber: string;
  /** Order of this person's events, 0-based. */
  seq: number;
  kind: MarriageEventKind;
  registeredOn: string;
  /** idNumber */
  spouse: string;
}

// The fixture file (well-known.json), as written there.

export interface WellKnownPerson extends PersonRow {
  dishonestDebtor: boolean;
  pension: Omit<PensionRow, 'idNumber'>;
  medicalInsurance: Omit<MedicalRow, 'idNumber'>;
  subsistenceAllowance: Omit<AllowanceRow, 'idNumber'>;
  marriageRegistrations: Array<Omit<MarriageRow, 'idNumber' | 'seq'>>;
}

export interface WellKnownEnterprise extends EnterpriseRow {
  creditRating: CreditRating;
  dishonestRecords: Array<Omit<DishonestRecordRow, 'uscc'>>;
  internalRiskScore: number;
  insuredEmployeeCount: number;
}

export type WellKnownProperty = PropertyRow;

export interface WellKnownLicense extends Omit<LicenseRow, 'holderEnterprise' | 'holderPerson'> {
  holder: { enterprise: string; person?: undefined } | { person: string; enterprise?: undefined };
}

export interface WellKnown {
  about: string;
  persons: WellKnownPerson[];
  /** ID numbers no data set may contain. */
  absentPersons: string[];
  enterprises: WellKnownEnterprise[];
  /** USCCs no data set may contain. */
  absentEnterprises: string[];
  properties: WellKnownProperty[];
  licenses: WellKnownLicense[];
}

/** The generator's derived state for one set of options (built once by context.ts). */
export interface Context {
  readonly seed: import('./random.ts').SeedWords;
  /** generated persons */
  readonly persons: number;
  /** generated enterprises */
  readonly enterprises: number;
  readonly personSlots: import('./permutation.ts').ReservedSlotPermutation;
  readonly enterpriseSlots: import('./permutation.ts').ReservedSlotPermutation;
}
