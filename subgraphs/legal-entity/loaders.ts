import { rowByKey, rowsByKey, type Sql } from '../kit/index.ts';

export interface EnterpriseRecord extends Record<string, unknown> {
  uscc: string; name: string; kind: string | null; status: string; establishedDate: string | null;
  registeredCapital: number | null; address: string | null; businessScope: string | null;
  /** The legal representative's idNumber. */
  legalRepresentative: string | null; contactPhone: string | null;
}

export const ENTERPRISE_COLUMNS = `uscc, name, kind, status, established_date AS "establishedDate",
  registered_capital AS "registeredCapital", address, business_scope AS "businessScope",
  legal_representative AS "legalRepresentative", contact_phone AS "contactPhone"`;

export function legalEntityLoaders(sql: Sql) {
  return {
    enterprise: rowByKey<EnterpriseRecord>(sql,
      `SELECT ${ENTERPRISE_COLUMNS} FROM legal_entity.enterprise WHERE uscc = ANY($1)`, 'uscc'),
    /** Enterprises by their legal representative's idNumber, oldest first. */
    enterprisesByRepresentative: rowsByKey<EnterpriseRecord>(sql,
      `SELECT ${ENTERPRISE_COLUMNS} FROM legal_entity.enterprise WHERE legal_representative = ANY($1)
        ORDER BY established_date, uscc`, 'legalRepresentative'),
  };
}
export type LegalEntityLoaders = ReturnType<typeof legalEntityLoaders>;
