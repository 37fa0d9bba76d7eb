import type { PolicyMode } from '../../schema/policy-model.ts';
import type { SubgraphSdl } from '../../schema/policy-types.ts';
import type { GatewayConfig } from '../config.ts';
import { PLATFORM_SDL } from '../platform/platform-subgraph.ts';

/** What the gateway composes besides the providers' subgraphs, and how it reads CONTRACT §3, for one config. */
export interface CompositionMode {
  mode: PolicyMode;
  /** The subgraphs the gateway serves itself: the platform API, or none in conformance mode. */
  local: readonly SubgraphSdl[];
}

/**
 * Conformance mode (`GOVSHARE_CONFORMANCE`) composes the audit's subgraphs alone: the platform API's root
 * fields (`Query.me`, `Query.resources`, …) would otherwise collide with the audit's own (`Query.me: User`)
 * and fail composition for reasons that say nothing about federation. Otherwise the platform API is
 * always composed in, and a provider's field colliding with one of it is refused (DUPLICATE_OWNER).
 */
export function compositionModeOf(config: Pick<GatewayConfig, 'conformance'>): CompositionMode {
  return config.conformance ? { mode: 'conformance', local: [] } : { mode: 'strict', local: [PLATFORM_SDL] };
}
