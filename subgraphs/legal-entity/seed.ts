import { insertRows, mapRows, type SeedOptions, type Sql } from '../kit/index.ts';
import { enterprises } from '../sample-data/index.ts';

export async function seedLegalEntity(sql: Sql, options: SeedOptions): Promise<void> {
  await insertRows(sql, 'legal_entity.enterprise',
    ['uscc', 'name', 'kind', 'status', 'established_date', 'registered_capital', 'address', 'business_scope',
      'legal_representative', 'contact_phone'],
    mapRows(enterprises(options), (e) => [e.uscc, e.name, e.kind, e.status, e.establishedDate, e.registeredCapital,
      e.address, e.businessScope, e.legalRepresentative, e.contactPhone]));
}
