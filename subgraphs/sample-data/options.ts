import type { SampleOptions } from './types.ts';

export const DEFAULT_SAMPLE: Readonly<SampleOptions> = Object.freeze({ seed: 42, persons: 10000 });

/**
 * Upper bound on generated persons. The ID-number slot space (dates × districts × sequence
 * numbers) holds about 113 million; the bound keeps well inside it.
 */
export const MAX_PERSONS = 100_000_000;

export function validateOptions(o: SampleOptions): SampleOptions {
  if (!Number.isSafeInteger(o.seed)) throw new RangeError(`seed must be a safe integer, got ${o.seed}`);
  if (!Number.isSafeInteger(o.persons) || o.persons < 0 || o.persons > MAX_PERSONS) {
    throw new RangeError(`persons must be an integer in [0, ${MAX_PERSONS}], got ${o.persons}`);
  }
  return o;
}

/** About one generated enterprise per 20 generated persons, at least one once there are persons. */
export function enterpriseCount(o: SampleOptions): number {
  return o.persons <= 0 ? 0 : Math.max(1, Math.floor(o.persons / 20));
}
