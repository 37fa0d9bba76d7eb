/** What the CLI can compare: one `@compare` field per resource of the sample catalog (CONTRACT §5). */
export interface CompareTarget {
  resource: string;
  /** The root field resolved by the provider. */
  field: string;
  /** GraphQL input type of one claim. */
  claimType: string;
  /** Claim fields, as the CSV header names them; the first is the record key. */
  claimFields: readonly string[];
  /**
   * Result flags, in output column order (`index` is checked, not written). `limited` comes last: `true`
   * where the provider withheld a claimed value past its allowance (CONTRACT §5), whose flag is then empty.
   */
  resultFields: readonly string[];
}

export const COMPARE_TARGETS: Readonly<Record<string, CompareTarget>> = {
  'POP-PERSON': {
    resource: 'POP-PERSON', field: 'verifyPersons', claimType: 'PersonClaim',
    claimFields: ['idNumber', 'name', 'birthDate', 'householdAddress'],
    resultFields: ['found', 'nameMatches', 'birthDateMatches', 'addressMatches', 'limited'],
  },
  'ENT-ENTERPRISE': {
    resource: 'ENT-ENTERPRISE', field: 'verifyEnterprises', claimType: 'EnterpriseClaim',
    claimFields: ['uscc', 'name', 'legalRepresentativeIdNumber'],
    resultFields: ['found', 'nameMatches', 'legalRepresentativeMatches', 'active', 'limited'],
  },
  'HSE-PROPERTY': {
    resource: 'HSE-PROPERTY', field: 'verifyPropertyOwnership', claimType: 'OwnershipClaim',
    claimFields: ['idNumber'],
    resultFields: ['ownsProperty', 'propertyCount', 'limited'],
  },
};

/** The operation the CLI sends for a batch of claims. */
export function compareOperation(target: CompareTarget): string {
  return `query CompareBatch($claims: [${target.claimType}!]!) { ${target.field}(claims: $claims) { index ${target.resultFields.join(' ')} } }`;
}

/**
 * The operation for a sealed batch (the default): the claims go as ciphertexts with their sealing, and
 * each result comes back as `index` and its sealed flags.
 */
export function sealedCompareOperation(target: CompareTarget): string {
  return `query CompareBatch($sealedClaims: [String!]!, $sealing: ClaimSealing!) { ${target.field}(sealedClaims: $sealedClaims, sealing: $sealing) { index sealed } }`;
}

/** The output file's header: the input row number, then the flags. */
export function outputHeader(target: CompareTarget): string[] {
  return ['row', ...target.resultFields];
}
