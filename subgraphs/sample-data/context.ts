// Per-options state shared by all generators: the seed split into words and the two keyed slot
// permutations. Small and independent of the number of persons.

import { enterpriseCount, validateOptions } from './options.ts';
import { ReservedSlotPermutation } from './permutation.ts';
import { PERSON_SLOT_SPACE, slotOfIdNumber } from './person-identity.ts';
import { seedWords } from './random.ts';
import { reservedIdNumbers, reservedUsccs } from './fixtures.ts';
import { TAG } from './tags.ts';
import type { SampleOptions } from './types.ts';
import { ORG_SLOT_SPACE, slotOfUscc } from './uscc-slots.ts';

export type { Context } from './types.ts';
import type { Context } from './types.ts';

const cache = new Map<string, Context>();

export function contextFor(o: SampleOptions): Context {
  validateOptions(o);
  const key = `${o.seed}/${o.persons}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const seed = seedWords(o.seed);
  const ctx: Context = {
    seed,
    persons: o.persons,
    enterprises: enterpriseCount(o),
    personSlots: new ReservedSlotPermutation(PERSON_SLOT_SPACE, seed, TAG.personSlots, slotsOf(reservedIdNumbers(), slotOfIdNumber)),
    enterpriseSlots: new ReservedSlotPermutation(ORG_SLOT_SPACE, seed, TAG.enterpriseSlots, slotsOf(reservedUsccs(), slotOfUscc)),
  };
  if (cache.size >= 16) cache.delete(cache.keys().next().value as string);
  cache.set(key, ctx);
  return ctx;
}

function slotsOf(keys: string[], slotOf: (k: string) => number | null): number[] {
  const out: number[] = [];
  for (const k of keys) {
    const s = slotOf(k);
    if (s !== null) out.push(s);
  }
  return out;
}
