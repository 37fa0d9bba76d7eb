import { describe, it, expect } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';
import * as S from '../subgraphs/sample-data/index.ts';
import { ReservedSlotPermutation } from '../subgraphs/sample-data/permutation.ts';
import { seedWords } from '../subgraphs/sample-data/random.ts';
import { contextFor } from '../subgraphs/sample-data/context.ts';
import { personIdentity, slotOfIdNumber } from '../subgraphs/sample-data/person-identity.ts';
import { slotOfUscc } from '../subgraphs/sample-data/uscc-slots.ts';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const FIXTURE_FILE = path.join(REPO, 'subgraphs/sample-data/well-known.json');
const SHARED_FIXTURE_FILE = path.resolve(REPO, '../shared/fixtures/well-known.json');

// The test reads the fixture file itself rather than trusting wellKnown(), so a mapping bug in
// the library cannot hide behind the same bug in the expectation.
const W = JSON.parse(readFileSync(FIXTURE_FILE, 'utf8')) as S.WellKnown;

type AnyGen = (o: S.SampleOptions) => Iterable<unknown>;
const DATA_SETS: Record<string, AnyGen> = {
  persons: S.persons, enterprises: S.enterprises, credits: S.credits, dishonestRecords: S.dishonestRecords,
  dishonestDebtors: S.dishonestDebtors, licenses: S.licenses, properties: S.properties, pensions: S.pensions,
  medicalInsurances: S.medicalInsurances, employeeCounts: S.employeeCounts, allowances: S.allowances,
  marriages: S.marriages,
};

/** The fixture rows each data set must start with, built straight from the JSON. */
const EXPECTED_FIXTURE_ROWS: Record<string, unknown[]> = {
  persons: W.persons.map((p) => ({
    idNumber: p.idNumber, name: p.name, gender: p.gender, birthDate: p.birthDate, ethnicity: p.ethnicity,
    mobile: p.mobile, householdAddress: p.householdAddress, maritalStatus: p.maritalStatus, securityNote: p.securityNote,
  })),
  enterprises: W.enterprises.map((e) => ({
    uscc: e.uscc, name: e.name, kind: e.kind, status: e.status, establishedDate: e.establishedDate,
    registeredCapital: e.registeredCapital, address: e.address, businessScope: e.businessScope,
    legalRepresentative: e.legalRepresentative, contactPhone: e.contactPhone,
  })),
  credits: W.enterprises.map((e) => ({ uscc: e.uscc, creditRating: e.creditRating, internalRiskScore: e.internalRiskScore })),
  dishonestRecords: W.enterprises.flatMap((e) => e.dishonestRecords.map((d) => ({ uscc: e.uscc, ...d }))),
  dishonestDebtors: W.persons.filter((p) => p.dishonestDebtor).map((p) => ({ idNumber: p.idNumber })),
  licenses: W.licenses.map(({ holder, ...l }) => ({
    ...l, holderEnterprise: holder.enterprise ?? null, holderPerson: holder.person ?? null,
  })),
  properties: W.properties,
  pensions: W.persons.map((p) => ({ idNumber: p.idNumber, ...p.pension })),
  medicalInsurances: W.persons.map((p) => ({ idNumber: p.idNumber, ...p.medicalInsurance })),
  employeeCounts: W.enterprises.map((e) => ({ uscc: e.uscc, insuredEmployeeCount: e.insuredEmployeeCount })),
  allowances: W.persons.map((p) => ({ idNumber: p.idNumber, ...p.subsistenceAllowance })),
  marriages: W.persons.flatMap((p) => p.marriageRegistrations.map((m, seq) => ({ idNumber: p.idNumber, seq, ...m }))),
};

const DISTRICT_NAMES: Record<string, string> = {
  '430102': '芙蓉区', '430103': '天心区', '430104': '岳麓区', '430105': '开福区', '430111': '雨花区',
  '430112': '望城区', '430121': '长沙县', '430181': '浏阳市', '430182': '宁乡市',
};
const FIXTURE_PERSON_IDS = new Set(W.persons.map((p) => p.idNumber));
const FIXTURE_USCCS = new Set(W.enterprises.map((e) => e.uscc));

const all = <T>(g: Iterable<T>): T[] => Array.from(g);
const generatedPart = (name: string, rows: unknown[]) => rows.slice((EXPECTED_FIXTURE_ROWS[name] as unknown[]).length);

// Materialized once: several describe blocks check the same persons=5000 sample from different angles.
const O5 = { seed: 42, persons: 5000 };
let sample5000: ReturnType<typeof materialize> | undefined;
function materialize(o: S.SampleOptions) {
  return {
    persons: all(S.persons(o)), enterprises: all(S.enterprises(o)), credits: all(S.credits(o)),
    dishonestRecords: all(S.dishonestRecords(o)), dishonestDebtors: all(S.dishonestDebtors(o)),
    licenses: all(S.licenses(o)), properties: all(S.properties(o)), pensions: all(S.pensions(o)),
    medicalInsurances: all(S.medicalInsurances(o)), employeeCounts: all(S.employeeCounts(o)),
    allowances: all(S.allowances(o)), marriages: all(S.marriages(o)),
  };
}
const s5000 = () => (sample5000 ??= materialize(O5));

describe('check algorithms', () => {
  it('accepts known vectors and computes their check characters', () => {
    for (const id of ['43010219850312123X', '11010519491231002X', '440524188001010014']) expect(S.isValidIdNumber(id)).toBe(true);
    expect(S.idNumberCheckChar('43010219850312123')).toBe('X');
    expect(S.idNumberCheckChar('44052418800101001')).toBe('4');
    for (const u of ['91430100MA4L00011K', '91350100M000100Y43']) expect(S.isValidUscc(u)).toBe(true);
    expect(S.usccCheckChar('91430100MA4L00011')).toBe('K');
    expect(S.usccCheckChar('91350100M000100Y4')).toBe('3');
    expect(S.orgCodeCheckChar('MA4L0001')).toBe('1');
  });

  it('rejects every corrupted check character', () => {
    for (const id of ['43010219850312123X', '430105197806152345', '11010519491231002X']) {
      for (const c of '0123456789X') {
        if (c !== id[17]) expect(S.isValidIdNumber(id.slice(0, 17) + c), id.slice(0, 17) + c).toBe(false);
      }
    }
    for (const u of ['91430100MA4L00011K', '12430100MB1234562J']) {
      for (const c of '0123456789ABCDEFGHJKLMNPQRTUWXY') {
        if (c !== u[17]) expect(S.isValidUscc(u.slice(0, 17) + c), u.slice(0, 17) + c).toBe(false);
      }
    }
  });

  it('rejects a wrong organization-code check even when the USCC check is recomputed', () => {
    const body = '91430100MA4L0001';
    for (const wrong of '023456789X') {
      const first17 = body + wrong;
      expect(S.isValidUscc(first17 + S.usccCheckChar(first17)), first17).toBe(false);
    }
    const good = body + '1';
    expect(S.isValidUscc(good + S.usccCheckChar(good))).toBe(true);
  });

  it('rejects bad shapes: lower-case x, impossible dates, wrong length, excluded letters', () => {
    expect(S.isValidIdNumber('11010519491231002x')).toBe(false);
    const feb30 = '43010219850230123';
    expect(S.isValidIdNumber(feb30 + S.idNumberCheckChar(feb30))).toBe(false);
    expect(S.isValidIdNumber('4301021985031212X')).toBe(false);
    expect(S.isValidUscc('91430100MA4L00011')).toBe(false);
    expect(S.isValidUscc('91430100MA4I00011K')).toBe(false); // I is not in the USCC alphabet
    expect(() => S.idNumberCheckChar('1234')).toThrow(RangeError);
    expect(() => S.usccCheckChar('91430100MA4L0001I')).toThrow(RangeError);
  });

  it('maps organization-code remainders 10 and 11 to X and 0', () => {
    // 1·3 + 1·4 + 8·2 = 23, 23 mod 11 = 1, 11 − 1 = 10 → X
    expect(S.orgCodeCheckChar('10000018')).toBe('X');
    // 1·3 + 4·2 = 11, 11 mod 11 = 0, 11 − 0 = 11 → 0
    expect(S.orgCodeCheckChar('10000004')).toBe('0');
    // 1·3 + 1·2 = 5, 11 − 5 = 6
    expect(S.orgCodeCheckChar('10000001')).toBe('6');
  });

  it('agrees with an independent reference implementation on random inputs', () => {
    const idRef = (s: string) => '10X98765432'[[...s].reduce((t, c, i) => t + Number(c) * ((2 ** (17 - i)) % 11), 0) % 11];
    const cs = '0123456789ABCDEFGHJKLMNPQRTUWXY';
    const usccRef = (s: string) => cs[(31 - ([...s].reduce((t, c, i) => t + cs.indexOf(c) * ((3 ** i) % 31), 0) % 31)) % 31];
    const orgVal = (c: string) => (/\d/.test(c) ? Number(c) : c.charCodeAt(0) - 55);
    const orgRef = (s: string) => {
      const r = 11 - ([...s].reduce((t, c, i) => t + orgVal(c) * [3, 7, 9, 10, 5, 8, 4, 2][i]!, 0) % 11);
      return r === 10 ? 'X' : r === 11 ? '0' : String(r);
    };
    let x = 12345;
    const rnd = (n: number) => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) % n);
    const seen = new Set<string>();
    for (let k = 0; k < 3000; k++) {
      const id17 = Array.from({ length: 17 }, () => String(rnd(10))).join('');
      expect(S.idNumberCheckChar(id17)).toBe(idRef(id17));
      const u17 = Array.from({ length: 17 }, () => cs[rnd(31)]).join('');
      expect(S.usccCheckChar(u17)).toBe(usccRef(u17));
      const o8 = Array.from({ length: 8 }, () => cs[rnd(31)]).join('');
      const oc = S.orgCodeCheckChar(o8);
      expect(oc).toBe(orgRef(o8));
      seen.add(oc);
    }
    expect(seen.has('X') && seen.has('0')).toBe(true);
  });
});

describe('fixtures', () => {
  it('every fixture ID number and USCC passes its check algorithm', () => {
    for (const id of [...W.persons.map((p) => p.idNumber), ...W.absentPersons]) expect(S.isValidIdNumber(id), id).toBe(true);
    for (const u of [...W.enterprises.map((e) => e.uscc), ...W.absentEnterprises]) expect(S.isValidUscc(u), u).toBe(true);
  });

  it('wellKnown() returns the file, and mutating it cannot change the data sets', () => {
    const w = S.wellKnown();
    expect(w).toEqual(W);
    w.persons[0]!.name = '篡改';
    w.properties[0]!.owners.push('x');
    expect(S.wellKnown()).toEqual(W);
    expect(all(S.persons({ seed: 1, persons: 0 }))[0]).toEqual(EXPECTED_FIXTURE_ROWS.persons![0]);
    expect(all(S.properties({ seed: 1, persons: 0 }))[0]).toEqual(W.properties[0]);
  });

  for (const [seed, persons] of [[42, 0], [42, 500], [7, 500], [123456789012, 50]] as const) {
    it(`every data set starts with the fixture rows exactly as written (seed ${seed}, persons ${persons})`, () => {
      for (const [name, gen] of Object.entries(DATA_SETS)) {
        const expected = EXPECTED_FIXTURE_ROWS[name]!;
        const rows = all(gen({ seed, persons }));
        expect(rows.slice(0, expected.length), name).toEqual(expected);
        if (persons === 0) expect(rows.length, name).toBe(expected.length);
      }
    });
  }

  it('the fixtures contain something in every data set (so the checks above are not vacuous)', () => {
    for (const [name, rows] of Object.entries(EXPECTED_FIXTURE_ROWS)) expect(rows.length, name).toBeGreaterThan(0);
  });

  it('equals ../shared/fixtures/well-known.json', (ctx) => {
    if (!existsSync(SHARED_FIXTURE_FILE)) ctx.skip();
    expect(JSON.parse(readFileSync(SHARED_FIXTURE_FILE, 'utf8'))).toEqual(W);
    expect(readFileSync(SHARED_FIXTURE_FILE, 'utf8')).toBe(readFileSync(FIXTURE_FILE, 'utf8'));
  });
});

describe('determinism', () => {
  const O = { seed: 42, persons: 2000 };

  it('same options give identical output for every data set, in any generation order', () => {
    const first = Object.fromEntries(Object.entries(DATA_SETS).map(([n, g]) => [n, JSON.stringify(all(g(O)))]));
    const reversed = Object.entries(DATA_SETS).reverse();
    for (const [name, gen] of reversed) expect(JSON.stringify(all(gen({ ...O }))), name).toBe(first[name]);
    // Interleaved consumption: two live generators of different data sets must not disturb each other.
    const a = S.persons(O)[Symbol.iterator]();
    const b = S.marriages(O)[Symbol.iterator]();
    const pa: unknown[] = [];
    const pb: unknown[] = [];
    for (;;) {
      const x = a.next();
      const y = b.next();
      if (!x.done) pa.push(x.value);
      if (!y.done) pb.push(y.value);
      if (x.done && y.done) break;
    }
    expect(JSON.stringify(pa)).toBe(first.persons);
    expect(JSON.stringify(pb)).toBe(first.marriages);
  });

  it('a different seed gives different generated data in every data set', () => {
    for (const [name, gen] of Object.entries(DATA_SETS)) {
      const a = generatedPart(name, all(gen({ seed: 42, persons: 4000 })));
      const b = generatedPart(name, all(gen({ seed: 43, persons: 4000 })));
      expect(a.length, name).toBeGreaterThan(0);
      expect(JSON.stringify(a), name).not.toBe(JSON.stringify(b));
    }
    const ids = (seed: number) => new Set(all(S.persons({ seed, persons: 1000 })).slice(W.persons.length).map((p) => p.idNumber));
    const a = ids(42);
    const overlap = [...ids(43)].filter((id) => a.has(id)).length;
    expect(overlap).toBeLessThan(10);
  });

  it('seeds beyond 32 bits are distinct from their low word', () => {
    const low = JSON.stringify(all(S.persons({ seed: 5, persons: 50 })));
    expect(JSON.stringify(all(S.persons({ seed: 5 + 2 ** 32, persons: 50 })))).not.toBe(low);
  });

  it('generated persons depend only on their index (a smaller sample is a prefix of a larger one)', () => {
    const small = all(S.persons({ seed: 9, persons: 300 })).map((p) => p.idNumber);
    const big = all(S.persons({ seed: 9, persons: 3000 })).map((p) => p.idNumber);
    expect(big.slice(0, small.length)).toEqual(small);
  });
});

describe('options', () => {
  it('DEFAULT_SAMPLE and sampleOptionsFromEnv', () => {
    expect(S.DEFAULT_SAMPLE).toEqual({ seed: 42, persons: 10000 });
    expect(S.sampleOptionsFromEnv({})).toEqual({ seed: 42, persons: 10000 });
    expect(S.sampleOptionsFromEnv({ GOVSHARE_SEED: '7', GOVSHARE_SAMPLE_PERSONS: '123' })).toEqual({ seed: 7, persons: 123 });
    expect(S.sampleOptionsFromEnv({ GOVSHARE_SEED: '', GOVSHARE_SAMPLE_PERSONS: ' ' })).toEqual({ seed: 42, persons: 10000 });
    expect(() => S.sampleOptionsFromEnv({ GOVSHARE_SEED: 'abc' })).toThrow(/GOVSHARE_SEED/);
    expect(() => S.sampleOptionsFromEnv({ GOVSHARE_SAMPLE_PERSONS: '-1' })).toThrow(/persons/);
    expect(() => S.sampleOptionsFromEnv({ GOVSHARE_SAMPLE_PERSONS: '1.5' })).toThrow(/persons/);
  });

  it('generators reject invalid options when called, not at the first row', () => {
    expect(() => S.persons({ seed: 1, persons: -3 })).toThrow(RangeError);
    expect(() => S.licenses({ seed: 0.5, persons: 3 })).toThrow(RangeError);
  });

  it('enterprise count is about persons/20, at least 1 once there are persons', () => {
    expect(S.enterpriseCount({ seed: 1, persons: 0 })).toBe(0);
    expect(S.enterpriseCount({ seed: 1, persons: 1 })).toBe(1);
    expect(S.enterpriseCount({ seed: 1, persons: 20000 })).toBe(1000);
    expect(all(S.enterprises({ seed: 1, persons: 1 })).length).toBe(W.enterprises.length + 1);
    // Tiny samples still produce consistent cross references.
    for (const n of [1, 2, 3]) {
      const ids = new Set(all(S.persons({ seed: 3, persons: n })).map((p) => p.idNumber));
      for (const e of S.enterprises({ seed: 3, persons: n })) expect(ids.has(e.legalRepresentative)).toBe(true);
      for (const p of S.pensions({ seed: 3, persons: n })) expect(p.employer === null || p.employer.length === 18).toBe(true);
    }
  });
});

describe('generated records are valid', () => {
  it('every ID number and USCC passes its check algorithm (persons=5000)', () => {
    const d = s5000();
    expect(d.persons.length).toBe(5000 + W.persons.length);
    for (const p of d.persons) expect(S.isValidIdNumber(p.idNumber), p.idNumber).toBe(true);
    expect(d.enterprises.length).toBe(250 + W.enterprises.length);
    for (const e of d.enterprises) expect(S.isValidUscc(e.uscc), e.uscc).toBe(true);
  });

  it('persons: 长沙 area codes, birth dates 1940–2008 matching the ID, gender = parity of the 17th digit', () => {
    for (const p of generatedPart('persons', s5000().persons) as S.PersonRow[]) {
      const district = DISTRICT_NAMES[p.idNumber.slice(0, 6)];
      expect(district, p.idNumber).toBeDefined();
      expect(p.idNumber.slice(6, 14)).toBe(p.birthDate.replaceAll('-', ''));
      const year = Number(p.birthDate.slice(0, 4));
      expect(year >= 1940 && year <= 2008, p.birthDate).toBe(true);
      expect(Number(p.idNumber[16]) % 2 === 1 ? 'MALE' : 'FEMALE').toBe(p.gender);
      expect(p.householdAddress).toMatch(new RegExp(`^湖南省长沙市${district}\\p{Script=Han}[\\p{Script=Han}一二三四五六七八九十]*\\d+号$`, 'u'));
      expect(p.mobile).toMatch(/^1[35789]\d{9}$/);
      expect(p.name).toMatch(/^\p{Script=Han}{2,4}$/u);
      expect(p.ethnicity).toMatch(/族$/);
      expect(typeof p.securityNote).toBe('string');
    }
  });

  it('persons: realistic mix of genders, names, ethnicities and security notes', () => {
    const gen = generatedPart('persons', s5000().persons) as S.PersonRow[];
    const share = (f: (p: S.PersonRow) => boolean) => gen.filter(f).length / gen.length;
    expect(share((p) => p.gender === 'MALE')).toBeCloseTo(0.5, 1);
    expect(share((p) => p.ethnicity === '汉族')).toBeGreaterThan(0.85);
    expect(share((p) => p.ethnicity === '土家族' || p.ethnicity === '苗族')).toBeGreaterThan(0.01);
    expect(share((p) => p.securityNote === '无')).toBeGreaterThan(0.95);
    expect(share((p) => p.name.startsWith('欧阳') || p.name.startsWith('司马') || p.name.startsWith('诸葛') || p.name.startsWith('上官') || p.name.startsWith('司徒'))).toBeGreaterThan(0);
    expect(new Set(gen.map((p) => p.name)).size).toBeGreaterThan(gen.length / 2);
  });

  it('enterprises: 91/12 prefixes, 长沙 area codes, 事业单位 ↔ 12, names and statuses', () => {
    const gen = generatedPart('enterprises', s5000().enterprises) as S.EnterpriseRow[];
    for (const e of gen) {
      expect(['91', '12']).toContain(e.uscc.slice(0, 2));
      expect(e.uscc.slice(2, 8) === '430100' || DISTRICT_NAMES[e.uscc.slice(2, 8)] !== undefined, e.uscc).toBe(true);
      expect(e.kind === '事业单位', e.uscc).toBe(e.uscc.startsWith('12'));
      expect(e.name).toMatch(e.kind === '事业单位' ? /^长沙市/ : /^长沙\p{Script=Han}{2}.+(有限公司|股份有限公司)$/u);
      expect(e.registeredCapital).toBeGreaterThan(0);
      expect(e.establishedDate <= S.REFERENCE_DATE).toBe(true);
      expect(e.address).toMatch(/^湖南省长沙市/);
    }
    expect(gen.filter((e) => e.status === 'ACTIVE').length / gen.length).toBeGreaterThan(0.75);
    expect(gen.some((e) => e.status !== 'ACTIVE')).toBe(true);
  });

  it('pension, medical and allowance rows are internally consistent', () => {
    const d = s5000();
    for (const p of d.pensions) {
      if (p.status === 'NONE') expect([p.startDate, p.paidMonths, p.employer]).toEqual([null, 0, null]);
      else {
        expect(p.startDate).toMatch(/^\d{4}-\d{2}-01$/);
        expect(p.paidMonths).toBeGreaterThan(0);
      }
      if (p.status === 'RETIRED' && !FIXTURE_PERSON_IDS.has(p.idNumber)) expect(p.paidMonths).toBeGreaterThanOrEqual(180);
    }
    for (const m of d.medicalInsurances) expect(m.category === null).toBe(m.status === 'NONE');
    for (const a of d.allowances) {
      expect(a.since === null).toBe(a.status === 'NONE');
      expect(a.monthlyAmount === null).toBe(a.status === 'NONE');
    }
    for (const p of generatedPart('properties', d.properties) as S.PropertyRow[]) {
      expect(p.certificateNumber).toMatch(/^湘\(20\d{2}\)长沙市不动产权第\d{7,}号$/);
      expect(p.area).toBeGreaterThanOrEqual(30);
      expect(p.area).toBeLessThanOrEqual(300);
      expect(Math.round(p.area * 10) / 10).toBe(p.area);
      expect(['住宅', '商业', '办公']).toContain(p.usage);
    }
  });

  it('licenses: one holder, a business license per generated enterprise consistent with its status', () => {
    const d = s5000();
    const genEnterprises = generatedPart('enterprises', d.enterprises) as S.EnterpriseRow[];
    const genLicenses = generatedPart('licenses', d.licenses) as S.LicenseRow[];
    for (const l of d.licenses) expect((l.holderEnterprise === null) !== (l.holderPerson === null), l.id).toBe(true);
    for (const l of genLicenses) {
      expect(l.id).toMatch(/^LIC-[EP]\d{7,}-[12]$/);
      if (l.type === 'DRIVING_LICENSE') expect(l.number).toBe(l.holderPerson);
      if (l.type === 'BUSINESS_LICENSE' || l.type === 'FOOD_OPERATION') expect(l.holderEnterprise).not.toBeNull();
      else expect(l.holderPerson).not.toBeNull();
      expect(l.issuedOn < l.validUntil).toBe(true);
      if (l.status === 'EXPIRED') expect(l.validUntil < S.REFERENCE_DATE).toBe(true);
      if (l.status === 'VALID') expect(l.validUntil >= S.REFERENCE_DATE).toBe(true);
    }
    const business = new Map(genLicenses.filter((l) => l.type === 'BUSINESS_LICENSE').map((l) => [l.holderEnterprise, l]));
    expect(business.size).toBe(genEnterprises.length);
    for (const e of genEnterprises) {
      const l = business.get(e.uscc);
      expect(l?.number, e.uscc).toBe(e.uscc);
      expect(l?.status).toBe(e.status === 'ACTIVE' ? 'VALID' : 'REVOKED');
    }
  });
});

describe('uniqueness (persons=20000)', () => {
  it('ID numbers, USCCs, license ids, certificate numbers are unique and avoid fixture and absent keys', () => {
    const o = { seed: 42, persons: 20000 };
    const unique = (xs: string[]) => expect(new Set(xs).size).toBe(xs.length);
    const ids = all(S.persons(o)).map((p) => p.idNumber);
    expect(ids.length).toBe(20000 + W.persons.length);
    unique(ids);
    for (const a of W.absentPersons) expect(ids).not.toContain(a);
    const usccs = all(S.enterprises(o)).map((e) => e.uscc);
    expect(usccs.length).toBe(1000 + W.enterprises.length);
    unique(usccs);
    for (const a of W.absentEnterprises) expect(usccs).not.toContain(a);
    unique(all(S.licenses(o)).map((l) => l.id));
    unique(all(S.properties(o)).map((p) => p.certificateNumber));
    unique(all(S.pensions(o)).map((p) => p.idNumber));
    unique(all(S.credits(o)).map((c) => c.uscc));
  });

  it('the slot decoders recognise generated keys, so a fixture key would be recognised too', () => {
    const ctx = contextFor({ seed: 42, persons: 2000 });
    for (let i = 0; i < 2000; i += 97) expect(slotOfIdNumber(personIdentity(ctx, i).idNumber)).toBe(ctx.personSlots.apply(i));
    for (const p of W.persons) expect(slotOfIdNumber(p.idNumber), p.idNumber).not.toBeNull();
    expect(slotOfUscc('91430100MA4L00011K')).not.toBeNull();
    expect(slotOfIdNumber(W.absentPersons[0]!)).toBeNull(); // 北京 area code: no generated person can have it
  });

  it('a reserved slot is replaced, and the map stays injective', () => {
    const seed = seedWords(99);
    const plain = new ReservedSlotPermutation(500, seed, 1, []);
    const taken = [plain.apply(3), plain.apply(17), plain.apply(200)];
    const guarded = new ReservedSlotPermutation(500, seed, 1, taken);
    const image = Array.from({ length: guarded.capacity }, (_, i) => guarded.apply(i));
    expect(new Set(image).size).toBe(image.length);
    for (const t of taken) expect(image).not.toContain(t);
    expect(guarded.apply(3)).not.toBe(taken[0]);
    expect(guarded.apply(4)).toBe(plain.apply(4));
  });
});

describe('consistency across data sets (persons=5000)', () => {
  it('maritalStatus agrees with the marriage registrations, and both spouses have mirrored events', () => {
    const d = s5000();
    const events = new Map<string, S.MarriageRow[]>();
    for (const m of d.marriages) events.set(m.idNumber, [...(events.get(m.idNumber) ?? []), m]);
    const person = new Map(d.persons.map((p) => [p.idNumber, p]));
    const counts: Record<string, number> = {};
    for (const p of d.persons) {
      const ev = events.get(p.idNumber) ?? [];
      counts[p.maritalStatus] = (counts[p.maritalStatus] ?? 0) + 1;
      const last = ev.at(-1)?.kind;
      if (p.maritalStatus === 'MARRIED') expect(last, p.idNumber).toBe('MARRIAGE');
      else if (p.maritalStatus === 'DIVORCED') expect(last, p.idNumber).toBe('DIVORCE');
      else expect(ev, p.idNumber).toEqual([]);
    }
    for (const s of ['MARRIED', 'DIVORCED', 'UNMARRIED', 'WIDOWED']) expect(counts[s], s).toBeGreaterThan(0);
    for (const [id, ev] of events) {
      expect(person.has(id), id).toBe(true);
      expect(ev.map((e) => e.seq)).toEqual(ev.map((_, i) => i));
      for (let i = 1; i < ev.length; i++) expect(ev[i - 1]!.registeredOn <= ev[i]!.registeredOn).toBe(true);
      for (const e of ev) {
        expect(e.registeredOn <= S.REFERENCE_DATE).toBe(true);
        const spouse = person.get(e.spouse);
        expect(spouse, e.spouse).toBeDefined();
        expect(spouse!.gender).not.toBe(person.get(id)!.gender);
        const mirror = (events.get(e.spouse) ?? []).find((x) => x.seq === e.seq);
        expect(mirror).toEqual({ ...e, idNumber: e.spouse, spouse: id });
        if (!FIXTURE_PERSON_IDS.has(id)) {
          const self = person.get(id)!;
          const minAge = self.gender === 'MALE' ? 22 : 20;
          expect(Number(e.registeredOn.slice(0, 4)) - Number(self.birthDate.slice(0, 4))).toBeGreaterThanOrEqual(minAge - 1);
        }
      }
    }
  });

  it('every reference resolves: employers, legal representatives, owners, spouses, holders, per-entity rows', () => {
    const d = s5000();
    const personIds = new Set(d.persons.map((p) => p.idNumber));
    const usccs = new Set(d.enterprises.map((e) => e.uscc));
    const sameSet = (xs: string[], set: Set<string>) => {
      expect(xs.length).toBe(set.size);
      expect(new Set(xs)).toEqual(set);
    };
    for (const e of d.enterprises) expect(personIds.has(e.legalRepresentative), e.legalRepresentative).toBe(true);
    for (const p of d.pensions) if (p.employer !== null) expect(usccs.has(p.employer), p.employer).toBe(true);
    for (const p of d.properties) for (const o of p.owners) expect(personIds.has(o), o).toBe(true);
    for (const m of d.marriages) expect(personIds.has(m.spouse) && personIds.has(m.idNumber)).toBe(true);
    for (const l of d.licenses) {
      if (l.holderPerson !== null) expect(personIds.has(l.holderPerson), l.holderPerson).toBe(true);
      if (l.holderEnterprise !== null) expect(usccs.has(l.holderEnterprise), l.holderEnterprise).toBe(true);
    }
    for (const r of d.dishonestRecords) expect(usccs.has(r.uscc)).toBe(true);
    for (const r of d.dishonestDebtors) expect(personIds.has(r.idNumber)).toBe(true);
    sameSet(d.pensions.map((p) => p.idNumber), personIds);
    sameSet(d.medicalInsurances.map((p) => p.idNumber), personIds);
    sameSet(d.allowances.map((p) => p.idNumber), personIds);
    sameSet(d.credits.map((c) => c.uscc), usccs);
    sameSet(d.employeeCounts.map((c) => c.uscc), usccs);
    // Employers in a pension are active; inactive enterprises insure nobody.
    const byUscc = new Map(d.enterprises.map((e) => [e.uscc, e]));
    for (const p of generatedPart('pensions', d.pensions) as S.PensionRow[]) {
      if (p.employer) expect(byUscc.get(p.employer)!.status).toBe('ACTIVE');
    }
    for (const c of generatedPart('employeeCounts', d.employeeCounts) as S.EmployeeCountRow[]) {
      if (byUscc.get(c.uscc)!.status !== 'ACTIVE') expect(c.insuredEmployeeCount).toBe(0);
    }
  });

  it('generated records never reference fixture persons or enterprises', () => {
    const d = s5000();
    for (const e of generatedPart('enterprises', d.enterprises) as S.EnterpriseRow[]) expect(FIXTURE_PERSON_IDS.has(e.legalRepresentative)).toBe(false);
    for (const p of generatedPart('pensions', d.pensions) as S.PensionRow[]) expect(p.employer !== null && FIXTURE_USCCS.has(p.employer)).toBe(false);
    for (const p of generatedPart('properties', d.properties) as S.PropertyRow[]) for (const o of p.owners) expect(FIXTURE_PERSON_IDS.has(o)).toBe(false);
    for (const m of generatedPart('marriages', d.marriages) as S.MarriageRow[]) expect(FIXTURE_PERSON_IDS.has(m.spouse) || FIXTURE_PERSON_IDS.has(m.idNumber)).toBe(false);
    for (const l of generatedPart('licenses', d.licenses) as S.LicenseRow[]) {
      expect(FIXTURE_PERSON_IDS.has(l.holderPerson ?? '') || FIXTURE_USCCS.has(l.holderEnterprise ?? '')).toBe(false);
    }
    // So each fixture record's relations are exactly the fixture's.
    for (const p of W.persons) {
      expect(d.enterprises.filter((e) => e.legalRepresentative === p.idNumber).map((e) => e.uscc))
        .toEqual(W.enterprises.filter((e) => e.legalRepresentative === p.idNumber).map((e) => e.uscc));
      expect(d.properties.filter((x) => x.owners.includes(p.idNumber)).map((x) => x.certificateNumber))
        .toEqual(W.properties.filter((x) => x.owners.includes(p.idNumber)).map((x) => x.certificateNumber));
      expect(d.licenses.filter((l) => l.holderPerson === p.idNumber).map((l) => l.id))
        .toEqual(W.licenses.filter((l) => l.holder.person === p.idNumber).map((l) => l.id));
      expect(d.marriages.filter((m) => m.idNumber === p.idNumber || m.spouse === p.idNumber).length)
        .toBe(2 * p.marriageRegistrations.length);
    }
    for (const e of W.enterprises) {
      expect(d.pensions.filter((p) => p.employer === e.uscc).map((p) => p.idNumber))
        .toEqual(W.persons.filter((p) => p.pension.employer === e.uscc).map((p) => p.idNumber));
      expect(d.licenses.filter((l) => l.holderEnterprise === e.uscc).map((l) => l.id))
        .toEqual(W.licenses.filter((l) => l.holder.enterprise === e.uscc).map((l) => l.id));
    }
  });

  it('co-owned properties belong to currently married spouses', () => {
    const d = s5000();
    const married = new Map<string, string>();
    const status = new Map(d.persons.map((p) => [p.idNumber, p.maritalStatus]));
    for (const m of d.marriages) married.set(m.idNumber, m.spouse);
    let joint = 0;
    for (const p of generatedPart('properties', d.properties) as S.PropertyRow[]) {
      if (p.owners.length === 1) continue;
      joint++;
      expect(p.owners.length).toBe(2);
      expect(married.get(p.owners[0]!)).toBe(p.owners[1]);
      expect(status.get(p.owners[0]!)).toBe('MARRIED');
    }
    expect(joint).toBeGreaterThan(0);
  });
});

describe('proportions (persons=20000)', () => {
  it('match the documented shares', () => {
    const o = { seed: 42, persons: 20000 };
    const n = o.persons;
    const gen = <T>(name: string, g: Iterable<T>) => generatedPart(name, all(g)) as T[];
    const props = gen('properties', S.properties(o));
    expect(props.length / n).toBeGreaterThan(0.3);
    expect(props.length / n).toBeLessThan(0.4);
    const lic = gen('licenses', S.licenses(o));
    const byType = (t: S.LicenseType) => lic.filter((l) => l.type === t).length;
    expect(byType('DRIVING_LICENSE') / n).toBeGreaterThan(0.12);
    expect(byType('DRIVING_LICENSE') / n).toBeLessThan(0.18);
    expect(byType('PRACTICE_CERTIFICATE') / n).toBeGreaterThan(0.01);
    expect(byType('PRACTICE_CERTIFICATE') / n).toBeLessThan(0.03);
    expect(byType('BUSINESS_LICENSE')).toBe(1000);
    expect(byType('FOOD_OPERATION') / 1000).toBeGreaterThan(0.22);
    expect(byType('FOOD_OPERATION') / 1000).toBeLessThan(0.38);
    const allowances = gen('allowances', S.allowances(o));
    expect(allowances.filter((a) => a.status === 'ACTIVE').length / n).toBeCloseTo(0.02, 2);
    expect(allowances.filter((a) => a.status === 'STOPPED').length / n).toBeCloseTo(0.01, 2);
    const debtors = gen('dishonestDebtors', S.dishonestDebtors(o));
    expect(debtors.length / n).toBeGreaterThan(0.006);
    expect(debtors.length / n).toBeLessThan(0.014);
    const dishonest = new Set(gen('dishonestRecords', S.dishonestRecords(o)).map((r) => r.uscc));
    expect(dishonest.size / 1000).toBeGreaterThan(0.015);
    expect(dishonest.size / 1000).toBeLessThan(0.05);
    const ratings = gen('credits', S.credits(o));
    expect(ratings.filter((c) => c.creditRating === 'A' || c.creditRating === 'B').length / 1000).toBeGreaterThan(0.7);
    const debtorRecords = gen('dishonestRecords', S.dishonestRecords(o));
    for (const r of debtorRecords) {
      expect(r.caseNumber).toMatch(/^\(20\d{2}\)湘01\d{2}执\d{1,4}号$/);
      expect(r.court).toMatch(/人民法院$/);
    }
  });
});

describe('streaming', () => {
  // Exposing gc at run time: the flag only affects contexts created afterwards, hence vm.
  function findGc(): (() => void) | undefined {
    const g = (globalThis as { gc?: () => void }).gc;
    if (g) return g;
    try {
      v8.setFlagsFromString('--expose-gc');
      return vm.runInNewContext('gc') as () => void;
    } catch {
      return undefined;
    }
  }

  it('persons, marriages and properties for 1,000,000 persons keep the heap flat', { timeout: 600_000 }, () => {
    const gc = findGc();
    const o = { seed: 42, persons: 1_000_000 };
    const heap = () => {
      gc?.();
      return process.memoryUsage().heapUsed;
    };
    const expectedCounts: Record<string, number | undefined> = { persons: 1_000_000 + W.persons.length };
    for (const [name, gen] of [['persons', S.persons], ['marriages', S.marriages], ['properties', S.properties]] as const) {
      const start = performance.now();
      const before = heap();
      let peak = before;
      let count = 0;
      for (const _row of (gen as AnyGen)(o)) {
        if (++count % 100_000 === 0 && gc) peak = Math.max(peak, heap());
      }
      const growthMb = (Math.max(peak, heap()) - before) / 2 ** 20;
      console.log(`${name}: ${count} rows in ${((performance.now() - start) / 1000).toFixed(1)} s, heap growth ${gc ? `${growthMb.toFixed(1)} MB` : 'not measured (no gc)'}`);
      if (expectedCounts[name] !== undefined) expect(count).toBe(expectedCounts[name]);
      else expect(count).toBeGreaterThan(100_000);
      if (gc) expect(growthMb).toBeLessThan(50);
    }
  });
});
