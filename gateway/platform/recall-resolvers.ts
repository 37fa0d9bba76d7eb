import type { GatewayContext } from '../execution/context.ts';
import { listNotices, markNoticeRead, noticeRecordKey, recalledOf, type NoticeRecord } from './notices.ts';
import type { DataIssueRecord } from './records.ts';
import type { PlatformServices } from './services.ts';
import { subjectAccessLog } from './subject-access.ts';

/** GraphQL glue for recall notices and the subject access log (issue 16 parts 5 and 6); the rules live in the modules it calls. */
export function recallResolvers(services: PlatformServices) {
  return {
    Query: {
      notices: (_: unknown, args: { unread?: boolean | null }, context: GatewayContext) => listNotices(services, context, args.unread),
      subjectAccessLog: (_: unknown, args: { subjectKey: string; first?: number | null; after?: string | null }, context: GatewayContext) =>
        subjectAccessLog(services, context, args),
    },
    Mutation: {
      markNoticeRead: (_: unknown, args: { id: string }, context: GatewayContext) => markNoticeRead(services, context, args.id),
    },
    Notice: {
      issue: (n: NoticeRecord) => n.issueId,
      recordKey: (n: NoticeRecord) => noticeRecordKey(services, n),
      providerName: (n: NoticeRecord) => services.departments.get(n.provider)?.name ?? null,
    },
    DataIssue: {
      recalled: (d: DataIssueRecord, _: unknown, context: GatewayContext) => recalledOf(services, context.caller, d),
    },
  };
}
