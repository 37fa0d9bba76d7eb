import DataLoader from 'dataloader';
import type { Grant, GrantStore } from './types.ts';

/** The grants cannot be read: CONDITIONAL data must be refused (CONTRACT §8 POLICY_UNAVAILABLE). */
export class PolicyUnavailableError extends Error {
  override name = 'PolicyUnavailableError';
}

interface Entry { grants: Grant[]; loadedAt: number }

/**
 * Each consumer's grants as the gateway checks them on every request. Freshness is what the contract
 * needs: a revoked or expired grant stops working on every replica within a second. An entry is used only
 * while younger than maxAgeMs and not invalidated by a change notification; stale entries are never a
 * fallback when the store is down, and nothing is cached while notifications cannot be trusted.
 * Returned grants are frozen: they are shared between requests.
 */
export class GrantCache {
  private readonly entries = new Map<string, Entry>();
  /** Bumped by every invalidation, so a load that raced with a change does not cache what it read before it. */
  private readonly invalidations = new Map<string, number>();
  private generation = 0;
  private readonly maxAgeMs: number;
  private readonly now: () => number;
  private readonly loader: DataLoader<string, Grant[]>;
  private readonly unsubscribe: () => void;

  constructor(private readonly store: GrantStore, options: { maxAgeMs?: number; now?: () => number } = {}) {
    this.maxAgeMs = options.maxAgeMs ?? 1000;
    this.now = options.now ?? Date.now;
    // The loader only batches; caching is the freshness rule above, which DataLoader's cache cannot express.
    this.loader = new DataLoader(async (consumers) => {
      const grants = await store.forConsumers(consumers);
      return consumers.map((consumer) => freeze(grants.get(consumer) ?? []));
    }, { cache: false });
    this.unsubscribe = store.onChange((consumer) => this.invalidate(consumer));
  }

  async grantsOf(consumer: string): Promise<Grant[]> {
    const live = this.store.notificationsLive();
    if (!live) {
      // Changes may be going unheard: nothing cached can be trusted, now or after notifications return.
      this.entries.clear();
      this.generation += 1;
    } else {
      const entry = this.entries.get(consumer);
      if (entry && this.now() - entry.loadedAt < this.maxAgeMs) return entry.grants;
    }
    const startedAt = this.now();
    const seen = this.invalidationsOf(consumer);
    let grants: Grant[];
    try {
      grants = await this.loader.load(consumer);
    } catch (error) {
      this.entries.delete(consumer);
      throw new PolicyUnavailableError(`grants of ${consumer} cannot be read: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    if (live && this.store.notificationsLive() && this.invalidationsOf(consumer) === seen) {
      // Aged from when the read started: anything changed after that is covered by a notification.
      this.entries.set(consumer, { grants, loadedAt: startedAt });
    }
    return grants;
  }

  close(): void {
    this.unsubscribe();
    this.entries.clear();
  }

  private invalidate(consumer: string): void {
    this.entries.delete(consumer);
    this.invalidations.set(consumer, (this.invalidations.get(consumer) ?? 0) + 1);
  }

  private invalidationsOf(consumer: string): string {
    return `${this.generation}:${this.invalidations.get(consumer) ?? 0}`;
  }
}

function freeze(grants: Grant[]): Grant[] {
  for (const grant of grants) { Object.freeze(grant.fields); Object.freeze(grant); }
  return Object.freeze(grants) as Grant[];
}
