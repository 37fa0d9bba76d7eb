import { rowByKey, rowsByKey, type Sql } from '../kit/index.ts';

export interface EnterpriseCreditRecord extends Record<string, unknown> {
  uscc: string; creditRating: string | null; internalRiskScore: number | null;
}
export interface DishonestRecordRecord extends Record<string, unknown> {
  uscc: string; caseNumber: string; court: string | null; publishedOn: string | null; obligation: string | null;
}
export interface DishonestDebtorRecord extends Record<string, unknown> { idNumber: string }

export function creditLoaders(sql: Sql) {
  return {
    enterpriseCredit: rowByKey<EnterpriseCreditRecord>(sql,
      `SELECT uscc, credit_rating AS "creditRating", internal_risk_score AS "internalRiskScore"
        FROM credit.enterprise_credit WHERE uscc = ANY($1)`, 'uscc'),
    /** Dishonesty records by enterprise, newest first. */
    dishonestRecords: rowsByKey<DishonestRecordRecord>(sql,
      `SELECT uscc, case_number AS "caseNumber", court, published_on AS "publishedOn", obligation
        FROM credit.dishonest_record WHERE uscc = ANY($1) ORDER BY published_on DESC, id`, 'uscc'),
    dishonestDebtor: rowByKey<DishonestDebtorRecord>(sql,
      `SELECT id_number AS "idNumber" FROM credit.dishonest_debtor WHERE id_number = ANY($1)`, 'idNumber'),
  };
}
export type CreditLoaders = ReturnType<typeof creditLoaders>;
