// Injective organization-code bodies for generated enterprises. A slot picks the 5 variable
// characters; two spellings share the slot space without overlapping: "MA4" + 5 USCC characters
// (codes issued since the 2015 reform) and "4"…"6" + 7 digits (older numeric codes).

import { USCC_CHARSET } from './ids.ts';

const BODY_CHARS = 5;
export const ORG_SLOT_SPACE = USCC_CHARSET.length ** BODY_CHARS;
const MODERN_PREFIX = 'MA4';
const NUMERIC_BASE = 40_000_000;

export function orgBodyForSlot(slot: number, modern: boolean): string {
  if (!modern) return String(NUMERIC_BASE + slot);
  let s = '';
  let x = slot;
  for (let i = 0; i < BODY_CHARS; i++) {
    s = USCC_CHARSET[x % USCC_CHARSET.length] + s;
    x = Math.floor(x / USCC_CHARSET.length);
  }
  return MODERN_PREFIX + s;
}

/** The slot an existing USCC's organization code occupies under either spelling, or null. */
export function slotOfUscc(uscc: string): number | null {
  const body = uscc.slice(8, 16);
  if (body.startsWith(MODERN_PREFIX) && body.length === 8) {
    let x = 0;
    for (const c of body.slice(MODERN_PREFIX.length)) {
      const v = USCC_CHARSET.indexOf(c);
      if (v < 0) return null;
      x = x * USCC_CHARSET.length + v;
    }
    return x;
  }
  if (/^\d{8}$/.test(body)) {
    const x = Number(body) - NUMERIC_BASE;
    return x >= 0 && x < ORG_SLOT_SPACE ? x : null;
  }
  return null;
}
