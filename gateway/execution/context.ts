import type { Caller } from '../identity/caller.ts';
import type { OperationAnalysis } from '../pipeline/analyse.ts';

/** What one request carries through the stages; Apollo hands it to plugins, data sources and the platform. */
export interface GatewayContext {
  requestId: string;
  startedAt: number;
  caller: Caller;
  /** Set by analyse. */
  analysis?: OperationAnalysis;
  /** Set by authorise: coordinates the subgraphs may serve this caller (sent in the signature). */
  readable?: string[];
  /** Set by authorise: governing coordinates whose masks the caller's raw grants lift. */
  raw?: ReadonlySet<string>;
  decision?: 'ALLOWED' | 'DENIED';
  errorCode?: string;
  /** Set by the policy stage when it allowed an operation: the executor runs this one and nothing else. */
  cleared?: import('graphql').OperationDefinitionNode;
}
