import type { RecordStore, StateStores } from '../state/index.ts';
import { LookupMisses } from './lookup-misses.ts';

export type ApplicationStatus = 'PENDING' | 'APPROVED' | 'REJECTED';

/** An application for CONDITIONAL fields of one resource (有条件共享申请). */
export interface ApplicationRecord {
  id: string;
  status: ApplicationStatus;
  consumer: string;
  resource: string;
  provider: string;
  fields: string[];
  purpose: string;
  raw: boolean;
  /** The validity the consumer asked for; the grant never lasts longer. */
  requestedValidUntil: string | null;
  submittedAt: string;
  /** Calendar date (Asia/Shanghai): the 5th working day after submission. */
  deadline: string;
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
