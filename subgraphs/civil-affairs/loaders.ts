import { rowByKey, rowsByKey, type Sql } from '../kit/index.ts';

export interface AllowanceRecord extends Record<string, unknown> {
  idNumber: string; status: string; since: string | null; monthlyAmount: number | null;
}
export interface MarriageRecord extends Record<string, unknown> {
  idNumber: string; seq: number; kind: string; registeredOn: string;
  /** The spouse's idNumber. */
  spouse: string;
}

export function civilAffairsLoaders(sql: Sql) {
  return {
    allowance: rowByKey<AllowanceRecord>(sql,
      `SELECT id_number AS "idNumber", status, since, monthly_amount AS "monthlyAmount"
        FROM civil_affairs.subsistence_allowance WHERE id_number = ANY($1)`, 'idNumber'),
    /** A person's registrations ordered by seq. */
    marriages: rowsByKey<MarriageRecord>(sql,
      `SELECT id_number AS "idNumber", seq, kind, registered_on AS "registeredOn", spouse
        FROM civil_affairs.marriage_registration WHERE id_number = ANY($1) ORDER BY id_number, seq`, 'idNumber'),
  };
}
export type CivilAffairsLoaders = ReturnType<typeof civilAffairsLoaders>;
