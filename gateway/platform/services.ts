import type { PolicyModel } from '../../schema/policy-model.ts';
import type { DepartmentDirectory } from '../identity/departments.ts';
import type { StateStores } from '../state/types.ts';

/** What the platform's resolvers work with; passed in, never reached for globally. */
export interface PlatformServices {
  state: StateStores;
  departments: DepartmentDirectory;
  model: () => PolicyModel;
  now: () => Date;
}
