import { rowByKey, rowsByKey, type Sql } from '../kit/index.ts';

export interface LicenseRecord extends Record<string, unknown> {
  id: string; type: string; number: string | null; title: string | null; issuer: string | null;
  issuedOn: string | null; validUntil: string | null; status: string;
  holderEnterprise: string | null; holderPerson: string | null;
}

export const LICENSE_COLUMNS = `id, type, number, title, issuer, issued_on AS "issuedOn", valid_until AS "validUntil",
  status, holder_enterprise AS "holderEnterprise", holder_person AS "holderPerson"`;

export function eLicenseLoaders(sql: Sql) {
  return {
    license: rowByKey<LicenseRecord>(sql,
      `SELECT ${LICENSE_COLUMNS} FROM e_license.license WHERE id = ANY($1)`, 'id'),
    /** Licences by holding enterprise (uscc), in order of issue. */
    licensesByEnterprise: rowsByKey<LicenseRecord>(sql,
      `SELECT ${LICENSE_COLUMNS} FROM e_license.license WHERE holder_enterprise = ANY($1)
        ORDER BY issued_on, id`, 'holderEnterprise'),
    /** Licences by holding person (idNumber), in order of issue. */
    licensesByPerson: rowsByKey<LicenseRecord>(sql,
      `SELECT ${LICENSE_COLUMNS} FROM e_license.license WHERE holder_person = ANY($1)
        ORDER BY issued_on, id`, 'holderPerson'),
  };
}
export type ELicenseLoaders = ReturnType<typeof eLicenseLoaders>;
