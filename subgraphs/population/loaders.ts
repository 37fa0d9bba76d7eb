import { rowByKey, type Sql } from '../kit/index.ts';

export interface PersonRecord extends Record<string, unknown> {
  idNumber: string; name: string; gender: string; birthDate: string; ethnicity: string | null;
  mobile: string | null; householdAddress: string | null; maritalStatus: string | null; securityNote: string | null;
}

export const PERSON_COLUMNS = `id_number AS "idNumber", name, gender, birth_date AS "birthDate", ethnicity, mobile,
  household_address AS "householdAddress", marital_status AS "maritalStatus", security_note AS "securityNote"`;

export function populationLoaders(sql: Sql) {
  return {
    person: rowByKey<PersonRecord>(sql,
      `SELECT ${PERSON_COLUMNS} FROM population.person WHERE id_number = ANY($1)`, 'idNumber'),
  };
}
export type PopulationLoaders = ReturnType<typeof populationLoaders>;
