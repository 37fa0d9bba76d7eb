import type { GatewayContext } from '../execution/context.ts';
import type { Caller } from '../identity/caller.ts';
import { normaliseSubjectKey } from '../state/subject-digest.ts';
import { InvalidAuditCursorError, StoreUnavailableError } from '../state/types.ts';
import { auditUnavailable, badUserInput, forbidden } from '../../protocol/errors.ts';
import type { PolicyModel } from '../../schema/policy-model.ts';
import { PLATFORM_RESOURCE } from './catalog.ts';
import { isServiceDesk } from './roles.ts';
import type { PlatformServices } from './services.ts';

const MAX_KEY_LENGTH = 64;
/** Control characters and line separators: no key has them, and a log line must not get them either. */
const UNPRINTABLE = /[\p{Cc}\u2028\u2029]/u;

/** One read of the subject, as the subject access log shows it. */
export interface SubjectAccess {
  auditRecordId: string; at: string; consumer: string; consumerName: string | null; purpose: string | null; fields: string[];
  /** The embargo a confidential grant put on this read, once it has passed; null when there was none. */
  confidentialUntil: string | null;
}

/**
 * Which of the subject's fields the caller may see reads of: a service desk (service-desk role) every field;
 * a provider (provider role) the fields of the resources its department provides, so that it learns who read
 * its own data about the subject and nothing about other providers'. Anyone else: FORBIDDEN, decided on the
 * caller's rights alone, before anything is looked up. Admin is neither: operating the platform is no
 * reason to look people up.
 */
function visibleFields(caller: Caller, model: PolicyModel): readonly string[] | 'all' {
  if (isServiceDesk(caller)) return 'all';
  if (caller.roles.includes('provider')) {
    const own = [...model.fields.values()].filter((f) => f.provider === caller.department && f.resource !== PLATFORM_RESOURCE).map((f) => f.coordinate);
    if (own.length > 0) return own.sort();
  }
  throw forbidden('subjectAccessLog is for the provider of the resources read (a token with the provider role: its own fields) or a service desk (the service-desk role)');
}

/**
 * subjectAccessLog ("who read my data", 数据访问记录查询): the departments that read one person's or
 * enterprise's data, when, which fields, and for which purpose — from the audit's subject index, looked up
 * by the key's keyed digest, never by the key. Reads cleared by a confidential grant appear only once its
 * embargo has passed. Newest first, pages of at most 500.
 */
export async function subjectAccessLog(
  services: PlatformServices, context: GatewayContext, args: { subjectKey: string; first?: number | null; after?: string | null },
): Promise<{ entries: SubjectAccess[]; nextCursor: string | null }> {
  const fields = visibleFields(context.caller, services.model());
  const key = normaliseSubjectKey(args.subjectKey);
  if (!key) throw badUserInput('subjectKey must be a key: an ID number, a unified social credit code, a licence or certificate number');
  if ([...key].length > MAX_KEY_LENGTH || UNPRINTABLE.test(key)) throw badUserInput(`subjectKey is printable text of at most ${MAX_KEY_LENGTH} characters`);
  const first = args.first ?? 50;
  if (!Number.isInteger(first) || first < 1 || first > 500) throw badUserInput('first must be between 1 and 500');
  if (!services.subjectDigest) throw new Error('the subject access log needs the subject digest (PlatformServices.subjectDigest)');
  const digest = services.subjectDigest(key);
  let page;
  try {
    page = await services.state.audit.subjects.page({
      digest, first, after: args.after ?? null, now: services.now(), ...(fields === 'all' ? {} : { fields }),
    });
  } catch (error) {
    if (error instanceof StoreUnavailableError) throw auditUnavailable();
    if (error instanceof InvalidAuditCursorError) throw badUserInput(error.message);
    throw error;
  }
  const shown = fields === 'all' ? null : new Set(fields);
  return {
    entries: page.entries.map((e) => ({
      auditRecordId: String(e.seq), at: e.at, consumer: e.consumer, consumerName: services.departments.get(e.consumer)?.name ?? null,
      purpose: e.purpose, fields: shown ? e.fields.filter((f) => shown.has(f)) : e.fields, confidentialUntil: e.embargoUntil,
    })),
    nextCursor: page.nextCursor,
  };
}
