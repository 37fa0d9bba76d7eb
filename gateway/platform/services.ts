import type { PolicyModel } from '../../schema/policy-model.ts';
import type { AuditCheckpointer } from '../audit/checkpointer.ts';
import type { DepartmentDirectory } from '../identity/departments.ts';
import type { AuditChainStatus, StateStores } from '../state/types.ts';
import type { WorkingDayCalendar } from '../workdays/index.ts';
import type { WorkflowStores } from './records.ts';
import type { RegistryServices } from './registry-resolvers.ts';
import type { ClaimKeyDirectory } from './claim-keys.ts';
import type { WorkflowSettings } from './workflow-config.ts';

/** What the platform's resolvers work with; passed in, never reached for globally. */
export interface PlatformServices {
  state: StateStores;
  workflow: WorkflowStores;
  departments: DepartmentDirectory;
  calendar: WorkingDayCalendar;
  /** The review stages and their deadlines (GOVSHARE_WORKFLOW; DEFAULT_WORKFLOW without it). */
  workflowSettings: WorkflowSettings;
  model: () => PolicyModel;
  now: () => Date;
  registry: RegistryServices;
  /**
   * Signs the audit chain's head (CONTRACT §10) and lends the trust that verifies checkpoints. Every gateway
   * passes one (app.ts; gateway/audit/checkpoints-plugin.ts for the plugin tree); without it the audit API's
   * verification and evidence fail rather than answer unchecked.
   */
  checkpoints?: AuditCheckpointer;
  /** Runs verifyAuditChain's checks, shared with the background check (gateway/audit/chain-watch.ts). */
  chainCheck?: { check(full: boolean): Promise<AuditChainStatus> };
  /**
   * GOVSHARE_SEPARATE_ROLES (GB/T 39477 §6.2): admin manages departments, workflow and publishing but reads only
   * its own department's audit records; the auditor reads them all. Off (CONTRACT §6): admin reads every record.
   */
  separateRoles?: boolean;
  /**
   * The keyed digest of a subject key (an ID number, a USCC) as the audit's subject index holds it
   * (state/subject-digest.ts); absent, recall and the subject access log are not offered.
   */
  subjectDigest?: (subjectKey: string) => string;
  /** Sealed claims: each provider's claim key, signed (`Resource.claimKey`); absent, the catalog shows none. */
  claimKeys?: ClaimKeyDirectory;
}
