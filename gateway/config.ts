import { join, resolve } from 'node:path';
import { z } from 'zod';
import { redisClusterFlag, redisTarget } from '../protocol/redis-client.ts';
import { DEFAULT_AUDIT_VERIFY_SECONDS } from './audit/chain-watch.ts';
import { parseLimits, type RequestLimits } from './pipeline/limits.ts';
import { readWorkflowFile, type WorkflowSettings } from './platform/workflow-config.ts';

/** Where the gateway listens and which subgraphs it composes. Read once at start-up. */
export interface GatewayConfig {
  host: string;
  port: number;
  subgraphs: SubgraphEndpoint[];
  /**
   * The platform's records on this PostgreSQL server (`GOVSHARE_STATE_DATABASE_URL`, schema `govshare`);
   * absent, an embedded PGlite under `<dataDir>/records`. `DATABASE_URL` (the sample subgraphs') is not
   * read here: the same server serves both only when both variables name it.
   */
  recordsUrl?: string;
  /**
   * Redis for the replicas' coordination (announcements, shared limits) when set; in-process otherwise.
   * One `redis://` URL, or a Redis Cluster's nodes as full URLs separated by commas (`protocol/redis-client.ts`).
   */
  redisUrl?: string;
  /** `REDIS_CLUSTER`: true, a cluster even with one URL; unset, several URLs are a cluster, one is a server. */
  redisCluster?: boolean;
  redisPrefix: string;
  /**
   * Embedded mode: where the records (without `recordsUrl`) and the generated keys are kept across
   * restarts (`GOVSHARE_DATA_DIR`); absent, generated keys live in memory only. Configured keys
   * (`GOVSHARE_GATEWAY_KEY`, `GOVSHARE_JWT_*`, `GOVSHARE_AUDIT_KEY`) are read by `gateway/keys/`.
   */
  dataDir?: string;
  /** Requests per second per department and replica (`GOVSHARE_RATE_LIMIT`, 0 = off), and the burst allowed. */
  rateLimit: { perSecond: number; burst: number };
  /** CONTRACT §8 request limits (`GOVSHARE_LIMITS`, see `pipeline/limits.ts`). */
  limits: RequestLimits;
  /** Each remote subgraph's calls: see `execution/subgraph-call-policy.ts`. */
  subgraphCalls: SubgraphCallLimits;
  /** How long a SIGTERM/SIGINT lets requests in flight finish before their sockets are cut (`GOVSHARE_DRAIN_MS`). */
  drainMs: number;
  /** CONTRACT §10: the audit chain's head is signed every this many seconds in which records were added (`GOVSHARE_AUDIT_CHECKPOINT_SECONDS`). */
  auditCheckpointSeconds: number;
  /**
   * The audit chain is checked every this many seconds without anyone asking (`GOVSHARE_AUDIT_VERIFY_SECONDS`,
   * gateway/audit/chain-watch.ts); 0, or absent in hand-made configs, leaves every check to verifyAuditChain.
   */
  auditVerifySeconds?: number;
  /**
   * `GOVSHARE_SEPARATE_ROLES`: admin reads only its own department's audit records, the auditor all of them
   * (`platform/roles.ts`); absent or false, CONTRACT §6's admin reads every record.
   */
  separateRoles?: boolean;
  /** Audit log retention (`records/audit-retention.ts`); absent in hand-made configs, which keep everything. */
  auditRetention?: AuditRetentionConfig;
  /** Configured keys (`gateway/keys/`, `identity/token-verifier.ts`); what is absent is generated under the data dir. */
  keys: KeySettings;
  /** `GOVSHARE_DEPARTMENTS`: path of the department list; absent, the demo set. */
  departmentsFile?: string;
  calendar: CalendarSettings;
  /** `GOVSHARE_WORKFLOW`: the review stages, read from that file at start-up; absent, CONTRACT §6's (`platform/workflow-config.ts`). */
  workflow?: WorkflowSettings;
  /** `GOVSHARE_PUBLIC_URL`: the base URL of the DCAT export; absent, the listen address. */
  publicUrl?: string;
  logging: LoggingSettings;
  /**
   * `GOVSHARE_CONFORMANCE`: federation conformance runs only (`conformance/federation-audit/`). Fields without
   * `@share` are UNCONDITIONAL, the single-owner rule is plain federation's, the platform API is left out of
   * the supergraph; every other stage (authentication, analysis, audit) stays on. Refused with
   * `NODE_ENV=production` or any configured key. Absent in hand-made configs: off.
   */
  conformance?: boolean;
}

/**
 * Key material as configured: paths and secrets read from the environment at start, never logged.
 * Every member absent means "generate it under the data dir" (embedded mode).
 */
export interface KeySettings {
  /** `GOVSHARE_GATEWAY_KEY`: path of the PKCS#8 PEM signing key. */
  gatewayKey?: string;
  /** `GOVSHARE_GATEWAY_PUBLISHED_KEYS`: path of further public keys to publish (a rotation). */
  publishedKeys?: string;
  /** `GOVSHARE_AUDIT_KEY`: HMAC key of the audit digests. */
  auditKey?: string;
  /** `GOVSHARE_SIGNATURE_TTL_SECONDS`: how long a signature on a subgraph call is valid. */
  signatureTtlSeconds?: number;
  jwt: JwtSettings;
}

export interface JwtSettings {
  secret?: string;
  publicKey?: string;
  jwksUrl?: string;
  issuer?: string;
  audience?: string;
}

export interface CalendarSettings {
  /** `GOVSHARE_HOLIDAYS`: path of the override file. */
  holidaysFile?: string;
  /** `GOVSHARE_HOLIDAYS_STRICT`: refuse to start when this year or next is unknown. */
  strict: boolean;
}

export interface LoggingSettings {
  /** `LOG_LEVEL`. */
  level: LogLevel;
  /** `OTEL_EXPORTER_OTLP_ENDPOINT`: where traces are exported; absent, none are. */
  otlpEndpoint?: string;
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface AuditRetentionConfig {
  /** `GOVSHARE_AUDIT_RETENTION_DAYS` (a positive whole number): months wholly older than this are archived, then dropped; null keeps everything. */
  days: number | null;
  /** `GOVSHARE_AUDIT_ARCHIVE_DIR`, default `<data dir>/audit-archive`: where the archived months are written. */
  archiveDir: string;
}

export interface SubgraphCallLimits {
  /** One deadline per call covering its wait in the queue and the answer (`GOVSHARE_SUBGRAPH_TIMEOUT_MS`). */
  timeoutMs: number;
  /** Calls in flight to one subgraph at once: its sockets (`GOVSHARE_SUBGRAPH_CONCURRENCY`). */
  concurrency: number;
  /** Calls waiting for one of those beyond that; past it a call fails at once (`GOVSHARE_SUBGRAPH_QUEUE`). */
  queue: number;
}

export interface SubgraphEndpoint { name: string; url: string }

/** The seven sample subgraphs on their CONTRACT §1 ports. */
export const SAMPLE_SUBGRAPH_PORTS: Readonly<Record<string, number>> = {
  population: 4001, 'legal-entity': 4002, 'e-license': 4003, credit: 4004,
  housing: 4005, 'social-security': 4006, 'civil-affairs': 4007,
};

/**
 * One environment variable: its name, its README section, the default as the README shows it, what it
 * means, and the zod schema that turns its text into a value (the default when unset). The README's
 * configuration table is printed from these (`npm run config-table`; tests/config.test.ts compares).
 */
export interface VariableSpec {
  name: string;
  section: string;
  /** The default as the README table shows it (`—`: none). */
  default: string;
  description: string;
  /** Parses the variable's text; `undefined` when it is unset or blank. */
  schema: z.ZodType<unknown, string | undefined>;
  /** A secret: its value is never repeated in an error message. */
  secret?: boolean;
}

/** Thrown when a variable's value is unusable: the message names each such variable and what is wrong. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(readonly problems: readonly string[]) {
    super(problems.join('\n'));
  }
}

// Schemas of the kinds of value. Each takes the variable's trimmed text or undefined.
const text = () => z.string().optional();
const textOr = (fallback: string) => z.string().default(fallback);
const wholeNumber = (min: number, fallback: number, max = Number.MAX_SAFE_INTEGER) => z.string()
  .regex(/^[+-]?\d+$/, { error: 'is not a whole number' })
  .transform(Number)
  .pipe(z.number().min(min, { error: `must be at least ${min}` }).max(max, { error: `must be at most ${max}` }))
  .default(fallback);
const optionalWholeNumber = (min: number) => z.string()
  .regex(/^[+-]?\d+$/, { error: 'is not a whole number' })
  .transform(Number)
  .pipe(z.number().min(min, { error: `must be at least ${min}` }).max(Number.MAX_SAFE_INTEGER, { error: 'is too large' }))
  .optional();
const rate = (fallback?: number) => {
  const number = z.string()
    .regex(/^\d+(\.\d+)?$/, { error: 'is not a number (0 or more)' })
    .transform(Number);
  return fallback === undefined ? number.optional() : number.default(fallback);
};
const httpUrl = () => z.string().refine((t) => { try { return /^https?:$/.test(new URL(t).protocol); } catch { return false; } }, { error: 'is not an absolute http(s) URL' }).optional();
const flag = () => z.string()
  .transform((t) => t.toLowerCase())
  .pipe(z.enum(['true', '1', 'false', '0'], { error: "expected 'true', '1', 'false' or '0'" }))
  .transform((t) => t === 'true' || t === '1')
  .default(false);
/** A value a domain parser checks (its error, naming the variable, becomes the issue). */
const parsedBy = <T>(parse: (text: string) => T) => z.string().transform((t, ctx) => {
  try {
    return parse(t);
  } catch (error) {
    ctx.issues.push({ code: 'custom', message: (error as Error).message, input: t });
    return z.NEVER;
  }
});

/** Variables the gateway and the subgraph host both read: one definition, one README row. */
export const SHARED_VARIABLES = {
  GOVSHARE_SUBGRAPHS: { name: 'GOVSHARE_SUBGRAPHS', section: 'gateway', default: 'the seven samples on 4001–4007', schema: parsedBy(parseSubgraphList).optional(),
    description: '`name=url,…` the gateway composes; `npm start` (`start:subgraph -- --all`) also listens on these URLs\' ports' },
  GOVSHARE_DATA_DIR: { name: 'GOVSHARE_DATA_DIR', section: 'records and coordination', default: '`.data`', schema: textOr('.data'),
    description: 'where the embedded mode keeps PGlite, its records and its generated keys (`keys/`, mode 0700, files 0600)' },
  REDIS_URL: { name: 'REDIS_URL', section: 'records and coordination', default: '—', schema: text(),
    description: 'coordination of gateway replicas (grant-change and registry announcements, shared rate limits, the `jti` replay cache; a subgraph\'s shared replay check); otherwise within the process. Holds no record. A Redis Cluster: its nodes as full URLs, comma-separated (`redis://10.0.0.1:7000,redis://10.0.0.2:7000`)' },
  REDIS_CLUSTER: { name: 'REDIS_CLUSTER', section: 'records and coordination', default: '—', schema: parsedBy(redisClusterFlag).optional(),
    description: '`true`: `REDIS_URL` is one node of a Redis Cluster (the rest are discovered); unset, several URLs are a cluster and one is a server' },
  GOVSHARE_REDIS_PREFIX: { name: 'GOVSHARE_REDIS_PREFIX', section: 'records and coordination', default: '`govshare:`', schema: textOr('govshare:'),
    description: 'key and channel prefix (one deployment per prefix)' },
} satisfies Record<string, VariableSpec>;

export const GATEWAY_VARIABLES: readonly VariableSpec[] = [
  { name: 'GATEWAY_PORT', section: 'gateway', default: '`4000`', schema: wholeNumber(0, 4000, 65_535), description: 'where the gateway listens (port)' },
  { name: 'GATEWAY_HOST', section: 'gateway', default: '`127.0.0.1`', schema: textOr('127.0.0.1'), description: 'where the gateway listens (address)' },
  SHARED_VARIABLES.GOVSHARE_SUBGRAPHS,
  { name: 'GOVSHARE_CONFORMANCE', section: 'gateway', default: 'off', schema: flag(),
    description: 'federation conformance runs only (`npm run conformance`, see "Conformance"): fields without `@share` are UNCONDITIONAL, fields may be shared as plain federation allows, the platform API is not composed; authentication, analysis and audit stay on. Refused at start-up with `NODE_ENV=production` or any configured key (`GOVSHARE_JWT_SECRET`, `GOVSHARE_JWKS_URL`, `GOVSHARE_JWT_PUBLIC_KEY`, `GOVSHARE_GATEWAY_KEY`, `GOVSHARE_GATEWAY_PUBLISHED_KEYS`, `GOVSHARE_AUDIT_KEY`)' },
  { name: 'GOVSHARE_PUBLIC_URL', section: 'gateway', default: 'the listen address', schema: httpUrl(), description: 'base URL written into the DCAT export' },
  { name: 'GOVSHARE_DRAIN_MS', section: 'gateway', default: '`10000`', schema: wholeNumber(0, 10_000),
    description: 'on SIGTERM/SIGINT: `/readyz` 503 at once, no new connections, requests in flight finish within this, then Apollo, subgraph sockets and stores close; exit 0' },
  { name: 'GOVSHARE_STATE_DATABASE_URL', section: 'records and coordination', default: '—', schema: text(), secret: true,
    description: 'the platform\'s records (grants, applications, issues, audit log, registry, catalog history) on this PostgreSQL server, schema `govshare`; otherwise an embedded PGlite under `GOVSHARE_DATA_DIR/records`. `DATABASE_URL` is not read for the records: name the same server in both to use one' },
  SHARED_VARIABLES.REDIS_URL,
  SHARED_VARIABLES.REDIS_CLUSTER,
  SHARED_VARIABLES.GOVSHARE_REDIS_PREFIX,
  SHARED_VARIABLES.GOVSHARE_DATA_DIR,
  { name: 'GOVSHARE_JWT_SECRET', section: 'keys and tokens', default: 'generated under the data dir at first start, and said so', schema: text(), secret: true,
    description: 'HS256 key of department tokens; `npm run token` signs with the same (it reads the generated one)' },
  { name: 'GOVSHARE_JWKS_URL', section: 'keys and tokens', default: '—', schema: httpUrl(),
    description: 'production: RS256/ES256/EdDSA tokens verified with this JWKS URL; HS256 tokens are then refused' },
  { name: 'GOVSHARE_JWT_PUBLIC_KEY', section: 'keys and tokens', default: '—', schema: text(),
    description: 'production: tokens verified with a PEM public key (text or file path) or JWKS JSON; HS256 tokens are then refused' },
  { name: 'GOVSHARE_JWT_ISSUER', section: 'keys and tokens', default: '—', schema: text(), description: 'when set, a token\'s `iss` must match (401 otherwise)' },
  { name: 'GOVSHARE_JWT_AUDIENCE', section: 'keys and tokens', default: '—', schema: text(), description: 'when set, a token\'s `aud` must match (401 otherwise)' },
  { name: 'GOVSHARE_GATEWAY_KEY', section: 'keys and tokens', default: 'Ed25519 key generated under the data dir', schema: text(),
    description: 'path of the gateway\'s PKCS#8 PEM private key (Ed25519 or P-256) signing subgraph calls; replicas share one' },
  { name: 'GOVSHARE_GATEWAY_PUBLISHED_KEYS', section: 'keys and tokens', default: '—', schema: text(),
    description: 'path of further public keys to publish beside the current one (a rotation): a JWKS, or PEM public keys as `openssl pkey -pubout` writes them; read at start and on `SIGHUP`' },
  { name: 'GOVSHARE_SIGNATURE_TTL_SECONDS', section: 'keys and tokens', default: '`30`', schema: wholeNumber(1, 30, 30),
    description: 'how long the gateway\'s signature on a subgraph call is valid (1–30 s): a captured call can be replayed at no subgraph after it, and a key switched away from stays published this long plus 5 s' },
  { name: 'GOVSHARE_AUDIT_KEY', section: 'keys and tokens', default: 'generated under the data dir', schema: text(), secret: true,
    description: 'HMAC key of the audit log\'s digests; replicas share one' },
  { name: 'GOVSHARE_AUDIT_RETENTION_DAYS', section: 'audit', default: '— (keep everything)', schema: optionalWholeNumber(1),
    description: 'archive, then drop, each month whose records are all older than this many days (a positive whole number; see "Audit retention and archives")' },
  { name: 'GOVSHARE_AUDIT_ARCHIVE_DIR', section: 'audit', default: '`GOVSHARE_DATA_DIR/audit-archive`', schema: text(), description: 'where the archived months are written' },
  { name: 'GOVSHARE_AUDIT_CHECKPOINT_SECONDS', section: 'audit', default: '`60`', schema: wholeNumber(1, 60),
    description: 'sign the audit chain\'s head every this many seconds in which records were added (and at least every 1,000 records)' },
  { name: 'GOVSHARE_AUDIT_VERIFY_SECONDS', section: 'audit', default: '`300`', schema: wholeNumber(0, DEFAULT_AUDIT_VERIFY_SECONDS, 86_400),
    description: 'check the audit chain against its signed checkpoints every this many seconds without anyone asking (incremental; `0`: only when `verifyAuditChain` is asked); a break is logged at error level and `govshare_audit_chain_intact` drops to 0' },
  { name: 'GOVSHARE_SEPARATE_ROLES', section: 'audit', default: 'off (CONTRACT §6: admin reads every audit record)', schema: flag(),
    description: 'GB/T 39477 role separation: admin manages departments, workflow and publishing but reads only its own department\'s audit records; the `auditor` role reads them all (see "Separated roles")' },
  { name: 'GOVSHARE_RATE_LIMIT', section: 'limits', default: '`1000`', schema: rate(1000),
    description: 'requests per second per department (with `REDIS_URL` one bucket shared by all replicas, without it per process); past it `RATE_LIMITED` (HTTP 429, `Retry-After`); `0` turns it off' },
  { name: 'GOVSHARE_RATE_BURST', section: 'limits', default: '`2000`, or `GOVSHARE_RATE_LIMIT` when that is set', schema: rate(),
    description: 'the burst allowed above the rate' },
  { name: 'GOVSHARE_SUBGRAPH_TIMEOUT_MS', section: 'limits', default: '`10000`', schema: wholeNumber(1, 10_000),
    description: 'one deadline per subgraph call, covering its wait in the queue and the answer; past it the call fails with `SUBGRAPH_UNREACHABLE` naming the provider' },
  { name: 'GOVSHARE_SUBGRAPH_CONCURRENCY', section: 'limits', default: '`256`', schema: wholeNumber(1, 256),
    description: 'calls in flight to one subgraph (its sockets). After 5 consecutive failed calls a subgraph\'s circuit opens: its calls fail at once for 3 s, then one call probes it' },
  { name: 'GOVSHARE_SUBGRAPH_QUEUE', section: 'limits', default: '`1024`', schema: wholeNumber(0, 1024),
    description: 'calls waiting for one subgraph beyond those in flight; past the queue a call fails at once' },
  { name: 'GOVSHARE_LIMITS', section: 'limits', default: 'CONTRACT §8 defaults', schema: parsedBy(parseLimits).optional(),
    description: 'request limits as `name=value,…`: `documentBytes`, `tokens`, `depth`, `aliases`, `directives`, `fieldSelections`, `cost`, `listSize`, `variablesBytes`, `variablesDepth`, and `list:<Type.field>=n` for one list field\'s expected size (e.g. `depth=15,list:Person.enterprises=3`); an unknown name stops the start-up' },
  { name: 'GOVSHARE_DEPARTMENTS', section: 'departments and calendar', default: 'the demo set of CONTRACT §2', schema: text(), description: 'path of a JSON list of `{ code, name }`' },
  { name: 'GOVSHARE_HOLIDAYS', section: 'departments and calendar', default: '—', schema: text(), description: 'path of a JSON `{ "holidays": [...], "workdays": [...] }` adding/overriding calendar dates' },
  { name: 'GOVSHARE_HOLIDAYS_STRICT', section: 'departments and calendar', default: 'off', schema: flag(), description: 'refuse to start when the current or next year is not in the calendar' },
  { name: 'GOVSHARE_WORKFLOW', section: 'departments and calendar', default: '— (the provider answers within 5 working days)', schema: parsedBy(readWorkflowFile).optional(),
    description: 'path of a JSON file of review stages: `preReview` (`reviewer`, `workingDays`), `providerReview.workingDays`, `escalation` (`authority`, `workingDays`), `extension.maxWorkingDays` (see "Workflow stages"); a bad file stops the start-up' },
  // logging: the logger and the trace exporter read these from `config.logging`.
  { name: 'LOG_LEVEL', section: 'logging', default: '`info`', schema: z.enum(LOG_LEVELS, { error: `expected one of ${LOG_LEVELS.join(', ')}` }).default('info'),
    description: 'the gateway\'s log level' },
  { name: 'OTEL_EXPORTER_OTLP_ENDPOINT', section: 'logging', default: '—', schema: httpUrl(), description: 'OTLP/HTTP endpoint traces are exported to; unset, none are' },
];

/**
 * Parses `variables` from `env` in one go: every unusable value is reported, each naming its
 * variable, before anything starts. Secret values are never repeated.
 */
export function readVariables(variables: readonly VariableSpec[], env: NodeJS.ProcessEnv): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const variable of variables) {
    const raw = env[variable.name];
    const input = raw === undefined || raw.trim() === '' ? undefined : variable.secret ? raw : raw.trim();
    const result = variable.schema.safeParse(input);
    if (result.success) { values[variable.name] = result.data; continue; }
    for (const issue of result.error.issues) {
      // A domain parser's message names the variable already.
      problems.push(issue.message.startsWith(variable.name) ? issue.message : `${variable.name}: ${variable.secret ? '' : `"${input}" `}${issue.message}`);
    }
  }
  if (problems.length) throw new ConfigError(problems);
  return values;
}

/**
 * The gateway's configuration from `env`, read and checked once at start-up, frozen. A bad value throws a
 * `ConfigError` naming the variable (`gateway/main.ts` prints it and exits 1 before anything listens).
 */
export function loadConfig(env: NodeJS.ProcessEnv): Readonly<GatewayConfig> {
  const v = readVariables(GATEWAY_VARIABLES, env) as Record<string, never>;
  const get = <T>(name: string): T => v[name] as T;
  const redisCluster = get<boolean | undefined>('REDIS_CLUSTER');
  const redisUrl = get<string | undefined>('REDIS_URL');
  let redis: string | undefined;
  try {
    // The form is checked here, at start-up, naming the variable.
    redis = redisUrl ? redisTarget(redisUrl, redisCluster).urls.join(',') : undefined;
  } catch (error) {
    throw new ConfigError([(error as Error).message]);
  }
  const dataDir = resolve(get<string>('GOVSHARE_DATA_DIR'));
  const rateLimit = get<number>('GOVSHARE_RATE_LIMIT');
  const configured = (name: string) => Boolean(env[name]?.trim());
  const optional = <K extends string, T>(key: K, value: T | undefined) => (value === undefined ? {} : { [key]: value }) as Partial<Record<K, T>>;
  const jwt: JwtSettings = {
    ...optional('secret', get<string | undefined>('GOVSHARE_JWT_SECRET')),
    ...optional('publicKey', get<string | undefined>('GOVSHARE_JWT_PUBLIC_KEY')),
    ...optional('jwksUrl', get<string | undefined>('GOVSHARE_JWKS_URL')),
    ...optional('issuer', get<string | undefined>('GOVSHARE_JWT_ISSUER')),
    ...optional('audience', get<string | undefined>('GOVSHARE_JWT_AUDIENCE')),
  };
  const conformance = get<boolean>('GOVSHARE_CONFORMANCE');
  const config: GatewayConfig = {
    host: get('GATEWAY_HOST'),
    port: get('GATEWAY_PORT'),
    subgraphs: get<SubgraphEndpoint[] | undefined>('GOVSHARE_SUBGRAPHS') ?? defaultSubgraphs(),
    ...optional('recordsUrl', get<string | undefined>('GOVSHARE_STATE_DATABASE_URL')),
    ...optional('redisUrl', redis),
    ...optional('redisCluster', redisCluster),
    redisPrefix: get('GOVSHARE_REDIS_PREFIX'),
    dataDir,
    rateLimit: {
      perSecond: rateLimit,
      burst: get<number | undefined>('GOVSHARE_RATE_BURST') ?? (configured('GOVSHARE_RATE_LIMIT') ? rateLimit : 2000),
    },
    limits: get<RequestLimits | undefined>('GOVSHARE_LIMITS') ?? parseLimits(undefined),
    subgraphCalls: {
      timeoutMs: get('GOVSHARE_SUBGRAPH_TIMEOUT_MS'),
      concurrency: get('GOVSHARE_SUBGRAPH_CONCURRENCY'),
      queue: get('GOVSHARE_SUBGRAPH_QUEUE'),
    },
    drainMs: get('GOVSHARE_DRAIN_MS'),
    auditCheckpointSeconds: get('GOVSHARE_AUDIT_CHECKPOINT_SECONDS'),
    auditVerifySeconds: get('GOVSHARE_AUDIT_VERIFY_SECONDS'),
    separateRoles: get('GOVSHARE_SEPARATE_ROLES'),
    auditRetention: {
      days: get<number | undefined>('GOVSHARE_AUDIT_RETENTION_DAYS') ?? null,
      archiveDir: resolve(get<string | undefined>('GOVSHARE_AUDIT_ARCHIVE_DIR') ?? join(dataDir, 'audit-archive')),
    },
    keys: {
      ...optional('gatewayKey', get<string | undefined>('GOVSHARE_GATEWAY_KEY')),
      ...optional('publishedKeys', get<string | undefined>('GOVSHARE_GATEWAY_PUBLISHED_KEYS')),
      ...optional('auditKey', get<string | undefined>('GOVSHARE_AUDIT_KEY')),
      signatureTtlSeconds: get('GOVSHARE_SIGNATURE_TTL_SECONDS'),
      jwt,
    },
    ...optional('departmentsFile', get<string | undefined>('GOVSHARE_DEPARTMENTS')),
    calendar: { ...optional('holidaysFile', get<string | undefined>('GOVSHARE_HOLIDAYS')), strict: get('GOVSHARE_HOLIDAYS_STRICT') },
    ...optional('workflow', get<WorkflowSettings | undefined>('GOVSHARE_WORKFLOW')),
    ...optional('publicUrl', get<string | undefined>('GOVSHARE_PUBLIC_URL')),
    logging: { level: get('LOG_LEVEL'), ...optional('otlpEndpoint', get<string | undefined>('OTEL_EXPORTER_OTLP_ENDPOINT')) },
    ...(conformance ? { conformance } : {}),
  };
  refuseConformanceInProduction(config, env);
  return deepFreeze(config);
}

/** Each configured key and the variable it comes from: real keys, a deployment's, not a throw-away conformance run's. */
const PRODUCTION_KEYS: ReadonlyArray<[string, (keys: KeySettings) => string | undefined]> = [
  ['GOVSHARE_JWT_SECRET', (k) => k.jwt.secret], ['GOVSHARE_JWKS_URL', (k) => k.jwt.jwksUrl],
  ['GOVSHARE_JWT_PUBLIC_KEY', (k) => k.jwt.publicKey], ['GOVSHARE_GATEWAY_KEY', (k) => k.gatewayKey],
  ['GOVSHARE_GATEWAY_PUBLISHED_KEYS', (k) => k.publishedKeys], ['GOVSHARE_AUDIT_KEY', (k) => k.auditKey],
];

/**
 * Conformance mode serves every unclassified field to any authenticated caller: it must never meet real
 * data. Real data comes with a production environment or with keys someone configured, so either stops
 * the start-up; a conformance run uses only keys it generated itself under its own data dir.
 */
export function refuseConformanceInProduction(config: Pick<GatewayConfig, 'conformance' | 'keys'>, env: NodeJS.ProcessEnv = {}): void {
  if (!config.conformance) return;
  const problems: string[] = [];
  if (env.NODE_ENV?.trim() === 'production') problems.push('GOVSHARE_CONFORMANCE: refused with NODE_ENV=production (conformance mode serves every field without @share to any authenticated caller; it is for the federation audit only)');
  const keys = PRODUCTION_KEYS.filter(([, read]) => read(config.keys)).map(([name]) => name);
  if (keys.length) problems.push(`GOVSHARE_CONFORMANCE: refused with production keys configured (${keys.join(', ')}): conformance mode runs only on keys it generates under its own GOVSHARE_DATA_DIR`);
  if (problems.length) throw new ConfigError(problems);
}

/** The name tests, benchmarks and scripts know; the same as `loadConfig`. */
export const gatewayConfigFromEnv = loadConfig;

/**
 * The sections that code outside this module used to read from an environment of its own (tests and
 * benchmarks hand one in as `GatewayOptions.env`): taken from that environment, the rest kept.
 */
export function withSourcesFrom(config: Readonly<GatewayConfig>, env: NodeJS.ProcessEnv): Readonly<GatewayConfig> {
  const from = loadConfig(env);
  const { departmentsFile: _d, publicUrl: _p, ...rest } = config;
  return deepFreeze({
    ...rest, keys: from.keys, calendar: from.calendar,
    ...(from.departmentsFile ? { departmentsFile: from.departmentsFile } : {}),
    ...(from.workflow ? { workflow: from.workflow } : {}),
    ...(from.publicUrl ? { publicUrl: from.publicUrl } : {}),
  });
}

/** `GOVSHARE_DATA_DIR` resolved (default `.data`): one resolution for the gateway, the subgraphs and `npm run token`. */
export function dataDirFromEnv(env: NodeJS.ProcessEnv): string {
  return resolve(readVariables([SHARED_VARIABLES.GOVSHARE_DATA_DIR], env).GOVSHARE_DATA_DIR as string);
}

/** For the key, calendar and limit readers that tests call with an environment of their own. */
export const keySettingsFromEnv = (env: NodeJS.ProcessEnv): KeySettings => loadConfig(env).keys;
export const calendarSettingsFromEnv = (env: NodeJS.ProcessEnv): CalendarSettings => loadConfig(env).calendar;

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const member of Object.values(value)) deepFreeze(member);
  }
  return value;
}

/** `name=url,name=url` as in `GOVSHARE_SUBGRAPHS`. */
export function parseSubgraphList(text: string): SubgraphEndpoint[] {
  return text.split(',').map((s) => s.trim()).filter(Boolean).map((entry) => {
    const eq = entry.indexOf('=');
    if (eq <= 0) throw new Error(`GOVSHARE_SUBGRAPHS: "${entry}" is not name=url`);
    const name = entry.slice(0, eq).trim();
    const url = entry.slice(eq + 1).trim();
    new URL(url); // throws on a malformed URL, at start-up rather than at the first request
    return { name, url };
  });
}

export function defaultSubgraphs(host = '127.0.0.1'): SubgraphEndpoint[] {
  return Object.entries(SAMPLE_SUBGRAPH_PORTS).map(([name, port]) => ({ name, url: `http://${host}:${port}/graphql` }));
}

/** The request limits of an environment (`GOVSHARE_LIMITS`), through the config like every other setting. */
export function limitsFromEnv(env: NodeJS.ProcessEnv): RequestLimits {
  return loadConfig(env).limits;
}
