import { randomUUID } from 'node:crypto';
import type { GatewayContext } from '../execution/context.ts';
import { isAdmin } from '../identity/caller.ts';
import { PLATFORM_RESOURCE } from './catalog.ts';
import type { PartyRole } from './applications.ts';
import { holdsProviderRole, mayActFor, roleHint } from './roles.ts';
import { deadlineAfter } from './deadlines.ts';
import { badUserInput, forbidden } from '../../protocol/errors.ts';
import { auditPlatformEvent } from './platform-audit.ts';
import { noticeStore, recallNotices } from './notices.ts';
import type { DataIssueRecord, DataIssueResolution, DataIssueStatus } from './records.ts';
import type { PlatformServices } from './services.ts';
import { refuseDisguised } from './readable-input.ts';

export interface DataIssueInput { resource: string; coordinate: string; recordKey: string; description: string }
const RESOLUTIONS: readonly DataIssueResolution[] = ['CORRECTED', 'CONFIRMED_CORRECT', 'REJECTED'];

/** reportDataIssue (信息校核): a consumer doubts a datum; the provider has five working days to answer. */
export async function reportDataIssue(services: PlatformServices, context: GatewayContext, input: DataIssueInput): Promise<DataIssueRecord> {
  const model = services.model();
  const resource = model.resources.get(input.resource);
  if (!resource || resource.code === PLATFORM_RESOURCE) throw badUserInput(`unknown resource "${input.resource}"`);
  const field = model.fields.get(input.coordinate.trim());
  if (!field || field.resource !== resource.code) throw badUserInput(`${input.coordinate} is not a field of resource ${resource.code}`);
  const recordKey = input.recordKey.trim();
  const description = input.description.trim();
  if (!recordKey) throw badUserInput('recordKey must name the record (e.g. the ID number or USCC)');
  if (!description) throw badUserInput('description must say what seems wrong');
  if ([...description].length > 2000) throw badUserInput('description is limited to 2,000 characters');
  refuseDisguised('description', description);
  const now = services.now();
  const issue: DataIssueRecord = {
    id: randomUUID(), status: 'OPEN', reporter: context.caller.department, resource: resource.code, provider: resource.provider,
    coordinate: field.coordinate, recordKey, description, reportedAt: now.toISOString(),
    deadline: deadlineAfter(services.calendar, now), resolvedAt: null, resolvedBy: null, resolution: null, note: null,
  };
  await services.workflow.dataIssues.createIfAbsent(issue);
  await auditPlatformEvent(services.state.audit, context, {
    operation: 'reportDataIssue', resource: resource.code, provider: resource.provider, now,
    detail: `data issue ${issue.id} on ${field.coordinate}, deadline ${issue.deadline}`,
  });
  return issue;
}

/** resolveDataIssue: only the provider (or admin), with a resolution and a note; decided once. */
export async function resolveDataIssue(
  services: PlatformServices, context: GatewayContext, id: string, resolution: DataIssueResolution, note: string,
): Promise<DataIssueRecord> {
  const issue = await services.workflow.dataIssues.get(id);
  if (!issue) throw badUserInput(`no data issue "${id}"`);
  if (!mayActFor(context.caller, issue.provider)) {
    throw forbidden(`only the provider of ${issue.resource} (${issue.provider}) or an admin may resolve this issue${roleHint(context.caller, issue.provider)}`);
  }
  if (!RESOLUTIONS.includes(resolution)) throw badUserInput(`resolution must be one of ${RESOLUTIONS.join(', ')}`);
  if (!note.trim()) throw badUserInput('a resolution needs a note saying what was checked or changed');
  refuseDisguised('note', note);
  if (issue.status !== 'OPEN') throw badUserInput(`data issue ${id} is already resolved`);
  const now = services.now();
  const resolved: DataIssueRecord = {
    ...issue, status: 'RESOLVED', resolution, note: note.trim(), resolvedAt: now.toISOString(), resolvedBy: context.caller.department,
  };
  // A correction is recalled (数据更新和召回): its notices are written with the resolution, or neither is.
  const notices = resolution === 'CORRECTED' ? await recallNotices(services, issue, note.trim(), now) : [];
  const won = await services.state.transaction(async (tx) => {
    if (!(await tx.records(services.workflow.dataIssues).replaceIf('OPEN', resolved))) return false;
    const inboxes = tx.records(noticeStore(services.state));
    for (const notice of notices) await inboxes.createIfAbsent(notice);
    return true;
  });
  if (!won) throw badUserInput(`data issue ${id} is already resolved`);
  await auditPlatformEvent(services.state.audit, context, {
    operation: 'resolveDataIssue', resource: issue.resource, provider: issue.provider, now,
    detail: `data issue ${id} resolved ${resolution}: ${note.trim()}${resolution === 'CORRECTED' ? '; recalled from the consumers that read it (notices)' : ''}`,
  });
  return resolved;
}

export async function listDataIssues(
  services: PlatformServices, context: GatewayContext, status: DataIssueStatus | null | undefined, as: PartyRole | null | undefined,
): Promise<DataIssueRecord[]> {
  const store = services.workflow.dataIssues;
  const department = context.caller.department;
  if (as === 'PROVIDER' && !holdsProviderRole(context.caller)) throw forbidden('the provider side of data issues needs the provider role');
  const reported = as !== 'PROVIDER' ? await store.list({ name: 'reporter', value: department }) : [];
  const received = as !== 'CONSUMER' && holdsProviderRole(context.caller)
    ? (isAdmin(context.caller) ? await store.list() : await store.list({ name: 'provider', value: department }))
    : [];
  const byId = new Map([...reported, ...received].map((d) => [d.id, d]));
  return [...byId.values()].filter((d) => !status || d.status === status).sort((a, b) => b.reportedAt.localeCompare(a.reportedAt));
}
