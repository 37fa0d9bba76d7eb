import { hashString } from './random.ts';

// One independent random stream per (data set, aspect). Adding a new aspect with a new tag
// leaves every existing stream, and so every existing value, unchanged.
export const TAG = {
  personSlots: hashString('person-slots'),
  enterpriseSlots: hashString('enterprise-slots'),
  gender: hashString('gender'),
  person: hashString('person'),
  marriage: hashString('marriage'),
  widow: hashString('widow'),
  enterprise: hashString('enterprise'),
  credit: hashString('credit'),
  debtor: hashString('debtor'),
  enterpriseLicense: hashString('enterprise-license'),
  personLicense: hashString('person-license'),
  property: hashString('property'),
  pension: hashString('pension'),
  medical: hashString('medical'),
  employees: hashString('employees'),
  allowance: hashString('allowance'),
} as const;
