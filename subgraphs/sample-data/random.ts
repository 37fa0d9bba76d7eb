// Seeded, per-entity randomness. Every generated record owns its own small PRNG stream keyed by
// (seed, data-set tag, index), so any record of any data set can be produced on its own, in any
// order, without generating the records before it.

/** Murmur3's finalizer: a cheap bijective avalanche on 32-bit words. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Murmur3-style hash of a few 32-bit words; order matters. */
export function hashWords(...words: number[]): number {
  let h = 0x9747b28c;
  for (const w of words) {
    let k = Math.imul(w | 0, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  return fmix32(h ^ (words.length * 4));
}

/** FNV-1a over UTF-16 code units; only used to turn data-set tags into numbers. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A seed split into two 32-bit words, so seeds beyond 2^32 still give distinct streams. */
export interface SeedWords {
  readonly lo: number;
  readonly hi: number;
}

export function seedWords(seed: number): SeedWords {
  return { lo: seed >>> 0, hi: Math.floor(seed / 0x1_0000_0000) | 0 };
}

/** A cumulative-weight table, built once per vocabulary so picks stay O(log n). */
export interface Weighted<T> {
  readonly values: readonly T[];
  readonly cumulative: readonly number[];
  readonly total: number;
}

export function weighted<T>(pairs: ReadonlyArray<readonly [T, number]>): Weighted<T> {
  if (pairs.length === 0) throw new RangeError('weighted(): empty table');
  const values: T[] = [];
  const cumulative: number[] = [];
  let total = 0;
  for (const [v, w] of pairs) {
    if (!(w > 0)) throw new RangeError('weighted(): weights must be positive');
    total += w;
    values.push(v);
    cumulative.push(total);
  }
  return { values, cumulative, total };
}

/**
 * sfc32: 128-bit state, so the 32-bit-seed collisions a single-word PRNG would show across a
 * million records (identical "random" twins) do not happen.
 */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: SeedWords, tag: number, index: number) {
    this.a = hashWords(seed.lo, seed.hi, tag, index, 1);
    this.b = hashWords(seed.lo, seed.hi, tag, index, 2);
    this.c = hashWords(seed.lo, seed.hi, tag, index, 3);
    this.d = 1;
    // sfc32's first outputs still show the seed's structure; a few rounds dissolve it.
    for (let i = 0; i < 6; i++) this.nextUint32();
  }

  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  float(): number {
    return this.nextUint32() / 0x1_0000_0000;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.float() * n);
  }

  /** Uniform integer in [lo, hi], both inclusive. */
  between(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(items: readonly T[]): T {
    const v = items[this.int(items.length)];
    if (v === undefined) throw new RangeError('pick(): empty list');
    return v;
  }

  pickWeighted<T>(table: Weighted<T>): T {
    const x = this.float() * table.total;
    const cum = table.cumulative;
    let lo = 0;
    let hi = cum.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((cum[mid] as number) > x) hi = mid;
      else lo = mid + 1;
    }
    return table.values[lo] as T;
  }

  /** n decimal digits, leading zeros allowed. */
  digits(n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += String(this.int(10));
    return s;
  }
}
