import type { Caller } from '../identity/caller.ts';
import type { OperationAnalysis } from '../pipeline/analyse.ts';
import type { SubjectReads } from '../pipeline/subject-keys.ts';

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
  /** Set by the limits stage once the operation's variables and cost are within CONTRACT §8's limits. */
  withinLimits?: boolean;
  /** Set by the limits stage: the variables passed their limits, so the audit may digest them. */
  variablesBounded?: boolean;
  /** Set by authorise: when the confidential grants that cleared the request let its reads show in subject access logs (null: at once). */
  embargoUntil?: string | null;
  /** Appended by the subgraph data source: each `_entities` call's representations and answers, for the subjects stage. */
  entityFetches?: Array<{ query: string; representations: unknown[]; entities: unknown }>;
  /** Set by the subjects stage, before masking: whose records the answer read, and which fields of each. */
  subjects?: SubjectReads;
  /** Set by the sealed-claims stage: each sealed batch's count and digest, for the audit record (never a claim). */
  sealedClaims?: readonly import('../pipeline/sealed-claims.ts').SealedBatchFacts[];
  /** Set by the masking stage: the coordinates masked in the answer, for the audit record. */
  maskedFields?: ReadonlySet<string>;
  /** Set by the policy stages when they allowed an operation: the executor runs this one and nothing else. */
  cleared?: import('graphql').OperationDefinitionNode;
}
