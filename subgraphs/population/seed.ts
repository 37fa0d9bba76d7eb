import { insertRows, mapRows, type SeedOptions, type Sql } from '../kit/index.ts';
import { persons } from '../sample-data/index.ts';

export async function seedPopulation(sql: Sql, options: SeedOptions): Promise<void> {
  await insertRows(sql, 'population.person',
    ['id_number', 'name', 'gender', 'birth_date', 'ethnicity', 'mobile', 'household_address', 'marital_status', 'security_note'],
    mapRows(persons(options), (p) => [p.idNumber, p.name, p.gender, p.birthDate, p.ethnicity, p.mobile,
      p.householdAddress, p.maritalStatus, p.securityNote]));
}
