/**
 * `auditor` (审计员, GB/T 39477 role separation) reads the whole audit log and may recheck its chain in full; it acts for no provider.
 * `security-admin` (安全管理员) is the deployment's key custodian: no API rotates keys (the deployment holds them, README
 * "Separated roles"), so the role is recognised only to be refused everything else. `service-desk` (政务服务窗口) answers a
 * person's or an enterprise's "who read my data" (`subjectAccessLog`) for any key.
 */
export type Role = 'consumer' | 'provider' | 'admin' | 'auditor' | 'security-admin' | 'service-desk';
export const ROLES: readonly Role[] = ['consumer', 'provider', 'admin', 'auditor', 'security-admin', 'service-desk'];

/**
 * Roles that a token carries alone (管理/审计/操作 are different people): whoever audits the platform or
 * keeps its keys does not also read data, decide applications or run the platform with the same token.
 */
export const EXCLUSIVE_ROLES: readonly Role[] = ['auditor', 'security-admin'];

/** Why a set of roles cannot be one token's, or null when it can. */
export function roleConflict(roles: readonly Role[]): string | null {
  const distinct = [...new Set(roles)];
  const exclusive = distinct.find((r) => EXCLUSIVE_ROLES.includes(r));
  if (exclusive && distinct.length > 1) {
    return `the ${exclusive} role is held alone (GB/T 39477 role separation): a token with it carries no other role, not ${distinct.filter((r) => r !== exclusive).join(', ')}`;
  }
  return null;
}

/** The authenticated department a request acts for. */
export interface Caller {
  department: string;
  departmentName: string;
  roles: readonly Role[];
  /** Officer (经办人) on whose behalf the department asks, from `X-Share-Operator`. */
  operator: string | null;
  /** Purpose of use, from `X-Share-Purpose` or `extensions.purpose`. */
  purpose: string | null;
}

export const isAdmin = (caller: Caller) => caller.roles.includes('admin');
