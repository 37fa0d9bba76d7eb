import { DEFAULT_SAMPLE, type SampleOptions } from '../subgraphs/sample-data/index.ts';

/**
 * The sample the throughput benchmark seeds and asks for: DEFAULT_SAMPLE (10,000 persons), or
 * `BENCH_PERSONS` of them (the same seed: the first persons are the same people) to measure at scale
 * on a database of their own (`BENCH_DATABASE_URL`; a database seeded with another size is seeded again).
 */
export function benchSample(env: NodeJS.ProcessEnv = process.env): Readonly<SampleOptions> {
  const persons = env.BENCH_PERSONS ? Number(env.BENCH_PERSONS) : DEFAULT_SAMPLE.persons;
  if (!Number.isInteger(persons) || persons < 1) throw new Error(`BENCH_PERSONS must be a whole number of persons, not "${env.BENCH_PERSONS}"`);
  return { ...DEFAULT_SAMPLE, persons };
}
