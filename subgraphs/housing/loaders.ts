import { rowByKey, rowsByKey, type Sql } from '../kit/index.ts';

export interface PropertyRecord extends Record<string, unknown> {
  certificateNumber: string; address: string | null; area: number | null; usage: string | null; mortgaged: boolean | null;
}
export interface OwnerRecord extends Record<string, unknown> { certificateNumber: string; idNumber: string }
export interface OwnedPropertyRecord extends PropertyRecord { ownerIdNumber: string }

export const PROPERTY_COLUMNS = `p.certificate_number AS "certificateNumber", p.address, p.area, p.usage, p.mortgaged`;

export function housingLoaders(sql: Sql) {
  return {
    property: rowByKey<PropertyRecord>(sql,
      `SELECT ${PROPERTY_COLUMNS} FROM housing.property p WHERE p.certificate_number = ANY($1)`, 'certificateNumber'),
    /** Owners of a property in registration order. */
    owners: rowsByKey<OwnerRecord>(sql,
      `SELECT certificate_number AS "certificateNumber", id_number AS "idNumber" FROM housing.property_owner
        WHERE certificate_number = ANY($1) ORDER BY certificate_number, ordinal`, 'certificateNumber'),
    /** Properties by owner idNumber. */
    propertiesByOwner: rowsByKey<OwnedPropertyRecord>(sql,
      `SELECT o.id_number AS "ownerIdNumber", ${PROPERTY_COLUMNS}
        FROM housing.property_owner o JOIN housing.property p ON p.certificate_number = o.certificate_number
        WHERE o.id_number = ANY($1) ORDER BY o.id_number, p.certificate_number`, 'ownerIdNumber'),
  };
}
export type HousingLoaders = ReturnType<typeof housingLoaders>;
