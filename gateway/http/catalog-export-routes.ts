import type { FastifyPluginAsync } from 'fastify';
import type { CatalogResource } from '../platform/catalog.ts';
import { catalogAsCsv, catalogAsDcat } from '../platform/catalog-export.ts';

export interface CatalogExportOptions {
  /** The current catalog; rejects while the supergraph is not loaded. */
  catalog: () => Promise<CatalogResource[]>;
  publicUrl: () => string;
}

/**
 * The catalog is published, not secret (目录是共享的依据): metadata only, no data values, so the
 * exports need no token. Data itself is only ever served through /graphql.
 */
export const catalogExportRoutes: FastifyPluginAsync<CatalogExportOptions> = async (app, { catalog, publicUrl }) => {
  app.get('/catalog/export.jsonld', async (_request, reply) => {
    reply.header('content-type', 'application/ld+json; charset=utf-8');
    return JSON.stringify(catalogAsDcat(await catalog(), publicUrl()), null, 2);
  });
  app.get('/catalog/export.csv', async (_request, reply) => {
    reply.header('content-type', 'text/csv; charset=utf-8');
    reply.header('content-disposition', 'attachment; filename="govshare-catalog.csv"');
    return catalogAsCsv(await catalog());
  });
};
