import { gql } from '../lib/graphql.ts';

/** Recall notices and the subject access log (issue 16 parts 5 and 6), beside api.ts. */
export interface Notice {
  id: string; kind: string; recipient: string; issue: string; resource: string; provider: string; providerName: string | null;
  coordinate: string; recordKey: string; note: string; correctedAt: string; reads: number; lastReadAt: string;
  status: 'UNREAD' | 'READ'; createdAt: string; readAt: string | null;
}
export interface RecallRecipient { consumer: string; consumerName: string | null; reads: number; lastReadAt: string; noticeId: string; readAt: string | null }
export interface SubjectAccess {
  auditRecordId: string; at: string; consumer: string; consumerName: string | null; purpose: string | null; fields: string[]; confidentialUntil: string | null;
}

const NOTICE_FIELDS = 'id kind recipient issue resource provider providerName coordinate recordKey note correctedAt reads lastReadAt status createdAt readAt';
type Signal = { signal?: AbortSignal };

export const recallApi = {
  notices: (o: Signal = {}) => gql<{ notices: Notice[] }>(`query Notices { notices { ${NOTICE_FIELDS} } }`, {}, o).then((d) => d.notices),
  markRead: (id: string) => gql<{ markNoticeRead: Notice }>(`mutation MarkNoticeRead($id: ID!) { markNoticeRead(id: $id) { ${NOTICE_FIELDS} } }`, { id })
    .then((d) => d.markNoticeRead),
  /** Who a resolved issue's correction was sent to (the provider's view; null for anyone else). */
  recalled: (o: Signal = {}) => gql<{ dataIssues: Array<{ id: string; recalled: RecallRecipient[] | null }> }>(
    'query RecallRecipients { dataIssues(as: PROVIDER, status: RESOLVED) { id recalled { consumer consumerName reads lastReadAt noticeId readAt } } }', {}, o)
    .then((d) => new Map(d.dataIssues.map((i) => [i.id, i.recalled]))),
  subjectAccessLog: (subjectKey: string, after: string | null, o: Signal = {}) =>
    gql<{ subjectAccessLog: { entries: SubjectAccess[]; nextCursor: string | null } }>(
      `query SubjectAccessLog($k: String!, $after: String) { subjectAccessLog(subjectKey: $k, first: 50, after: $after) {
        entries { auditRecordId at consumer consumerName purpose fields confidentialUntil } nextCursor } }`, { k: subjectKey, after }, o)
      .then((d) => d.subjectAccessLog),
};
