import type { Grant } from '../state/types.ts';
import { endOfShanghaiDay } from '../workdays/shanghai-time.ts';

/**
 * Until when the reads a request makes stay out of subject access logs: the end (Asia/Shanghai) of the
 * latest `confidentialUntil` of the grants that cleared it, or null when none of them is confidential.
 * Several grants may match one field; one confidential among them is enough — the investigating
 * department asked for it, and telling the subject early would defeat it.
 */
export function embargoOf(grants: readonly Grant[], grantIds: readonly string[]): string | null {
  if (grantIds.length === 0) return null;
  let latest: number | null = null;
  for (const grant of grants) {
    if (!grant.confidentialUntil || !grantIds.includes(grant.id)) continue;
    const end = endOfShanghaiDay(grant.confidentialUntil).getTime();
    if (latest === null || end > latest) latest = end;
  }
  return latest === null ? null : new Date(latest).toISOString();
}
