import fp from 'fastify-plugin';
import type { GraphQLSchema } from 'graphql';
import { catalogExportRoutes } from '../http/catalog-export-routes.ts';
import { listCatalog } from '../platform/catalog.ts';
import { createPlatformSubgraph } from '../platform/platform-subgraph.ts';
import { claimKeyDirectory } from '../platform/claim-keys.ts';
import { workflowStores, type WorkflowStores } from '../platform/records.ts';
import { checkWorkflowDepartments, DEFAULT_WORKFLOW } from '../platform/workflow-config.ts';
import { calendarFromSettings } from '../workdays/index.ts';
import { originOf } from '../http/origin.ts';
import { subjectDigester } from '../state/subject-digest.ts';
import type { ResolvedOptions } from './options.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** Applications, data issues, catalog history, lookup misses: the workflow's records. */
    workflow: WorkflowStores;
    /** The platform API's executable schema, run in this process as a subgraph. */
    platformSchema: GraphQLSchema;
  }
}

/** The platform API (catalog, workflow, audit, publishing) and the catalog's public exports. */
export const platformPlugin = fp<ResolvedOptions>(async (app, { config, now, log, options }) => {
  const workflow = workflowStores(app.state);
  const calendar = options.calendar ?? calendarFromSettings(config.calendar, now(), (message) => log(`WARNING: ${message}`));
  // GOVSHARE_WORKFLOW was read with the config; the departments it names exist only now.
  const workflowSettings = checkWorkflowDepartments(config.workflow ?? DEFAULT_WORKFLOW, (code) => Boolean(app.departments.get(code)));
  const platform = createPlatformSubgraph({
    state: app.state, workflow, departments: app.departments, calendar, workflowSettings, model: app.model, now,
    registry: { registry: () => app.registry, publisher: () => app.publisher }, checkpoints: app.checkpointer, chainCheck: app.chainWatch,
    separateRoles: config.separateRoles ?? false, subjectDigest: subjectDigester(app.keys.auditKey),
    claimKeys: claimKeyDirectory({
      model: app.model, now, signer: app.keys.signer, signingKey: () => app.keys.signing,
      subgraphUrl: (name) => app.source.supergraph?.subgraphs.find((s) => s.name === name)?.url,
    }),
  });
  app.decorate('workflow', workflow);
  app.decorate('platformSchema', platform.schema);
  app.register(catalogExportRoutes, {
    catalog: async () => {
      if (!app.source.supergraph) throw Object.assign(new Error('the catalog is not loaded yet'), { statusCode: 503 });
      return listCatalog(app.model(), workflow.resourceHistory);
    },
    publicUrl: () => config.publicUrl ?? originOf(app, config.host),
  });
}, { name: 'govshare-platform', dependencies: ['govshare-keys', 'govshare-records', 'govshare-audit-checkpoints', 'govshare-identity', 'govshare-supergraph', 'govshare-publisher'] });
