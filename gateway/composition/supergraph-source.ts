import type { CompositionIssue, SubgraphSdl } from '../../schema/policy-types.ts';
import type { SubgraphEndpoint } from '../config.ts';
import { composeSupergraph, type ComposedSupergraph } from './compose-supergraph.ts';
import { fetchSubgraphSdl, SubgraphUnreachableError, type SubgraphRequestSigner } from './fetch-sdl.ts';

export interface SubgraphStatus {
  name: string;
  url: string;
  state: 'pending' | 'up' | 'unreachable';
  attempts: number;
  error?: string;
}

export class CompositionFailedError extends Error {
  constructor(readonly errors: CompositionIssue[]) {
    super(`composition failed:\n${errors.map((e) => `  [${e.code}]${e.subgraph ? ` subgraph "${e.subgraph}"` : ''}${e.coordinate ? ` at ${e.coordinate}` : ''}: ${e.message}`).join('\n')}`);
  }
}

type Update = (supergraphSdl: string) => void;

/**
 * Owns the supergraph the gateway serves: loads it from the subgraphs (retrying those that are
 * down), and swaps a new one in without a restart. Apollo's gateway reads it through `manager`.
 */
export class SupergraphSource {
  private current: ComposedSupergraph | null = null;
  private update: Update | null = null;
  private readonly listeners = new Set<(supergraph: ComposedSupergraph) => void>();
  readonly status = new Map<string, SubgraphStatus>();

  constructor(
    private readonly sign: SubgraphRequestSigner,
    private readonly log: (message: string) => void = () => {},
  ) {}

  get supergraph(): ComposedSupergraph | null {
    return this.current;
  }

  /**
   * Fetches every subgraph's SDL, retrying unreachable ones with exponential backoff (reported in
   * `status`), then composes. A rule or composition error is final: it throws.
   */
  async load(
    endpoints: readonly SubgraphEndpoint[], signal?: AbortSignal, local: readonly SubgraphSdl[] = [],
  ): Promise<ComposedSupergraph> {
    for (const e of endpoints) this.status.set(e.name, { name: e.name, url: e.url, state: 'pending', attempts: 0 });
    const sdls = new Map<string, string>();
    let delay = 250;
    for (;;) {
      await Promise.all(endpoints.filter((e) => !sdls.has(e.name)).map(async (endpoint) => {
        const status = this.status.get(endpoint.name)!;
        status.attempts++;
        try {
          sdls.set(endpoint.name, await fetchSubgraphSdl(endpoint, this.sign));
          status.state = 'up';
          delete status.error;
        } catch (error) {
          if (!(error instanceof SubgraphUnreachableError)) throw error;
          status.state = 'unreachable';
          status.error = error.message;
        }
      }));
      if (sdls.size === endpoints.length) break;
      if (signal?.aborted) throw new Error('supergraph load aborted');
      const down = endpoints.filter((e) => !sdls.has(e.name)).map((e) => e.name);
      this.log(`waiting for subgraph(s) ${down.join(', ')}; retrying in ${delay} ms`);
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 5000);
    }
    const result = composeSupergraph([
      ...local,
      ...endpoints.map((e) => ({ name: e.name, url: e.url, sdl: sdls.get(e.name)! })),
    ]);
    if (!result.ok) throw new CompositionFailedError(result.errors);
    this.swap(result.supergraph);
    return result.supergraph;
  }

  /** Serves a new supergraph; in-flight requests finish on the one they started with. */
  swap(supergraph: ComposedSupergraph): void {
    this.current = supergraph;
    this.update?.(supergraph.supergraphSdl);
    for (const listener of this.listeners) listener(supergraph);
  }

  onSwap(listener: (supergraph: ComposedSupergraph) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** `ApolloGateway`'s `supergraphSdl` option: hands over the current SDL and keeps `update`. */
  readonly manager = async ({ update }: { update: Update }) => {
    if (!this.current) throw new Error('supergraph requested before it was loaded');
    this.update = update;
    return { supergraphSdl: this.current.supergraphSdl, cleanup: async () => { this.update = null; } };
  };
}
