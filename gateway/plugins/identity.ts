import fp from 'fastify-plugin';
import { loadDepartments, type DepartmentDirectory } from '../identity/departments.ts';
import { createAuthenticator } from '../pipeline/authenticate.ts';
import type { ResolvedOptions } from './options.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** The departments the platform knows (GOVSHARE_DEPARTMENTS or the demo set). */
    departments: DepartmentDirectory;
    /** Who is calling: the bearer token, the purpose and operator headers (CONTRACT §2). */
    authenticate: ReturnType<typeof createAuthenticator>;
  }
}

export const identityPlugin = fp<ResolvedOptions>(async (app, { config, options }) => {
  const departments = options.departments ?? loadDepartments(config.departmentsFile);
  app.decorate('departments', departments);
  app.decorate('authenticate', createAuthenticator(app.keys.tokens, departments));
}, { name: 'govshare-identity', dependencies: ['govshare-keys'] });
