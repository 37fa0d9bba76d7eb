import type { RecordStore, StateStores } from '../state/index.ts';
import { LookupMisses } from './lookup-misses.ts';

export type ApplicationStatus = 'PENDING' | 'APPROVED' | 'REJECTED';

/** The review stages an application passes (`workflow-config.ts`); DECIDED once none is open. */
export type StageName = 'PRE_REVIEW' | 'PROVIDER_REVIEW' | 'ESCALATED';
export type ApplicationStageName = StageName | 'DECIDED';
export type StageDecision = 'APPROVED' | 'REJECTED';

/** One stage of an application: who holds it, until when, and how it ended. */
export interface StageRecord {
  name: StageName;
  /** The department that decides this stage, fixed when the stage opens (a later configuration does not move it). */
  holder: string;
  startedAt: string;
  /** Calendar date (Asia/Shanghai), its extension included. */
  deadline: string;
  decidedAt: string | null;
  decidedBy: string | null;
  /** At ESCALATED: APPROVED overturns the provider's refusal, REJECTED upholds it. */
  decision: StageDecision | null;
  reason: string | null;
  /** Working days added by the one extension a stage may have, and why. */
  extendedBy: number | null;
  extensionReason: string | null;
  extendedAt: string | null;
}

/** An application for CONDITIONAL fields of one resource (有条件共享申请). */
export interface ApplicationRecord {
  id: string;
  /** CONTRACT §6's status: PENDING while a review stage is open; a refusal under escalation stays REJECTED until overturned. */
  status: ApplicationStatus;
  stage: ApplicationStageName;
  /** In the order they opened; the last is the open one, or the one that decided. */
  stages: StageRecord[];
  /** The consumer's grounds for escalating the provider's refusal (争议协调), once. */
  escalationReason: string | null;
  consumer: string;
  resource: string;
  provider: string;
  fields: string[];
  purpose: string;
  raw: boolean;
  /** The validity the consumer asked for; the grant never lasts longer. */
  requestedValidUntil: string | null;
  /** A confidential application's embargo date (YYYY-MM-DD), which its grant carries (`confidentiality.ts`); absent: none. */
  confidentialUntil?: string | null;
  submittedAt: string;
  /** The deadline of the open stage (or of the last one): by default the 5th working day after submission. */
  deadline: string;
  /** The final decision: the stage that decided it, the department that did, and why. */
  decidedAt: string | null;
  decidedBy: string | null;
  reason: string | null;
  /** Chosen at approval, before the grant is written: an approval always names its grant. */
  grantId: string | null;
}

export type DataIssueStatus = 'OPEN' | 'RESOLVED';
export type DataIssueResolution = 'CORRECTED' | 'CONFIRMED_CORRECT' | 'REJECTED';

/** A doubted datum reported to its provider (信息校核). */
export interface DataIssueRecord {
  id: string;
  status: DataIssueStatus;
  reporter: string;
  resource: string;
  provider: string;
  coordinate: string;
  recordKey: string;
  description: string;
  reportedAt: string;
  deadline: string;
  resolvedAt: string | null;
  resolvedBy: string | null;
  resolution: DataIssueResolution | null;
  note: string | null;
}

/** When a catalog resource was first published and last changed; `status` holds its content fingerprint. */
export interface ResourceHistoryRecord {
  id: string;
  status: string;
  publishedAt: string;
  updatedAt: string;
}

export interface WorkflowStores {
  applications: RecordStore<ApplicationRecord>;
  dataIssues: RecordStore<DataIssueRecord>;
  resourceHistory: RecordStore<ResourceHistoryRecord>;
  /** Unknown-key lookups per consumer and day, for `evaluation`. */
  lookupMisses: LookupMisses;
}

const time = (iso: string) => Date.parse(iso);

export function workflowStores(state: StateStores): WorkflowStores {
  return {
    applications: state.records<ApplicationRecord>('applications',
      (a) => ({ consumer: a.consumer, provider: a.provider }), (a) => time(a.submittedAt)),
    dataIssues: state.records<DataIssueRecord>('data-issues',
      (d) => ({ reporter: d.reporter, provider: d.provider }), (d) => time(d.reportedAt)),
    resourceHistory: state.records<ResourceHistoryRecord>('resource-history', () => ({}), (r) => time(r.publishedAt)),
    lookupMisses: new LookupMisses(state),
  };
}
