import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { maskLeaf, maskValue } from '../schema/masking.ts';
import type { MaskRule } from '../schema/policy-types.ts';

/** Code points, the unit CONTRACT §4 counts in. */
const cps = (s: string): string[] => Array.from(s);
const cpLength = (s: string): number => cps(s).length;

/** The rules that replace each hidden character by one `*`, with what they keep. */
const STAR_RULES: ReadonlyArray<{ rule: MaskRule; head: number; tail: number }> = [
  { rule: 'NAME', head: 1, tail: 0 },
  { rule: 'ID_NUMBER', head: 1, tail: 1 },
  { rule: 'MOBILE', head: 3, tail: 4 },
  { rule: 'BANK_CARD', head: 6, tail: 4 },
];

// Any code point but half surrogates, and printable graphemes (multi-code-point ones too).
const anyText = fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 20 }));
// Raw UTF-16 units, lone surrogates included: the masker must segment like Array.from.
const utf16Unit = fc.integer({ min: 0, max: 0xffff }).map((u) => String.fromCharCode(u));
const anyUtf16 = fc.string({ unit: utf16Unit, maxLength: 30 });
/** Text of at least `min` code points (a pair of lone surrogates may rarely merge, hence `fc.pre`). */
const longText = (min: number) => fc.oneof(
  fc.string({ unit: 'binary', minLength: min, maxLength: min + 30 }),
  fc.string({ unit: 'grapheme', minLength: min, maxLength: min + 15 }),
  fc.string({ unit: utf16Unit, minLength: min, maxLength: min + 30 }),
);

describe('maskValue: CONTRACT §4 examples', () => {
  it.each<[MaskRule, string, string]>([
    ['NAME', '张伟', '张*'],
    ['NAME', '欧阳娜娜', '欧***'],
    ['ID_NUMBER', '43010219850312123X', '4****************X'],
    ['MOBILE', '13800138000', '138****8000'],
    ['BANK_CARD', '6222021234567890123', '622202*********0123'],
    ['ADDRESS', '湖南省长沙市芙蓉区五一大道1号', '湖南省长沙市****'],
    ['EMAIL', 'zhangwei@example.gov.cn', 'z***@example.gov.cn'],
  ])('%s %s → %s', (rule, input, output) => {
    expect(maskValue(rule, input)).toBe(output);
  });
});

describe('maskValue: values too short to hide anything become all `*`', () => {
  it.each<[MaskRule, string, string]>([
    ['NAME', '', ''],
    ['NAME', '张', '*'],
    ['ID_NUMBER', '43', '**'],
    ['ID_NUMBER', '4', '*'],
    ['MOBILE', '1380', '****'],
    ['MOBILE', '1380013', '*******'],
    ['BANK_CARD', '6222021234', '**********'],
    ['ADDRESS', '湖南省长沙市', '******'],
    ['ADDRESS', '湖南', '**'],
    ['ADDRESS', '', ''],
    // A local part of one character is all the rule would keep anyway.
    ['EMAIL', 'a@b', '***'],
    ['EMAIL', '@x.cn', '*****'],
    ['EMAIL', '𠀀@x', '***'],
    ['EMAIL', '@', '*'],
  ])('%s %s → %s', (rule, input, output) => {
    expect(maskValue(rule, input)).toBe(output);
  });

  it('one more character than kept exposes exactly one `*`', () => {
    expect(maskValue('ID_NUMBER', '430')).toBe('4*0');
    expect(maskValue('MOBILE', '13800138')).toBe('138*0138');
    expect(maskValue('BANK_CARD', '62220212345')).toBe('622202*2345');
    expect(maskValue('ADDRESS', '湖南省长沙市芙')).toBe('湖南省长沙市****');
    expect(maskValue('EMAIL', 'ab@c')).toBe('a***@c');
  });
});

describe('maskValue: EMAIL details', () => {
  it('without `@` is masked as NAME', () => {
    expect(maskValue('EMAIL', 'zhangwei')).toBe('z*******');
    expect(maskValue('EMAIL', 'z')).toBe('*');
    expect(maskValue('EMAIL', '张伟')).toBe(maskValue('NAME', '张伟'));
  });

  it('splits at the last `@`', () => {
    expect(maskValue('EMAIL', '"a@b"@example.cn')).toBe('"***@example.cn');
    expect(maskValue('EMAIL', 'ab@')).toBe('a***@');
  });

  it('keeps an astral first character whole', () => {
    expect(maskValue('EMAIL', '𠀀明@x.cn')).toBe('𠀀***@x.cn');
  });
});

describe('maskValue: characters are code points', () => {
  it('masks names with astral characters', () => {
    expect(maskValue('NAME', '𠀀明')).toBe('𠀀*');
    expect(maskValue('NAME', '明𠀀')).toBe('明*');
    expect(maskValue('NAME', '𠀀')).toBe('*');
    expect(maskValue('NAME', '𠀀𠀁𠀂')).toBe('𠀀**');
  });

  it('keeps astral characters whole at both ends', () => {
    expect(maskValue('MOBILE', '𠀀𠀁𠀂abc𠀃𠀄𠀅𠀆')).toBe('𠀀𠀁𠀂***𠀃𠀄𠀅𠀆');
    expect(maskValue('MOBILE', '𠀀𠀁𠀂𠀃𠀄𠀅𠀆')).toBe('*******');
    expect(maskValue('ADDRESS', '𠀀𠀁𠀂𠀃𠀄𠀅𠀆')).toBe('𠀀𠀁𠀂𠀃𠀄𠀅****');
    expect(maskValue('ADDRESS', '𠀀𠀁𠀂𠀃𠀄𠀅')).toBe('******');
  });

  it('counts a lone surrogate as one character, as Array.from does', () => {
    expect(maskValue('NAME', '\uDC00\uD800')).toBe('\uDC00*');
    expect(maskValue('MOBILE', '\uD800123456\uDC00')).toBe('\uD80012*456\uDC00');
  });

  it.each(STAR_RULES)('$rule output has as many code points as its input', ({ rule }) => {
    fc.assert(fc.property(fc.oneof(anyText, anyUtf16), (s) => cpLength(maskValue(rule, s)) === cpLength(s)));
  });
});

describe('maskValue: properties', () => {
  it.each(STAR_RULES)('$rule keeps its prefix and suffix and stars the rest', ({ rule, head, tail }) => {
    fc.assert(fc.property(fc.oneof(anyText, anyUtf16), (s) => {
      const input = cps(s);
      const output = cps(maskValue(rule, s));
      if (input.length <= head + tail) {
        expect(output).toEqual(input.map(() => '*'));
        return;
      }
      expect(output.slice(0, head)).toEqual(input.slice(0, head));
      expect(output.slice(output.length - tail)).toEqual(input.slice(input.length - tail));
      expect(output.slice(head, output.length - tail).every((c) => c === '*')).toBe(true);
    }));
  });

  it.each(STAR_RULES)('$rule never returns a long-enough value whose hidden part is not all `*`', ({ rule, head, tail }) => {
    fc.assert(fc.property(longText(head + tail + 1), (s) => {
      const input = cps(s);
      const hidden = input.slice(head, input.length - tail);
      fc.pre(input.length > head + tail && hidden.some((c) => c !== '*'));
      expect(maskValue(rule, s)).not.toBe(s);
    }));
  });

  it('ADDRESS keeps the first 6 characters, is never longer than 10, and hides the rest', () => {
    fc.assert(fc.property(fc.oneof(anyText, anyUtf16), (s) => {
      const input = cps(s);
      const output = maskValue('ADDRESS', s);
      expect(cpLength(output)).toBeLessThanOrEqual(10);
      if (input.length <= 6) {
        expect(output).toBe('*'.repeat(input.length));
      } else {
        expect(output).toBe(input.slice(0, 6).join('') + '****');
        if (input.slice(6).join('') !== '****') expect(output).not.toBe(s);
      }
    }));
  });

  it('EMAIL keeps the first local character and the domain, and hides the rest', () => {
    const email = fc.tuple(fc.oneof(anyText, anyUtf16), fc.oneof(anyText, anyUtf16))
      .map(([local, domain]) => `${local}@${domain.replaceAll('@', '')}`);
    fc.assert(fc.property(email, (s) => {
      const at = s.lastIndexOf('@');
      const local = cps(s.slice(0, at));
      const domain = s.slice(at + 1);
      const output = maskValue('EMAIL', s);
      if (local.length <= 1) {
        expect(output).toBe('*'.repeat(cpLength(s)));
        return;
      }
      expect(output).toBe(`${local[0]}***@${domain}`);
      if (local.slice(1).join('') !== '***') expect(output).not.toBe(s);
    }));
  });

  it('EMAIL without `@` equals NAME', () => {
    fc.assert(fc.property(fc.oneof(anyText, anyUtf16).map((s) => s.replaceAll('@', '')), (s) => {
      expect(maskValue('EMAIL', s)).toBe(maskValue('NAME', s));
    }));
  });
});

describe('maskLeaf', () => {
  it('leaves null and undefined alone', () => {
    expect(maskLeaf('NAME', null)).toBeNull();
    expect(maskLeaf('MOBILE', undefined)).toBeUndefined();
  });

  it('masks strings like maskValue', () => {
    expect(maskLeaf('NAME', '张伟')).toBe('张*');
  });

  it('masks numbers and booleans as strings', () => {
    expect(maskLeaf('MOBILE', 13800138000)).toBe('138****8000');
    expect(maskLeaf('NAME', 42)).toBe('4*');
    expect(maskLeaf('MOBILE', 1380)).toBe('****');
    expect(maskLeaf('NAME', true)).toBe('t***');
    expect(maskLeaf('NAME', 7)).toBe('*');
  });

  it('masks arrays element-wise, keeping nulls', () => {
    expect(maskLeaf('NAME', ['张伟', null, '欧阳娜娜', 12])).toEqual(['张*', null, '欧***', '1*']);
    expect(maskLeaf('MOBILE', [['13800138000'], []])).toEqual([['138****8000'], []]);
    expect(maskLeaf('NAME', [])).toEqual([]);
  });

  it('reveals nothing of an object', () => {
    const out = maskLeaf('NAME', { secret: '张伟' });
    expect(JSON.stringify(out)).not.toContain('张');
    expect(JSON.stringify(out)).not.toContain('secret');
  });
});
