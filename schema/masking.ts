// Desensitization rules of CONTRACT §4.
//
// Characters are Unicode code points. Rather than materialising `Array.from(value)`
// for every masked value in every response, the code walks UTF-16 code units and
// treats a high surrogate followed by a low surrogate as one character — exactly the
// segmentation `Array.from` uses (a lone surrogate counts as one character) — and then
// slices only at offsets that walk produced, so no surrogate pair is ever split.

import type { MaskRule } from './policy-types.ts';

const ADDRESS_KEEP = 6;
const ADDRESS_TAIL = '****';
const EMAIL_STARS = '***@';
const OPAQUE = '****';

function isHigh(unit: number): boolean {
  return unit >= 0xd800 && unit <= 0xdbff;
}

function isLow(unit: number): boolean {
  return unit >= 0xdc00 && unit <= 0xdfff;
}

/** UTF-16 length of the code point starting at `i`. */
function unitsAt(value: string, i: number): number {
  return isHigh(value.charCodeAt(i)) && i + 1 < value.length && isLow(value.charCodeAt(i + 1)) ? 2 : 1;
}

function codePointCount(value: string): number {
  let count = 0;
  for (let i = 0; i < value.length; i += unitsAt(value, i)) count++;
  return count;
}

/** Nothing may be revealed, not even a kept character: only the length survives. */
function allStars(value: string): string {
  return '*'.repeat(codePointCount(value));
}

/** Keeps `head` leading and `tail` trailing code points, each other one becomes `*`. */
function keepEnds(value: string, head: number, tail: number): string {
  const keep = head + tail;
  // Every code point is at least one unit, so this skips the walk for short values.
  if (value.length <= keep) return allStars(value);

  let count = 0;
  let headEnd = 0;
  for (let i = 0; i < value.length; i += unitsAt(value, i)) {
    count++;
    if (count === head) headEnd = i + unitsAt(value, i);
  }
  if (count <= keep) return '*'.repeat(count);

  // Walking backwards, a low surrogate belongs to the preceding high one exactly when
  // the forward walk would have paired them, so the two walks agree on boundaries.
  let tailStart = value.length;
  for (let k = 0; k < tail; k++) {
    tailStart--;
    if (tailStart > 0 && isLow(value.charCodeAt(tailStart)) && isHigh(value.charCodeAt(tailStart - 1))) tailStart--;
  }
  return value.slice(0, headEnd) + '*'.repeat(count - keep) + value.slice(tailStart);
}

function maskAddress(value: string): string {
  // Only the first seven code points matter, so long addresses are never fully scanned.
  let count = 0;
  let i = 0;
  while (i < value.length && count < ADDRESS_KEEP) {
    i += unitsAt(value, i);
    count++;
  }
  if (i >= value.length) return '*'.repeat(count);
  return value.slice(0, i) + ADDRESS_TAIL;
}

function maskEmail(value: string): string {
  // The last `@` separates the domain: a local part may itself contain a quoted `@`,
  // a domain may not. `@` is not a surrogate, so its index is a code-point boundary.
  const at = value.lastIndexOf('@');
  if (at < 0) return keepEnds(value, 1, 0);
  // The rule keeps the local part's first character, the `@` and the domain. With a
  // local part of at most one character (`@x.cn`, `a@b`) that is the whole value,
  // so, like a one-character name, it is too short and becomes all `*`.
  if (at === 0 || unitsAt(value, 0) >= at) return allStars(value);
  return value.slice(0, unitsAt(value, 0)) + EMAIL_STARS + value.slice(at + 1);
}

export function maskValue(rule: MaskRule, value: string): string {
  switch (rule) {
    case 'NAME': return keepEnds(value, 1, 0);
    // v1.1: first 1 and last 1. The v1 rule (first 6, last 4) hid exactly the birth date, which
    // Person.birthDate serves UNCONDITIONALLY: together they gave the whole number back (CONTRACT §4).
    case 'ID_NUMBER': return keepEnds(value, 1, 1);
    case 'MOBILE': return keepEnds(value, 3, 4);
    case 'BANK_CARD': return keepEnds(value, 6, 4);
    case 'ADDRESS': return maskAddress(value);
    case 'EMAIL': return maskEmail(value);
    default: {
      // A rule unknown at run time (bad data past the type system) must fail closed.
      const unknownRule: never = rule;
      void unknownRule;
      return allStars(value);
    }
  }
}

/**
 * Masks any JSON leaf the gateway may hand it: strings masked; null/undefined returned as is;
 * numbers and booleans are turned into strings first and masked (a masked field never leaks a
 * raw number); arrays masked element-wise (lists of scalars).
 */
export function maskLeaf(rule: MaskRule, value: unknown): unknown {
  if (value === null || value === undefined) return value;
  if (typeof value === 'string') return maskValue(rule, value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return maskValue(rule, String(value));
  }
  // Recursion also covers nested lists such as `[[String]]`.
  if (Array.isArray(value)) return value.map((item) => maskLeaf(rule, item));
  // An object (a JSON scalar, say) has no defined masking; revealing none of it is the
  // only safe answer, and a string still serialises for a String-typed field.
  return OPAQUE;
}
