import { insertRows, mapRows, type SeedOptions, type Sql } from '../kit/index.ts';
import { allowances, marriages } from '../sample-data/index.ts';

export async function seedCivilAffairs(sql: Sql, options: SeedOptions): Promise<void> {
  await insertRows(sql, 'civil_affairs.subsistence_allowance', ['id_number', 'status', 'since', 'monthly_amount'],
    mapRows(allowances(options), (a) => [a.idNumber, a.status, a.since, a.monthlyAmount]));
  await insertRows(sql, 'civil_affairs.marriage_registration', ['id_number', 'seq', 'kind', 'registered_on', 'spouse'],
    mapRows(marriages(options), (m) => [m.idNumber, m.seq, m.kind, m.registeredOn, m.spouse]));
}
