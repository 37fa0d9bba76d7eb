import { WELL_KNOWN } from '../fixtures.ts';

/**
 * Raw values of the well-known records that a caller without a raw grant must never see: CONDITIONAL
 * values (mobiles, household addresses, enterprise contact phones) and the raw forms of masked
 * UNCONDITIONAL ones (full names). ID numbers are listed apart: tests send them as arguments.
 */
export const RAW_SECRETS: readonly string[] = [
  ...WELL_KNOWN.persons.flatMap((p) => [p.mobile, p.householdAddress, p.name]),
  ...WELL_KNOWN.enterprises.map((e) => e.contactPhone),
].filter((v): v is string => typeof v === 'string' && v.length > 0);

export const RAW_ID_NUMBERS: readonly string[] = WELL_KNOWN.persons.map((p) => p.idNumber);

/** The raw values found in `text` (empty when nothing leaked). */
export function leaked(text: string, values: readonly string[] = RAW_SECRETS): string[] {
  return values.filter((v) => text.includes(v));
}
