import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAMPLE_SUBGRAPHS } from '../../subgraphs/samples.ts';
import { maskValue } from '../../schema/masking.ts';
import type { MaskRule } from '../../schema/policy-types.ts';
import { startStack, STATE_KINDS, type Stack } from '../support/stack.ts';
import { as } from '../support/tokens.ts';
import { grant } from '../support/grants.ts';
import { WELL_KNOWN } from '../support/fixtures.ts';
import { CONTACT_BANK_CARDS, CONTACT_EMAILS, contactSubgraph } from '../support/contact-subgraph.ts';

/**
 * A mask is judged with what else the same caller may read (CONTRACT §4 v1.1, GB/T 37964 joint
 * re-identification). For every masked field of the well-known persons, the tax department — holding
 * masked grants on every masked CONDITIONAL field — reads the masked value and every UNCONDITIONAL value
 * about the same person (birth date, gender, the enterprises they represent with their codes,
 * addresses and licences, credit records …) and tries to fill in what the mask hides. The v1
 * ID_NUMBER mask (first 6, last 4) failed this: its 8 hidden characters were the birth date.
 */
const MIN_CANDIDATES = 100;
/** Shorter common runs are coincidence, not knowledge (two random dates share 2 digits often). */
const MIN_RUN = 4;
const PURPOSE = '税务稽查';

const PERSON = `query($id: ID!) { person(idNumber: $id) {
  idNumber name gender birthDate ethnicity dishonestDebtor mobile householdAddress bankCard email
  enterprises { uscc name kind status establishedDate registeredCapital address businessScope creditRating
    insuredEmployeeCount contactPhone dishonestRecords { caseNumber court publishedOn obligation }
    licenses { id type number title issuer issuedOn validUntil status } }
} }`;

/** The masked fields of Person as the query above reads them, with where the raw value comes from. */
const MASKED: Array<{ key: string; rule: MaskRule; raw: (p: Record<string, any>) => string | null }> = [
  { key: 'idNumber', rule: 'ID_NUMBER', raw: (p) => p.idNumber },
  { key: 'name', rule: 'NAME', raw: (p) => p.name },
  { key: 'mobile', rule: 'MOBILE', raw: (p) => p.mobile },
  { key: 'householdAddress', rule: 'ADDRESS', raw: (p) => p.householdAddress },
  { key: 'bankCard', rule: 'BANK_CARD', raw: (p) => CONTACT_BANK_CARDS[p.idNumber] ?? null },
  { key: 'email', rule: 'EMAIL', raw: (p) => CONTACT_EMAILS[p.idNumber] ?? null },
];

const cps = (s: string) => Array.from(s);
const alphabet = (c: string) => (/[0-9]/.test(c) ? 10 : /[A-Za-z]/.test(c) ? 26 : 3000);

/** Every string the caller read that is not itself a masked value, plus its digits-only form. */
function knownValues(value: unknown, skip: ReadonlySet<string>, out: string[] = []): string[] {
  if (typeof value === 'string' || typeof value === 'number') {
    const text = String(value);
    out.push(text, text.replace(/[^0-9A-Za-z]/g, ''));
  } else if (Array.isArray(value)) {
    for (const v of value) knownValues(v, skip, out);
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) if (!skip.has(k)) knownValues(v, skip, out);
  }
  return out;
}

/**
 * Hidden positions of `raw` (by code point) that a known value gives away: a run of a known value equal
 * to `raw` there and covering at least MIN_RUN hidden characters (the birth date inside an ID number,
 * the region code an enterprise's USCC shares with its representative's ID number). This reads the raw
 * value to find the right alignment, which the attacker cannot: it overstates what the attacker learns.
 */
function explained(raw: string[], hidden: ReadonlySet<number>, known: readonly string[]): Set<number> {
  const covered = new Set<number>();
  for (const value of known) {
    const v = cps(value);
    for (let i = 0; i < raw.length; i++) for (let j = 0; j < v.length; j++) {
      let n = 0;
      while (i + n < raw.length && j + n < v.length && raw[i + n] === v[j + n]) n++;
      const inside = Array.from({ length: n }, (_, k) => i + k).filter((p) => hidden.has(p));
      if (inside.length >= MIN_RUN) for (const p of inside) covered.add(p);
    }
  }
  return covered;
}

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK = '10X98765432';

/**
 * How many values are consistent with what the caller knows: the masked value's kept characters, the
 * positions explained by what it read, and — for ID numbers — the check character (GB 11643) and the
 * gender digit. Counted exactly for small spaces, estimated above, capped at a million.
 */
function candidates(rule: MaskRule, raw: string, masked: string, known: readonly string[], gender: string | null): number {
  const r = cps(raw);
  const m = cps(masked);
  const hidden = new Set<number>();
  if (rule === 'ADDRESS' || rule === 'EMAIL') {
    // A fixed number of `*` stands for the hidden part: every character after the sixth (ADDRESS), or
    // of the local part after its first (EMAIL), is hidden whatever its length.
    const end = rule === 'EMAIL' ? r.lastIndexOf('@') : r.length;
    for (let i = rule === 'EMAIL' ? 1 : 6; i < end; i++) hidden.add(i);
  } else {
    for (let i = 0; i < r.length; i++) if (m[i] === '*' && m[i] !== r[i]) hidden.add(i);
  }
  const fixed = explained(r, hidden, known);
  const unknown = [...hidden].filter((i) => !fixed.has(i));
  const space = unknown.reduce((n, i) => n * alphabet(r[i]!), 1);
  if (rule !== 'ID_NUMBER') return Math.min(space, 1_000_000);
  // Past this many, the check character (1 in 11) and the gender digit (1 in 2) are applied as ratios.
  if (space > 100_000) return Math.min(Math.floor(space / 22), 1_000_000);
  let count = 0;
  const digits = r.slice();
  const visit = (k: number) => {
    if (k === unknown.length) {
      const sum = digits.slice(0, 17).reduce((s, d, i) => s + Number(d) * ID_WEIGHTS[i]!, 0);
      const parityOk = gender === null || (Number(digits[16]) % 2 === 1) === (gender === 'MALE');
      if (ID_CHECK[sum % 11] === digits[17] && parityOk) count++;
      return;
    }
    for (let d = 0; d <= 9; d++) { digits[unknown[k]!] = String(d); visit(k + 1); }
  };
  visit(0);
  return count;
}

describe.each(STATE_KINDS)('masks against joint re-identification (%s state)', (stateKind) => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ state: stateKind, definitions: [...SAMPLE_SUBGRAPHS, contactSubgraph], transport: 'inject' });
    // Masked (not raw) grants on every masked CONDITIONAL field: the caller sees each masked value.
    await grant(stack, 'tax', ['Person.mobile', 'Person.householdAddress', 'Enterprise.contactPhone', 'Person.bankCard', 'Person.email'], { purpose: PURPOSE });
  });
  afterAll(async () => { await stack?.close(); });

  it('ID_NUMBER keeps the first and the last character only (v1.1)', async () => {
    const { body } = await stack.query('{ person(idNumber: "43010219850312123X") { idNumber birthDate } }', {}, await as('tax'));
    expect(body.data.person).toEqual({ idNumber: '4****************X', birthDate: '1985-03-12' });
    // The v1 attack: the hidden middle of 430102********123X was exactly the birth date.
    expect(body.data.person.idNumber.replace('********', '19850312')).not.toBe('43010219850312123X');
  });

  it.each(WELL_KNOWN.persons.map((p) => [p.name, p] as const))('no masked value of %s can be filled in from what tax may read', async (_, person) => {
    const { body } = await stack.query(PERSON, { id: person.idNumber }, await as('tax', { purpose: PURPOSE }));
    expect(body.errors).toBeUndefined();
    const read = body.data.person;
    const known = knownValues(read, new Set(MASKED.map((m) => m.key).concat('contactPhone')));
    for (const { key, rule, raw } of MASKED) {
      const value = raw(person);
      if (value === null) continue;
      expect(read[key], `${key} is served masked`).toBe(maskValue(rule, value));
      const normalised = value.replace(/[^0-9A-Za-z]/g, '');
      // Nothing the caller read carries the raw value itself …
      expect(known.filter((k) => k.includes(value) || (normalised.length >= MIN_RUN && k.includes(normalised))), `${key} appears as it is`).toEqual([]);
      // … nor enough of it to narrow the hidden part below MIN_CANDIDATES values.
      const count = candidates(rule, value, read[key], known, rule === 'ID_NUMBER' ? read.gender : null);
      expect(count, `${key} (${rule}) of ${person.name}: candidates left`).toBeGreaterThanOrEqual(MIN_CANDIDATES);
    }
  });

  it('would have caught the v1 ID_NUMBER mask', async () => {
    const { body } = await stack.query(PERSON, { id: '43010219850312123X' }, await as('tax', { purpose: PURPOSE }));
    const known = knownValues(body.data.person, new Set(MASKED.map((m) => m.key)));
    const v1 = '430102********123X';
    expect(candidates('ID_NUMBER', '43010219850312123X', v1, known, body.data.person.gender)).toBe(1);
  });
});
