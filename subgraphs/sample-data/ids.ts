// Check-character algorithms of the two national identifiers. Exported for the generators, the
// tests and any subgraph that validates input.

import { isValidCivil } from './dates.ts';

// GB 11643-1999 (公民身份号码): ISO 7064 MOD 11-2 over the first 17 digits.
const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;
const ID_CHECK = '10X98765432';

export function idNumberCheckChar(first17: string): string {
  if (!/^\d{17}$/.test(first17)) throw new RangeError(`expected 17 digits, got ${JSON.stringify(first17)}`);
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += (first17.charCodeAt(i) - 48) * (ID_WEIGHTS[i] as number);
  return ID_CHECK[sum % 11] as string;
}

/**
 * 18 characters, a real calendar birth date, correct check character. Only the canonical
 * upper-case 'X' is accepted: keys must compare equal as strings.
 */
export function isValidIdNumber(id: string): boolean {
  if (typeof id !== 'string' || !/^[1-9]\d{16}[\dX]$/.test(id)) return false;
  const y = Number(id.slice(6, 10));
  if (y < 1800 || !isValidCivil(y, Number(id.slice(10, 12)), Number(id.slice(12, 14)))) return false;
  return idNumberCheckChar(id.slice(0, 17)) === id[17];
}

// GB 32100-2015 (统一社会信用代码): MOD 31 over a 31-character alphabet without I, O, S, V, Z.
export const USCC_CHARSET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28] as const;

export function usccCheckChar(first17: string): string {
  if (typeof first17 !== 'string' || first17.length !== 17) {
    throw new RangeError(`expected 17 characters, got ${JSON.stringify(first17)}`);
  }
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const v = USCC_CHARSET.indexOf(first17[i] as string);
    if (v < 0) throw new RangeError(`invalid USCC character ${JSON.stringify(first17[i])}`);
    sum += v * (USCC_WEIGHTS[i] as number);
  }
  return USCC_CHARSET[(31 - (sum % 31)) % 31] as string;
}

// GB 11714-1997 (组织机构代码): 8 body characters valued 0-9, A=10 … Z=35, then a MOD 11 check.
const ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2] as const;

export function orgCodeCheckChar(body8: string): string {
  if (!/^[0-9A-Z]{8}$/.test(body8)) throw new RangeError(`expected 8 characters 0-9A-Z, got ${JSON.stringify(body8)}`);
  let sum = 0;
  for (let i = 0; i < 8; i++) {
    const c = body8.charCodeAt(i);
    sum += (c <= 57 ? c - 48 : c - 55) * (ORG_WEIGHTS[i] as number);
  }
  const r = 11 - (sum % 11);
  return r === 10 ? 'X' : r === 11 ? '0' : String(r);
}

const USCC_SHAPE = /^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$/;

/** Shape, the embedded organization code's check character, and the USCC check character. */
export function isValidUscc(uscc: string): boolean {
  if (typeof uscc !== 'string' || !USCC_SHAPE.test(uscc)) return false;
  if (orgCodeCheckChar(uscc.slice(8, 16)) !== uscc[16]) return false;
  return usccCheckChar(uscc.slice(0, 17)) === uscc[17];
}

/** Builds a complete USCC from its parts, computing both check characters. */
export function buildUscc(prefix2: string, area6: string, orgBody8: string): string {
  const first17 = `${prefix2}${area6}${orgBody8}${orgCodeCheckChar(orgBody8)}`;
  return first17 + usccCheckChar(first17);
}
