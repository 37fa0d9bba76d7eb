import { dataDirFromEnv } from './keys/data-dir.ts';
import { limitsFromEnv, type RequestLimits } from './pipeline/limits.ts';

/** Where the gateway listens and which subgraphs it composes. Read once at start-up. */
export interface GatewayConfig {
  host: string;
  port: number;
  subgraphs: SubgraphEndpoint[];
  /** Platform state in Redis when set, in-process otherwise. */
  redisUrl?: string;
  redisPrefix: string;
  /**
   * Embedded mode: where the schema registry and the generated keys are kept across restarts
   * (`GOVSHARE_DATA_DIR`); absent, generated keys live in memory only. Configured keys
   * (`GOVSHARE_GATEWAY_KEY`, `GOVSHARE_JWT_*`, `GOVSHARE_AUDIT_KEY`) are read by `gateway/keys/`.
   */
  dataDir?: string;
  /** Requests per second per department and replica (`GOVSHARE_RATE_LIMIT`, 0 = off), and the burst allowed. */
  rateLimit: { perSecond: number; burst: number };
  /** CONTRACT §8 request limits (`GOVSHARE_LIMITS`, see `pipeline/limits.ts`). */
  limits: RequestLimits;
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
    ...(env.REDIS_URL ? { redisUrl: env.REDIS_URL } : {}),
    redisPrefix: env.GOVSHARE_REDIS_PREFIX ?? 'govshare:',
    dataDir: dataDirFromEnv(env),
    rateLimit: {
      perSecond: Number(env.GOVSHARE_RATE_LIMIT ?? 1000),
      burst: Number(env.GOVSHARE_RATE_BURST ?? env.GOVSHARE_RATE_LIMIT ?? 2000),
    },
    limits: limitsFromEnv(env),
  };
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
