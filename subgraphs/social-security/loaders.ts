import { rowByKey, type Sql } from '../kit/index.ts';

export interface PensionRecord extends Record<string, unknown> {
  idNumber: string; status: string; startDate: string | null; paidMonths: number;
  /** The employer's uscc. */
  employer: string | null;
}
export interface MedicalInsuranceRecord extends Record<string, unknown> {
  idNumber: string; status: string; category: string | null;
}
export interface EnterpriseInsuredRecord extends Record<string, unknown> { uscc: string; insuredEmployeeCount: number }

export function socialSecurityLoaders(sql: Sql) {
  return {
    pension: rowByKey<PensionRecord>(sql,
      `SELECT id_number AS "idNumber", status, start_date AS "startDate", paid_months AS "paidMonths", employer
        FROM social_security.pension WHERE id_number = ANY($1)`, 'idNumber'),
    medicalInsurance: rowByKey<MedicalInsuranceRecord>(sql,
      `SELECT id_number AS "idNumber", status, category
        FROM social_security.medical_insurance WHERE id_number = ANY($1)`, 'idNumber'),
    enterpriseInsured: rowByKey<EnterpriseInsuredRecord>(sql,
      `SELECT uscc, insured_employee_count AS "insuredEmployeeCount"
        FROM social_security.enterprise_insured WHERE uscc = ANY($1)`, 'uscc'),
  };
}
export type SocialSecurityLoaders = ReturnType<typeof socialSecurityLoaders>;
