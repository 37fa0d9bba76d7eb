import { randomUUID } from 'node:crypto';
import fp from 'fastify-plugin';
import { SIGNATURE_HEADER } from '../../protocol/gateway-signature.ts';
import type { PolicyModel } from '../../schema/policy-model.ts';
import { fetchSubgraphSdl } from '../composition/fetch-sdl.ts';
import { SupergraphSource } from '../composition/supergraph-source.ts';
import type { SubgraphEndpoint } from '../config.ts';
import { SchemaRegistry } from '../registry/schema-registry.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** The supergraph being served, swapped whole on every composition. */
    source: SupergraphSource;
    /** Published subgraphs and supergraph versions, in the records. */
    registry: SchemaRegistry;
    /** The policy model of the supergraph served now; throws before the first one is loaded. */
    model(): PolicyModel;
    /** A subgraph's SDL, fetched with the gateway's own signature (no caller). */
    fetchSdl(endpoint: SubgraphEndpoint): Promise<string>;
  }
}

/** The supergraph's source and registry; loading them is the graphql plugin's start (it has all it needs). */
export const supergraphPlugin = fp(async (app) => {
  const source = new SupergraphSource();
  source.onSwap(() => app.metrics.supergraphSwaps.inc());
  app.decorate('source', source);
  app.decorate('registry', new SchemaRegistry(app.state));
  app.decorate('model', () => {
    const current = source.supergraph;
    if (!current) throw new Error('no supergraph loaded');
    return current.model;
  });
  // The gateway's own calls (SDL for composition and publishing) are signed without a caller.
  app.decorate('fetchSdl', (endpoint: SubgraphEndpoint) => fetchSubgraphSdl(endpoint, async (subgraph, body) => ({
    [SIGNATURE_HEADER]: await app.keys.signer.sign({ aud: subgraph, rid: `gateway-${randomUUID()}` }, body),
  })));
}, { name: 'govshare-supergraph', dependencies: ['govshare-metrics', 'govshare-keys', 'govshare-records'] });
