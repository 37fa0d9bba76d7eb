import { readFileSync } from 'node:fs';

/** The well-known records (shared/fixtures/well-known.json, copied into the repo). */
export const WELL_KNOWN = JSON.parse(
  readFileSync(new URL('../../subgraphs/sample-data/well-known.json', import.meta.url), 'utf8'),
) as {
  persons: Array<Record<string, any>>;
  enterprises: Array<Record<string, any>>;
  properties: Array<Record<string, any>>;
  licenses: Array<Record<string, any>>;
  absentPersons: string[];
  absentEnterprises: string[];
};

export const personById = (id: string) => WELL_KNOWN.persons.find((p) => p.idNumber === id)!;
export const enterpriseByUscc = (uscc: string) => WELL_KNOWN.enterprises.find((e) => e.uscc === uscc)!;
