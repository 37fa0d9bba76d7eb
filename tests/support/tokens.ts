import { issueDevToken } from '../../gateway/identity/token-issuer.ts';
import type { Role } from '../../gateway/identity/caller.ts';

/** Headers of a department's request, with the purpose percent-encoded as the contract asks. */
export async function as(department: string, options: { roles?: Role[]; purpose?: string; operator?: string } = {}): Promise<Record<string, string>> {
  const headers: Record<string, string> = {
    authorization: `Bearer ${await issueDevToken({ department, roles: options.roles ?? ['consumer'] })}`,
  };
  if (options.purpose !== undefined) headers['x-share-purpose'] = encodeURIComponent(options.purpose);
  if (options.operator !== undefined) headers['x-share-operator'] = encodeURIComponent(options.operator);
  return headers;
}
