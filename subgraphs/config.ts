import { resolve } from 'node:path';
import { z } from 'zod';
import { readVariables, SHARED_VARIABLES, type VariableSpec } from '../gateway/config.ts';
import { redisTarget, type RedisTarget } from '../protocol/redis-client.ts';
import { validateOptions } from './sample-data/options.ts';
import type { SampleOptions } from './sample-data/types.ts';

/**
 * The subgraph host's configuration (`npm run start:subgraph`, the kit): the one place the subgraphs
 * read the environment. The variables the gateway reads too (`GOVSHARE_DATA_DIR`, `REDIS_URL`, …) are
 * the gateway config's own definitions, so both read them alike.
 */
export interface SubgraphHostConfig {
  /** `DATABASE_URL`: a PostgreSQL server for the sample subgraphs; absent, embedded PGlite under the data dir. */
  databaseUrl?: string;
  dataDir: string;
  /** `SUBGRAPH_PORT`: the port of the one subgraph `start:subgraph -- <name>` serves. */
  port?: number;
  host: string;
  /** `GOVSHARE_SUBGRAPHS` as the gateway reads it: with `--all`, each named subgraph listens on its URL's port. */
  subgraphUrls: ReadonlyArray<{ name: string; url: string }>;
  /** How subgraphs find the gateway's public keys (`GOVSHARE_GATEWAY_JWKS_URL` / `GOVSHARE_GATEWAY_JWKS`). */
  gatewayJwksUrl?: string;
  gatewayJwksFile?: string;
  gatewayJwksCacheSeconds?: number;
  unknownKeyBudget: number;
  sample: SampleOptions;
  redis?: RedisTarget;
  redisPrefix: string;
}

const text = () => z.string().optional();
const wholeNumber = (min: number, max = Number.MAX_SAFE_INTEGER) => z.string()
  .regex(/^[+-]?\d+$/, { error: 'is not a whole number' }).transform(Number)
  .pipe(z.number().min(min, { error: `must be at least ${min}` }).max(max, { error: `must be at most ${max}` })).optional();
// Sample sizes and the budget may be written with digit separators (`5_000`), as before.
const count = (name: string, what: string) => z.string().transform((t) => t.replaceAll('_', ''))
  .pipe(z.string().regex(/^\d+$/, { error: `${name} must be a whole number of ${what} (0 or more)` }).transform(Number))
  .pipe(z.number().max(Number.MAX_SAFE_INTEGER, { error: `${name} must be a whole number of ${what} (0 or more), at most ${Number.MAX_SAFE_INTEGER}` }));

export const SUBGRAPH_VARIABLES: readonly VariableSpec[] = [
  { name: 'DATABASE_URL', section: 'subgraphs', default: '—', schema: text(), secret: true,
    description: 'sample subgraphs use this PostgreSQL server (one schema each) instead of embedded PGlite' },
  { name: 'SUBGRAPH_PORT', section: 'subgraphs', default: 'the subgraph\'s own port', schema: wholeNumber(0, 65_535),
    description: 'for `npm run start:subgraph -- <name>`' },
  { name: 'SUBGRAPH_HOST', section: 'subgraphs', default: '`127.0.0.1`', schema: z.string().default('127.0.0.1'),
    description: 'the address the subgraphs listen on' },
  { name: 'GOVSHARE_GATEWAY_JWKS_URL', section: 'subgraphs', default: '— (`npm start` passes the JWKS itself)', schema: text(),
    description: 'subgraphs: the gateway\'s `/.well-known/jwks.json`; without it or `GOVSHARE_GATEWAY_JWKS` a subgraph refuses to start' },
  { name: 'GOVSHARE_GATEWAY_JWKS', section: 'subgraphs', default: '—', schema: text(),
    description: 'subgraphs: the path of the gateway\'s JWKS as a file' },
  { name: 'GOVSHARE_GATEWAY_JWKS_CACHE_SECONDS', section: 'subgraphs', default: '`600`', schema: wholeNumber(1),
    description: 'subgraphs with `GOVSHARE_GATEWAY_JWKS_URL`: how long a fetched key set is used before it is fetched again; a key withdrawn from the set is refused at most this long plus 60 s later' },
  { name: 'GOVSHARE_UNKNOWN_KEY_BUDGET', section: 'subgraphs', default: '`1000`',
    schema: count('GOVSHARE_UNKNOWN_KEY_BUDGET', 'unknown-key lookups per consumer and day').default(1000),
    description: 'unknown keys one consumer may look up per day and subgraph; past it every lookup of that consumer answers `RATE_LIMITED` until the day ends' },
  { name: 'GOVSHARE_SEED', section: 'subgraphs', default: '`42`',
    schema: z.string().refine((t) => Number.isFinite(Number(t)), { error: 'GOVSHARE_SEED must be a number' }).transform(Number).default(42),
    description: 'seed of the sample data set (fixtures always included)' },
  { name: 'GOVSHARE_SAMPLE_PERSONS', section: 'subgraphs', default: '`10000`',
    schema: z.string().refine((t) => Number.isFinite(Number(t)), { error: 'GOVSHARE_SAMPLE_PERSONS must be a number' }).transform(Number).default(10_000),
    description: 'persons in the sample data set' },
  SHARED_VARIABLES.GOVSHARE_DATA_DIR,
  SHARED_VARIABLES.GOVSHARE_SUBGRAPHS,
  SHARED_VARIABLES.REDIS_URL,
  SHARED_VARIABLES.REDIS_CLUSTER,
  SHARED_VARIABLES.GOVSHARE_REDIS_PREFIX,
];

/** Read and checked once; a bad value throws a `ConfigError` naming the variable. */
export function loadSubgraphConfig(env: NodeJS.ProcessEnv): Readonly<SubgraphHostConfig> {
  const v = readVariables(SUBGRAPH_VARIABLES, env);
  const get = <T>(name: string) => v[name] as T;
  const redisUrl = get<string | undefined>('REDIS_URL');
  const optional = <K extends string, T>(key: K, value: T | undefined) => (value === undefined ? {} : { [key]: value }) as Partial<Record<K, T>>;
  return Object.freeze({
    ...optional('databaseUrl', get<string | undefined>('DATABASE_URL')),
    dataDir: resolve(get<string>('GOVSHARE_DATA_DIR')),
    ...optional('port', get<number | undefined>('SUBGRAPH_PORT')),
    host: get<string>('SUBGRAPH_HOST'),
    subgraphUrls: get<Array<{ name: string; url: string }> | undefined>('GOVSHARE_SUBGRAPHS') ?? [],
    ...optional('gatewayJwksUrl', get<string | undefined>('GOVSHARE_GATEWAY_JWKS_URL')),
    ...optional('gatewayJwksFile', get<string | undefined>('GOVSHARE_GATEWAY_JWKS')),
    ...optional('gatewayJwksCacheSeconds', get<number | undefined>('GOVSHARE_GATEWAY_JWKS_CACHE_SECONDS')),
    unknownKeyBudget: get<number>('GOVSHARE_UNKNOWN_KEY_BUDGET'),
    sample: validateOptions({ seed: get<number>('GOVSHARE_SEED'), persons: get<number>('GOVSHARE_SAMPLE_PERSONS') }),
    ...optional('redis', redisUrl ? redisTarget(redisUrl, get<boolean | undefined>('REDIS_CLUSTER')) : undefined),
    redisPrefix: get<string>('GOVSHARE_REDIS_PREFIX'),
  });
}

/** The process's own environment: for the kit's readers when no configuration is handed in (in-process tests). */
export function processSubgraphConfig(): Readonly<SubgraphHostConfig> {
  return loadSubgraphConfig(process.env);
}

/** `GOVSHARE_SEED` / `GOVSHARE_SAMPLE_PERSONS` through this config, checked. */
export function sampleOptionsFromEnv(env: Record<string, string | undefined>): SampleOptions {
  return loadSubgraphConfig(env).sample;
}
