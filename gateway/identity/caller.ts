export type Role = 'consumer' | 'provider' | 'admin';
export const ROLES: readonly Role[] = ['consumer', 'provider', 'admin'];

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
