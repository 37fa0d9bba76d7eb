import { dataDirFromEnv } from './keys/data-dir.ts';
import { limitsFromEnv, type RequestLimits } from './pipeline/limits.ts';

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
  /** Redis for the replicas' coordination (announcements, shared limits) when set; in-process otherwise. */
  redisUrl?: string;
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

export function gatewayConfigFromEnv(env: NodeJS.ProcessEnv): GatewayConfig {
  return {
    host: env.GATEWAY_HOST ?? '127.0.0.1',
    port: Number(env.GATEWAY_PORT ?? 4000),
    subgraphs: env.GOVSHARE_SUBGRAPHS ? parseSubgraphList(env.GOVSHARE_SUBGRAPHS) : defaultSubgraphs(),
    ...(env.GOVSHARE_STATE_DATABASE_URL ? { recordsUrl: env.GOVSHARE_STATE_DATABASE_URL } : {}),
    ...(env.REDIS_URL ? { redisUrl: env.REDIS_URL } : {}),
    redisPrefix: env.GOVSHARE_REDIS_PREFIX ?? 'govshare:',
    dataDir: dataDirFromEnv(env),
    rateLimit: {
      perSecond: Number(env.GOVSHARE_RATE_LIMIT ?? 1000),
      burst: Number(env.GOVSHARE_RATE_BURST ?? env.GOVSHARE_RATE_LIMIT ?? 2000),
    },
    limits: limitsFromEnv(env),
    subgraphCalls: {
      timeoutMs: positiveInteger(env, 'GOVSHARE_SUBGRAPH_TIMEOUT_MS', 10_000),
      concurrency: positiveInteger(env, 'GOVSHARE_SUBGRAPH_CONCURRENCY', 256),
      queue: positiveInteger(env, 'GOVSHARE_SUBGRAPH_QUEUE', 1024, true),
    },
    drainMs: positiveInteger(env, 'GOVSHARE_DRAIN_MS', 10_000, true),
  };
}

/** A whole number from the environment, or the start-up stops naming the variable (never a silent NaN). */
function positiveInteger(env: NodeJS.ProcessEnv, name: string, fallback: number, zeroAllowed = false): number {
  const text = env[name]?.trim();
  if (!text) return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < (zeroAllowed ? 0 : 1)) throw new Error(`${name}: "${text}" is not a ${zeroAllowed ? 'non-negative' : 'positive'} whole number`);
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
