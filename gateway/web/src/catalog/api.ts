import { gql } from '../lib/graphql.ts';

export type Category = 'BASE' | 'THEME' | 'DEPARTMENT';
export type ShareType = 'UNCONDITIONAL' | 'CONDITIONAL' | 'NONE';

export interface ResourceField {
  coordinate: string; shareType: ShareType; mask: string | null; condition: string | null; description: string | null; compare: boolean; appliable: boolean;
  dataType: string; itemType: ItemDataType;
}
export interface Resource {
  code: string; name: string; category: Category; provider: string; providerName: string | null; summary: string | null;
  updateCycle: string; publishedAt: string | null; updatedAt: string | null; subgraph: string; fields: ResourceField[];
  // catalog core metadata (GB/T 21063.3, 编制指南; issue 16 part 7)
  catalogCode: string | null; format: string; shareMethod: string; openType: OpenType; openCondition: string | null;
  relatedResources: Array<{ code: string; name: string | null; catalogCode: string | null }>;
  metadataMaintainer: string; metadataUpdatedOn: string | null; keywords: string[];
}
export type OpenType = 'UNCONDITIONAL' | 'CONDITIONAL' | 'NONE';
export type ItemDataType = 'CHARACTER' | 'INTEGER' | 'FLOAT' | 'LOGICAL' | 'OBJECT';
export interface Grant {
  id: string; consumer: string; resource: string; fields: string[]; raw: boolean; purpose: string; validUntil: string;
  createdAt: string; revokedAt: string | null; revokeReason: string | null; applicationId: string | null; active: boolean;
}
export type StageName = 'PRE_REVIEW' | 'PROVIDER_REVIEW' | 'ESCALATED';
export interface ApplicationStage {
  name: StageName; holder: string; holderName: string | null; startedAt: string; deadline: string; decidedAt: string | null;
  decidedBy: string | null; decision: 'APPROVED' | 'REJECTED' | null; reason: string | null; overdue: boolean;
  extendedBy: number | null; extensionReason: string | null; extendedAt: string | null;
}
export interface Application {
  id: string; consumer: string; resource: string; provider: string; fields: string[]; purpose: string; raw: boolean;
  validUntil: string | null; status: 'PENDING' | 'APPROVED' | 'REJECTED'; submittedAt: string; deadline: string;
  decidedAt: string | null; decidedBy: string | null; reason: string | null; overdue: boolean; grant: Grant | null;
  stage: StageName | 'DECIDED'; stages: ApplicationStage[]; escalationReason: string | null;
}
export interface WorkflowSettings {
  preReviewBy: string | null; preReviewWorkingDays: number | null; providerWorkingDays: number;
  escalationAuthority: string | null; escalationWorkingDays: number | null; maxExtensionWorkingDays: number;
}
export interface DataIssue {
  id: string; reporter: string; resource: string; provider: string; coordinate: string; recordKey: string; description: string;
  status: 'OPEN' | 'RESOLVED'; reportedAt: string; deadline: string; resolvedAt: string | null; resolvedBy: string | null;
  resolution: string | null; note: string | null; overdue: boolean;
}
export interface Evaluation {
  department: string; name: string; resourcesPublished: number; fieldsUnconditional: number; fieldsConditional: number; fieldsNone: number;
  shareRate: number | null; applicationsReceived: number; applicationsAnswered: number; applicationsAnsweredInTime: number;
  applicationsOverdue: number; applicationsPending: number; meanAnswerWorkingDays: number | null; applicationsSubmitted: number;
  dataIssuesReceived: number; dataIssuesResolved: number; dataIssuesOverdue: number; dataIssuesReported: number;
  requestsServed: number; requestsConsumed: number;
  escalationsReceived: number; escalationsPending: number; escalationsUpheld: number; escalationsOverturned: number; deadlineExtensions: number;
}
export interface AuditRecord {
  id: string; at: string; consumer: string; operator: string | null; purpose: string | null; operationName: string | null;
  fields: string[]; resources: string[]; decision: 'ALLOWED' | 'DENIED'; maskedFields: string[]; durationMs: number | null;
  errorCode: string | null; kind: string; detail: string | null; hash: string; prevHash: string;
}

const RESOURCE_FIELDS = `code name category provider providerName summary updateCycle publishedAt updatedAt subgraph
  fields { coordinate shareType mask condition description compare appliable dataType itemType }
  catalogCode format shareMethod openType openCondition relatedResources { code name catalogCode } metadataMaintainer metadataUpdatedOn keywords`;
const GRANT_FIELDS = 'id consumer resource fields raw purpose validUntil createdAt revokedAt revokeReason applicationId active';
const STAGE_FIELDS = 'name holder holderName startedAt deadline decidedAt decidedBy decision reason overdue extendedBy extensionReason extendedAt';
const APPLICATION_FIELDS = `id consumer resource provider fields purpose raw validUntil status submittedAt deadline decidedAt decidedBy reason overdue grant { ${GRANT_FIELDS} }
  stage escalationReason stages { ${STAGE_FIELDS} }`;
const ISSUE_FIELDS = 'id reporter resource provider coordinate recordKey description status reportedAt deadline resolvedAt resolvedBy resolution note overdue';

type Signal = { signal?: AbortSignal };

export const api = {
  catalog: (filter: { search?: string; category?: string; provider?: string }, o: Signal = {}) =>
    gql<{ catalog: Resource[] }>(`query CatalogPage($search: String, $category: ResourceCategory, $provider: String) {
      catalog(search: $search, category: $category, provider: $provider) { ${RESOURCE_FIELDS} } }`,
    { search: filter.search || null, category: filter.category || null, provider: filter.provider || null }, o).then((d) => d.catalog),
  resource: (code: string, o: Signal = {}) =>
    gql<{ resource: Resource | null }>(`query ResourcePage($code: String!) { resource(code: $code) { ${RESOURCE_FIELDS} } }`, { code }, o).then((d) => d.resource),
  apply: (input: { resource: string; fields: string[]; purpose: string; raw: boolean; validUntil?: string | null }) =>
    gql<{ applyForAccess: Application }>(`mutation ApplyForAccess($input: AccessApplicationInput!) { applyForAccess(input: $input) { ${APPLICATION_FIELDS} } }`, { input })
      .then((d) => d.applyForAccess),
  applications: (as: 'CONSUMER' | 'PROVIDER', o: Signal = {}) =>
    gql<{ applications: Application[] }>(`query Applications($as: PartyRole) { applications(as: $as) { ${APPLICATION_FIELDS} } }`, { as }, o).then((d) => d.applications),
  review: (id: string, approve: boolean, reason?: string) =>
    gql<{ reviewApplication: Application }>(`mutation ReviewApplication($id: ID!, $approve: Boolean!, $reason: String) {
      reviewApplication(id: $id, approve: $approve, reason: $reason) { ${APPLICATION_FIELDS} } }`, { id, approve, reason: reason ?? null })
      .then((d) => d.reviewApplication),
  extend: (id: string, workingDays: number, reason: string) =>
    gql<{ extendDeadline: Application }>(`mutation ExtendDeadline($id: ID!, $workingDays: Int!, $reason: String!) {
      extendDeadline(id: $id, workingDays: $workingDays, reason: $reason) { ${APPLICATION_FIELDS} } }`, { id, workingDays, reason })
      .then((d) => d.extendDeadline),
  escalate: (id: string, reason: string) =>
    gql<{ escalateApplication: Application }>(`mutation EscalateApplication($id: ID!, $reason: String!) {
      escalateApplication(id: $id, reason: $reason) { ${APPLICATION_FIELDS} } }`, { id, reason }).then((d) => d.escalateApplication),
  decideEscalation: (id: string, approve: boolean, reason: string) =>
    gql<{ decideEscalation: Application }>(`mutation DecideEscalation($id: ID!, $approve: Boolean!, $reason: String!) {
      decideEscalation(id: $id, approve: $approve, reason: $reason) { ${APPLICATION_FIELDS} } }`, { id, approve, reason })
      .then((d) => d.decideEscalation),
  workflowSettings: (o: Signal = {}) =>
    gql<{ workflowSettings: WorkflowSettings }>(`query WorkflowSettings { workflowSettings { preReviewBy preReviewWorkingDays providerWorkingDays
      escalationAuthority escalationWorkingDays maxExtensionWorkingDays } }`, {}, o).then((d) => d.workflowSettings),
  myGrants: (o: Signal = {}) => gql<{ me: { code: string; grants: Grant[] } }>(`query MyGrants { me { code grants { ${GRANT_FIELDS} } } }`, {}, o).then((d) => d.me.grants),
  revoke: (id: string, reason: string) =>
    gql<{ revokeGrant: Grant }>(`mutation RevokeGrant($id: ID!, $reason: String!) { revokeGrant(id: $id, reason: $reason) { ${GRANT_FIELDS} } }`, { id, reason }).then((d) => d.revokeGrant),
  issues: (as: 'CONSUMER' | 'PROVIDER', o: Signal = {}) =>
    gql<{ dataIssues: DataIssue[] }>(`query DataIssues($as: PartyRole) { dataIssues(as: $as) { ${ISSUE_FIELDS} } }`, { as }, o).then((d) => d.dataIssues),
  reportIssue: (input: { resource: string; coordinate: string; recordKey: string; description: string }) =>
    gql<{ reportDataIssue: DataIssue }>(`mutation ReportDataIssue($input: DataIssueInput!) { reportDataIssue(input: $input) { ${ISSUE_FIELDS} } }`, { input }).then((d) => d.reportDataIssue),
  resolveIssue: (id: string, resolution: string, note: string) =>
    gql<{ resolveDataIssue: DataIssue }>(`mutation ResolveDataIssue($id: ID!, $resolution: DataIssueResolution!, $note: String!) {
      resolveDataIssue(id: $id, resolution: $resolution, note: $note) { ${ISSUE_FIELDS} } }`, { id, resolution, note }).then((d) => d.resolveDataIssue),
  evaluation: (o: Signal = {}) =>
    gql<{ evaluation: Evaluation[] }>(`query Evaluation { evaluation { department name resourcesPublished fieldsUnconditional fieldsConditional fieldsNone shareRate
      applicationsReceived applicationsAnswered applicationsAnsweredInTime applicationsOverdue applicationsPending meanAnswerWorkingDays applicationsSubmitted
      dataIssuesReceived dataIssuesResolved dataIssuesOverdue dataIssuesReported requestsServed requestsConsumed
      escalationsReceived escalationsPending escalationsUpheld escalationsOverturned deadlineExtensions } }`, {}, o).then((d) => d.evaluation),
  audit: (filter: { after?: string | null; resource?: string; consumer?: string }, o: Signal = {}) =>
    gql<{ auditLog: { records: AuditRecord[]; nextCursor: string | null }; verifyAuditChain: { ok: boolean; checked: number; firstBrokenId: string | null } }>(
      `query AuditLog($after: String, $resource: String, $consumer: String) {
        auditLog(first: 50, after: $after, resource: $resource, consumer: $consumer) {
          records { id at consumer operator purpose operationName fields resources decision maskedFields durationMs errorCode kind detail hash prevHash }
          nextCursor }
        verifyAuditChain { ok checked firstBrokenId } }`,
      { after: filter.after ?? null, resource: filter.resource || null, consumer: filter.consumer || null }, o),
};

/** Overdue first, then the nearest deadline. */
export function byUrgency<T extends { overdue: boolean; deadline: string }>(a: T, b: T): number {
  if (a.overdue !== b.overdue) return a.overdue ? -1 : 1;
  return a.deadline.localeCompare(b.deadline);
}

/** The fields applyForAccess accepts, as the catalog states them (a value type's fields are covered by the field leading to them). */
export async function appliableFields(resource: Resource, _o: Signal = {}): Promise<string[]> {
  return resource.fields.filter((f) => f.appliable).map((f) => f.coordinate);
}
