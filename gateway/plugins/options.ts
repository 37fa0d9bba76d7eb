import { refuseConformanceInProduction, withSourcesFrom, type GatewayConfig } from '../config.ts';
import type { DepartmentDirectory } from '../identity/departments.ts';
import type { StateStores } from '../state/types.ts';
import type { WorkingDayCalendar } from '../workdays/index.ts';
import type { ApolloServerPlugin } from '@apollo/server';
import type { GatewayContext } from '../execution/context.ts';

/** What `buildGateway` is built from: the configuration, and what tests and benchmarks hand in instead. */
export interface GatewayOptions {
  config: GatewayConfig;
  /**
   * Tests and benchmarks: an environment whose keys, departments, calendar and public URL replace the
   * config's (read through the config module). Absent, the config's own are used.
   */
  env?: NodeJS.ProcessEnv;
  /** Injected state (tests); otherwise opened from `config.recordsUrl` / `config.dataDir` and `config.redisUrl`, and closed with the gateway. */
  state?: StateStores;
  departments?: DepartmentDirectory;
  calendar?: WorkingDayCalendar;
  now?: () => Date;
  /**
   * The Apollo plugins of the policy stages, replacing the real ones: only benchmarks measuring what the
   * policy layer costs pass this (bench/policy-off.ts). Absent in every deployment.
   */
  policyStages?: (defaults: PolicyStageInputs) => ApolloServerPlugin<GatewayContext>[];
  /** Receives the message of every log line (tests collect them); without it and `logDestination`, JSON lines go to stdout. */
  log?: (message: string) => void;
  /** Receives every JSON log line as written (tests reading `reqId`); takes precedence over `log`. */
  logDestination?: import('../../protocol/request-logging.ts').LogDestination;
}

/** What the policy stages are built from, for a replacement to use. */
export interface PolicyStageInputs {
  model: () => import('../../schema/policy-model.ts').PolicyModel;
}

/** The options every plugin of the tree receives, defaults filled in. */
export interface ResolvedOptions extends Required<Pick<GatewayOptions, 'config' | 'now' | 'log'>> {
  options: GatewayOptions;
}

export function resolveOptions(options: GatewayOptions): ResolvedOptions {
  const config = options.env ? withSourcesFrom(options.config, options.env) : options.config;
  // Again here, for configs built by hand (tests, benchmarks) rather than read by `loadConfig`: their keys
  // (NODE_ENV is the environment's, and only `loadConfig` reads the environment).
  refuseConformanceInProduction(config);
  return { config, now: options.now ?? (() => new Date()), log: options.log ?? (() => {}), options };
}
