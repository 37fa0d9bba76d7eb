import type { CompositionIssue } from '../../schema/policy-types.ts';
import type { ComposedSupergraph } from './compose-supergraph.ts';

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
/** Told of every supergraph swapped in; a promise it returns is what `swap` waits for (it must not reject). */
type SwapListener = (supergraph: ComposedSupergraph) => void | Promise<void>;

/**
 * Owns the supergraph this gateway serves and swaps a new one in without a restart. Apollo's gateway
 * reads it through `manager`; requests in flight finish on the supergraph they started with.
 */
export class SupergraphSource {
  private current: ComposedSupergraph | null = null;
  private update: Update | null = null;
  private readonly listeners = new Set<SwapListener>();
  /** Start-up reachability of each configured subgraph, for /readyz. */
  readonly status = new Map<string, SubgraphStatus>();

  get supergraph(): ComposedSupergraph | null {
    return this.current;
  }

  /**
   * Serves `supergraph` from now on; resolves once the listeners' work is done (the catalog's history),
   * so that a publish answers only when the catalog shows what it published.
   */
  async swap(supergraph: ComposedSupergraph): Promise<void> {
    if (this.current?.version === supergraph.version) return;
    this.current = supergraph;
    this.update?.(supergraph.supergraphSdl);
    await Promise.all([...this.listeners].map((listener) => listener(supergraph)));
  }

  onSwap(listener: SwapListener): () => void {
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
