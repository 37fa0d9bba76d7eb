import { randomUUID } from 'node:crypto';
import type { RecordStore, StateStores } from '../state/index.ts';

/** A provider's subgraph as published: where it runs, the SDL that was checked, who published it. */
export interface RegisteredSubgraph {
  name: string;
  url: string;
  sdl: string;
  publishedBy: string;
  publishedAt: string;
}

export type RegistryAction = 'bootstrap' | 'publish' | 'unpublish' | 'rollback';

/** One composed supergraph, identified by the hash of its SDL, with the subgraphs it was composed from. */
export interface SupergraphVersionRecord {
  id: string;
  status: 'COMPOSED';
  subgraphs: RegisteredSubgraph[];
  createdAt: string;
  createdBy: string;
}

/** The version every replica serves; `status` holds it, so moving it is a compare-and-set. */
interface CurrentPointer { id: 'current'; status: string }

export interface RegistryEvent {
  id: string;
  status: 'EVENT';
  at: string;
  action: RegistryAction;
  version: string;
  previousVersion: string | null;
  subgraph: string | null;
  by: string;
}

export const REGISTRY_TOPIC = 'registry:changed';

/**
 * The schema registry in the platform's records (PostgreSQL, schema `govshare`): every published subgraph
 * and every composed supergraph version, and which one is current. Replicas hear of a change through the
 * state's events and also poll (registry-sync.ts).
 */
export class SchemaRegistry {
  private readonly versions: RecordStore<SupergraphVersionRecord>;
  private readonly pointer: RecordStore<CurrentPointer>;
  private readonly events: RecordStore<RegistryEvent>;

  constructor(private readonly state: StateStores) {
    this.versions = state.records<SupergraphVersionRecord>('registry-versions', () => ({}), (v) => Date.parse(v.createdAt));
    this.pointer = state.records<CurrentPointer>('registry-current', () => ({}), () => 0);
    this.events = state.records<RegistryEvent>('registry-events', () => ({}), (e) => Date.parse(e.at));
  }

  async currentVersion(): Promise<string | null> {
    return (await this.pointer.get('current'))?.status ?? null;
  }

  async current(): Promise<SupergraphVersionRecord | null> {
    const id = await this.currentVersion();
    return id ? this.versions.get(id) : null;
  }

  version(id: string): Promise<SupergraphVersionRecord | null> {
    return this.versions.get(id);
  }

  history(): Promise<RegistryEvent[]> {
    return this.events.list();
  }

  /**
   * Makes `next` current if the current version is still `expected` (null: none yet). False when another
   * publish moved it first: the caller re-checks against the new current version.
   */
  async commit(next: SupergraphVersionRecord, expected: string | null, event: { action: RegistryAction; subgraph: string | null; by: string }): Promise<boolean> {
    // The version, the pointer and the history entry are one transaction: no current version without its event.
    const moved = await this.state.transaction(async (tx) => {
      const pointer = tx.records(this.pointer);
      await tx.records(this.versions).createIfAbsent(next);
      const won = expected === null
        ? await pointer.createIfAbsent({ id: 'current', status: next.id })
        : await pointer.replaceIf(expected, { id: 'current', status: next.id });
      if (!won) return false;
      await tx.records(this.events).createIfAbsent({
        id: randomUUID(), status: 'EVENT', at: next.createdAt, action: event.action, version: next.id,
        previousVersion: expected, subgraph: event.subgraph, by: event.by,
      });
      return true;
    });
    if (!moved) return false;
    await this.state.events.publish(REGISTRY_TOPIC, next.id).catch(() => { /* replicas also poll */ });
    return true;
  }

  onChange(listener: (version: string) => void): () => void {
    return this.state.events.subscribe(REGISTRY_TOPIC, listener);
  }
}
