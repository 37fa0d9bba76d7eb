import type { PolicyModel } from '../../schema/policy-model.ts';
import type { DepartmentDirectory } from '../identity/departments.ts';
import type { StateStores } from '../state/types.ts';
import type { WorkingDayCalendar } from '../workdays/index.ts';
import type { WorkflowStores } from './records.ts';
import type { RegistryServices } from './registry-resolvers.ts';

/** What the platform's resolvers work with; passed in, never reached for globally. */
export interface PlatformServices {
  state: StateStores;
  workflow: WorkflowStores;
  departments: DepartmentDirectory;
  calendar: WorkingDayCalendar;
  model: () => PolicyModel;
  now: () => Date;
  registry: RegistryServices;
}
