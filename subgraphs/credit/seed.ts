import { insertRows, mapRows, type SeedOptions, type Sql } from '../kit/index.ts';
import { credits, dishonestDebtors, dishonestRecords } from '../sample-data/index.ts';

export async function seedCredit(sql: Sql, options: SeedOptions): Promise<void> {
  await insertRows(sql, 'credit.enterprise_credit', ['uscc', 'credit_rating', 'internal_risk_score'],
    mapRows(credits(options), (c) => [c.uscc, c.creditRating, c.internalRiskScore]));
  await insertRows(sql, 'credit.dishonest_record', ['uscc', 'case_number', 'court', 'published_on', 'obligation'],
    mapRows(dishonestRecords(options), (d) => [d.uscc, d.caseNumber, d.court, d.publishedOn, d.obligation]));
  await insertRows(sql, 'credit.dishonest_debtor', ['id_number'],
    mapRows(dishonestDebtors(options), (d) => [d.idNumber]));
}
