import { isAdmin, type Caller, type Role } from '../identity/caller.ts';

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

/**
 * GB/T 39477 §6.2 (管理/审计/操作). `separateRoles` is GOVSHARE_SEPARATE_ROLES: off, CONTRACT §6's admin
 * reads every audit record (and may recheck the whole chain); on, only the auditor does, and admin reads
 * its own department's records like any department.
 */
export function readsWholeAuditLog(caller: Caller, separateRoles: boolean): boolean {
  return caller.roles.includes('auditor') || (!separateRoles && isAdmin(caller));
}

/**
 * The platform operations a token holding an exclusive role may call; everything else — every provider's
 * data, applications, reviews, data issues, notices, publishing — is refused before any resolver or
 * subgraph runs. The catalog is metadata anyone may read (its exports need no token); refusing it through
 * the API would protect nothing.
 */
const EXCLUSIVE_ROLE_OPERATIONS: Partial<Record<Role, ReadonlySet<string>>> = {
  auditor: new Set(['Query.me', 'Query.catalog', 'Query.resource', 'Query.auditLog', 'Query.verifyAuditChain', 'Query.auditCheckpoints', 'Query.exportAuditEvidence']),
  'security-admin': new Set(['Query.me', 'Query.catalog', 'Query.resource']),
};

/**
 * The root fields of an operation the caller's role may not ask for (sorted), or an empty list. Only
 * exclusive roles are limited here; the other roles' limits are the platform resolvers' own checks.
 */
export function rootFieldsRefused(caller: Caller, rootCoordinates: Iterable<string>): string[] {
  const exclusive = caller.roles.find((r) => EXCLUSIVE_ROLE_OPERATIONS[r]);
  if (!exclusive) return [];
  const allowed = EXCLUSIVE_ROLE_OPERATIONS[exclusive]!;
  return [...rootCoordinates].filter((c) => !allowed.has(c)).sort();
}

/** The role the caller's refusal names in its message. */
export function exclusiveRoleOf(caller: Caller): Role | undefined {
  return caller.roles.find((r) => EXCLUSIVE_ROLE_OPERATIONS[r]);
}

/** A service desk (政务服务窗口) answers "who read my data" for any person's or enterprise's key. */
export const isServiceDesk = (caller: Caller) => caller.roles.includes('service-desk');
