import type { GatewayContext } from '../execution/context.ts';
import { isAdmin, type Caller } from '../identity/caller.ts';
import type { RecordStore, StateStores } from '../state/index.ts';
import { badUserInput, forbidden } from '../../protocol/errors.ts';
import type { DataIssueRecord } from './records.ts';
import { mayActFor } from './roles.ts';
import type { PlatformServices } from './services.ts';

/** GB/T 39477 §6.1.4 (数据更新和召回): who read the datum in this window before it was corrected is told. */
export const RECALL_WINDOW_DAYS = 90;
const DAY_MS = 86_400_000;

export type NoticeStatus = 'UNREAD' | 'READ';

/**
 * A recall notice in a consumer's inbox: a datum it read was corrected by its provider. The record key is
 * not copied here: the notice names its data issue, which holds it, and shows it to the recipient only.
 */
export interface NoticeRecord {
  /** `<issue id>:<recipient>`: one notice per issue and consumer, however often it read the datum. */
  id: string;
  status: NoticeStatus;
  kind: 'RECALL';
  recipient: string;
  issueId: string;
  resource: string;
  provider: string;
  coordinate: string;
  note: string;
  correctedAt: string;
  /** The recipient's reads of that coordinate of that record within the window, and the latest of them. */
  reads: number;
  lastReadAt: string;
  /** Some of those reads were cleared by a confidential grant: until then the provider is not shown this recipient. */
  embargoUntil: string | null;
  createdAt: string;
  readAt: string | null;
}

/** The notices, in govshare.records like every workflow record; listed by recipient and by issue. */
export function noticeStore(state: StateStores): RecordStore<NoticeRecord> {
  return state.records<NoticeRecord>('notices', (n) => ({ recipient: n.recipient, issue: n.issueId }), (n) => Date.parse(n.createdAt));
}

/**
 * The notices a correction sends: one to every department that read the issue's coordinate of the issue's
 * record in the last 90 days, found in the audit's subject index by the record key's keyed digest. The
 * provider's own reads are not a consumer's: it is not told of its own correction.
 */
export async function recallNotices(services: PlatformServices, issue: DataIssueRecord, note: string, now: Date): Promise<NoticeRecord[]> {
  if (!services.subjectDigest) throw new Error('recall needs the subject digest (PlatformServices.subjectDigest)');
  const readers = await services.state.audit.subjects.readers({
    digest: services.subjectDigest(issue.recordKey), coordinate: issue.coordinate, since: new Date(now.getTime() - RECALL_WINDOW_DAYS * DAY_MS),
  });
  return readers.filter((r) => r.consumer !== issue.provider).map((r) => ({
    id: `${issue.id}:${r.consumer}`, status: 'UNREAD', kind: 'RECALL', recipient: r.consumer, issueId: issue.id,
    resource: issue.resource, provider: issue.provider, coordinate: issue.coordinate, note, correctedAt: now.toISOString(),
    reads: r.reads, lastReadAt: r.lastReadAt, embargoUntil: r.embargoUntil, createdAt: now.toISOString(), readAt: null,
  }));
}

/** The caller's department's inbox, newest first; `unread` keeps the unread ones. */
export async function listNotices(services: PlatformServices, context: GatewayContext, unread: boolean | null | undefined): Promise<NoticeRecord[]> {
  const notices = await noticeStore(services.state).list({ name: 'recipient', value: context.caller.department });
  return notices.filter((n) => !unread || n.status === 'UNREAD').sort((a, b) => b.createdAt.localeCompare(a.createdAt) || a.id.localeCompare(b.id));
}

/** Marks one of the caller's department's notices read (once; reading it again changes nothing). */
export async function markNoticeRead(services: PlatformServices, context: GatewayContext, id: string): Promise<NoticeRecord> {
  const store = noticeStore(services.state);
  const notice = await store.get(id);
  // Another department's notice and none at all answer alike: a notice says who read whose record.
  if (!notice || notice.recipient !== context.caller.department) throw forbidden(`no notice "${id}" in your inbox`);
  if (notice.status === 'READ') return notice;
  const read: NoticeRecord = { ...notice, status: 'READ', readAt: services.now().toISOString() };
  if (await store.replaceIf('UNREAD', read)) return read;
  return (await store.get(id)) ?? read;
}

/** The record key a notice concerns, from its issue: shown to the notice's recipient, which read that record. */
export async function noticeRecordKey(services: PlatformServices, notice: NoticeRecord): Promise<string> {
  const issue = await services.workflow.dataIssues.get(notice.issueId);
  if (!issue) throw badUserInput(`the data issue of notice "${notice.id}" is gone`);
  return issue.recordKey;
}

/** One consumer a correction was sent to, as its provider sees it. */
export interface RecallRecipient { consumer: string; consumerName: string | null; reads: number; lastReadAt: string; noticeId: string; readAt: string | null }

/**
 * `DataIssue.recalled`: who was told of a correction, for whoever decides the issue — the provider (provider
 * role) or an admin, but with separated roles not an admin of another department (who was told is read from
 * the audit log). null for anyone else, the reporter included. A recipient whose reads were under a
 * confidential grant is left out until the grant's embargo ends.
 */
export async function recalledOf(services: PlatformServices, caller: Caller, issue: DataIssueRecord): Promise<RecallRecipient[] | null> {
  if (!mayActFor(caller, issue.provider)) return null;
  if (services.separateRoles && isAdmin(caller) && caller.department !== issue.provider) return null;
  if (issue.resolution !== 'CORRECTED') return [];
  const now = services.now().getTime();
  const notices = await noticeStore(services.state).list({ name: 'issue', value: issue.id });
  return notices
    .filter((n) => n.embargoUntil === null || Date.parse(n.embargoUntil) <= now)
    .sort((a, b) => a.recipient.localeCompare(b.recipient))
    .map((n) => ({
      consumer: n.recipient, consumerName: services.departments.get(n.recipient)?.name ?? null,
      reads: n.reads, lastReadAt: n.lastReadAt, noticeId: n.id, readAt: n.readAt,
    }));
}
