// Injective index → slot maps. Uniqueness of generated keys (ID numbers, USCCs) comes from
// construction, not from remembering what was handed out, so memory stays flat at any size.

import { fmix32, hashWords, type SeedWords } from './random.ts';

const ROUNDS = 6;

/**
 * A keyed pseudo-random permutation of [0, size): a balanced Feistel network on the smallest
 * even bit width covering `size`, with cycle walking to stay inside the range. Any Feistel
 * network is a bijection whatever its round function, and cycle walking restricts a bijection
 * to a subset, so distinct inputs always give distinct outputs.
 */
export class Permutation {
  private readonly halfBits: number;
  private readonly mask: number;
  private readonly keys: number[];

  constructor(
    readonly size: number,
    seed: SeedWords,
    tag: number,
  ) {
    if (!Number.isInteger(size) || size < 1 || size > 2 ** 30) {
      throw new RangeError(`Permutation size out of range: ${size}`);
    }
    let bits = Math.max(2, Math.ceil(Math.log2(size)));
    if (bits % 2 === 1) bits++;
    this.halfBits = bits / 2;
    this.mask = (1 << this.halfBits) - 1;
    this.keys = [];
    for (let r = 0; r < ROUNDS; r++) this.keys.push(hashWords(seed.lo, seed.hi, tag, r));
  }

  apply(x: number): number {
    if (!Number.isInteger(x) || x < 0 || x >= this.size) {
      throw new RangeError(`Permutation input out of range: ${x}`);
    }
    do x = this.round(x);
    while (x >= this.size);
    return x;
  }

  private round(x: number): number {
    let l = x >>> this.halfBits;
    let r = x & this.mask;
    for (const k of this.keys) {
      const t = l ^ (fmix32(r ^ k) & this.mask);
      l = r;
      r = t;
    }
    return ((l << this.halfBits) | r) >>> 0;
  }
}

/**
 * A permutation of [0, size) that never yields a reserved slot (one whose key belongs to a
 * fixture or to a record that must stay absent). The top `spare` slots are kept out of the
 * permutation; a reserved slot the permutation would yield is swapped for its own spare slot.
 * The permutation's range and the spares are disjoint and each reserved slot has one spare,
 * so the map stays injective.
 */
export class ReservedSlotPermutation {
  private readonly perm: Permutation;
  private readonly replacement = new Map<number, number>();
  /** Number of indices that can be mapped. */
  readonly capacity: number;

  constructor(size: number, seed: SeedWords, tag: number, reserved: Iterable<number>) {
    const reservedSet = new Set(reserved);
    const spare = Math.max(64, 2 * reservedSet.size + 8);
    if (size <= spare) throw new RangeError('slot space too small');
    this.capacity = size - spare;
    this.perm = new Permutation(this.capacity, seed, tag);
    let next = size - 1;
    for (const slot of [...reservedSet].sort((a, b) => a - b)) {
      if (slot < 0 || slot >= this.capacity) continue; // the permutation never yields it anyway
      while (reservedSet.has(next)) next--;
      this.replacement.set(slot, next--);
    }
  }

  apply(index: number): number {
    const s = this.perm.apply(index);
    return this.replacement.get(s) ?? s;
  }
}
