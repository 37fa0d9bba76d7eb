import { isAdmin, type Caller } from '../identity/caller.ts';

/**
 * CONTRACT §2 v1.1: roles count. Only a token with `provider` (or `admin`) acts as a provider in the
 * platform API — reviewing, revoking, resolving issues, publishing. The department code alone says
 * whose resources they are, not that this officer may decide for the department.
 */
export function holdsProviderRole(caller: Caller): boolean {
  return caller.roles.includes('provider') || isAdmin(caller);
}

/** Whether the caller may act as `provider`: that department with the provider role, or an admin. */
export function mayActFor(caller: Caller, provider: string): boolean {
  return isAdmin(caller) || (caller.department === provider && caller.roles.includes('provider'));
}

/** The end of a FORBIDDEN message when only the role is missing. */
export function roleHint(caller: Caller, provider: string): string {
  return caller.department === provider && !holdsProviderRole(caller) ? ': the token lacks the provider role' : '';
}
