import { insertRows, mapRows, type SeedOptions, type Sql } from '../kit/index.ts';
import { licenses } from '../sample-data/index.ts';

export async function seedELicense(sql: Sql, options: SeedOptions): Promise<void> {
  await insertRows(sql, 'e_license.license',
    ['id', 'type', 'number', 'title', 'issuer', 'issued_on', 'valid_until', 'status', 'holder_enterprise', 'holder_person'],
    mapRows(licenses(options), (l) => [l.id, l.type, l.number, l.title, l.issuer, l.issuedOn, l.validUntil, l.status,
      l.holderEnterprise, l.holderPerson]));
}
