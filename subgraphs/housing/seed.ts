import { insertRows, mapRows, type SeedOptions, type Sql } from '../kit/index.ts';
import { properties, type PropertyRow } from '../sample-data/index.ts';

/** One row per (property, owner), keeping the owners' order; streams like `mapRows`. */
function* ownerRows(rows: Iterable<PropertyRow>): Generator<unknown[]> {
  for (const p of rows) {
    for (let i = 0; i < p.owners.length; i++) yield [p.certificateNumber, i + 1, p.owners[i]];
  }
}

export async function seedHousing(sql: Sql, options: SeedOptions): Promise<void> {
  await insertRows(sql, 'housing.property', ['certificate_number', 'address', 'area', 'usage', 'mortgaged'],
    mapRows(properties(options), (p) => [p.certificateNumber, p.address, p.area, p.usage, p.mortgaged]));
  // A second lazy pass over the same deterministic sequence (the owners never sit in memory).
  await insertRows(sql, 'housing.property_owner', ['certificate_number', 'ordinal', 'id_number'],
    ownerRows(properties(options)));
}
