import { insertRows, mapRows, type SeedOptions, type Sql } from '../kit/index.ts';
import { employeeCounts, medicalInsurances, pensions } from '../sample-data/index.ts';

export async function seedSocialSecurity(sql: Sql, options: SeedOptions): Promise<void> {
  await insertRows(sql, 'social_security.pension', ['id_number', 'status', 'start_date', 'paid_months', 'employer'],
    mapRows(pensions(options), (p) => [p.idNumber, p.status, p.startDate, p.paidMonths, p.employer]));
  await insertRows(sql, 'social_security.medical_insurance', ['id_number', 'status', 'category'],
    mapRows(medicalInsurances(options), (m) => [m.idNumber, m.status, m.category]));
  await insertRows(sql, 'social_security.enterprise_insured', ['uscc', 'insured_employee_count'],
    mapRows(employeeCounts(options), (e) => [e.uscc, e.insuredEmployeeCount]));
}
