import type { PolicyMode } from '../../schema/policy-model.ts';
import type { SubgraphSdl } from '../../schema/policy-types.ts';
import { composeSupergraph, type ComposedSupergraph } from '../composition/compose-supergraph.ts';
import { SubgraphUnreachableError } from '../composition/fetch-sdl.ts';
import { CompositionFailedError, type SupergraphSource } from '../composition/supergraph-source.ts';
import type { SubgraphEndpoint } from '../config.ts';
import type { RegisteredSubgraph, SchemaRegistry } from './schema-registry.ts';

export interface RegistrySyncOptions {
  registry: SchemaRegistry;
  source: SupergraphSource;
  local: readonly SubgraphSdl[];
  /** How CONTRACT §3 is read (`GOVSHARE_CONFORMANCE`); absent, strictly. */
  mode?: PolicyMode;
  fetchSdl: (endpoint: SubgraphEndpoint) => Promise<string>;
  now: () => Date;
  log: (message: string) => void;
}

/**
 * Start-up: the registry's current supergraph plus the configured subgraphs (registered at first start
 * like any provider's; refreshed when their SDL changed). A configured subgraph the registry already
 * knows is not waited for when it is down; a new one is retried with backoff. A rule or composition
 * failure is final.
 */
export async function bootstrapSupergraph(options: RegistrySyncOptions & { endpoints: readonly SubgraphEndpoint[]; signal?: AbortSignal }): Promise<ComposedSupergraph> {
  const { registry, source, local, fetchSdl, endpoints, signal, log } = options;
  for (let attempt = 0; ; attempt++) {
    const current = await registry.current();
    const stored = new Map((current?.subgraphs ?? []).map((s) => [s.name, s]));
    const fetched = await fetchConfigured(endpoints, stored, source, fetchSdl, log, signal);
    const now = options.now().toISOString();
    const subgraphs: RegisteredSubgraph[] = [...stored.values()].filter((s) => !fetched.has(s.name));
    for (const [name, { url, sdl }] of fetched) {
      const previous = stored.get(name);
      subgraphs.push(previous && previous.sdl === sdl && previous.url === url ? previous : { name, url, sdl, publishedBy: 'gateway', publishedAt: now });
    }
    const result = composeSupergraph([...local, ...subgraphs], options.mode);
    if (!result.ok) throw new CompositionFailedError(result.errors);
    if (result.supergraph.version !== current?.id) {
      const committed = await registry.commit(
        { id: result.supergraph.version, status: 'COMPOSED', subgraphs, createdAt: now, createdBy: 'gateway' },
        current?.id ?? null, { action: 'bootstrap', subgraph: null, by: 'gateway' });
      // Another replica committed first: build on what it stored.
      if (!committed && attempt < 3) continue;
    }
    await source.swap(result.supergraph);
    return result.supergraph;
  }
}

async function fetchConfigured(
  endpoints: readonly SubgraphEndpoint[], stored: ReadonlyMap<string, RegisteredSubgraph>, source: SupergraphSource,
  fetchSdl: (endpoint: SubgraphEndpoint) => Promise<string>, log: (message: string) => void, signal?: AbortSignal,
): Promise<Map<string, { url: string; sdl: string }>> {
  for (const e of endpoints) source.status.set(e.name, { name: e.name, url: e.url, state: 'pending', attempts: 0 });
  const fetched = new Map<string, { url: string; sdl: string }>();
  const waitingFor = () => endpoints.filter((e) => !fetched.has(e.name) && !(stored.has(e.name) && source.status.get(e.name)!.attempts > 0));
  let delay = 250;
  const waitingSince = Date.now();
  for (;;) {
    await Promise.all(waitingFor().map(async (endpoint) => {
      const status = source.status.get(endpoint.name)!;
      status.attempts++;
      try {
        fetched.set(endpoint.name, { url: endpoint.url, sdl: await fetchSdl(endpoint) });
        status.state = 'up';
        delete status.error;
      } catch (error) {
        if (!(error instanceof SubgraphUnreachableError)) throw error;
        status.state = 'unreachable';
        status.error = error.message;
      }
    }));
    const missing = waitingFor();
    if (missing.length === 0) return fetched;
    if (signal?.aborted) throw new Error('supergraph load aborted');
    log(`waiting for subgraph(s) ${missing.map((e) => e.name).join(', ')}; retrying in ${delay} ms`);
    await new Promise((resolve) => setTimeout(resolve, delay));
    // At most a second between attempts for the first half minute: `npm start` starts the subgraphs beside
    // the gateway, and a longer back-off was idle time after they came up (up to 4 s measured); then 5 s.
    delay = Math.min(delay * 2, Date.now() - waitingSince < 30_000 ? 1000 : 5000);
  }
}

/**
 * Every replica serves the registry's current version within seconds: at once on the change
 * announcement, and by polling in case an announcement was missed.
 */
export function followRegistry(options: RegistrySyncOptions & { pollMs?: number }): () => void {
  const { registry, source, local, log } = options;
  let running: Promise<void> | null = null;
  const check = () => {
    running ??= (async () => {
      try {
        const version = await registry.currentVersion();
        if (!version || version === source.supergraph?.version) return;
        const record = await registry.version(version);
        if (!record) return;
        const result = composeSupergraph([...local, ...record.subgraphs], options.mode);
        if (!result.ok) { log(`registry version ${version} does not compose here: ${result.errors[0]?.message}`); return; }
        await source.swap(result.supergraph);
        log(`now serving supergraph ${result.supergraph.version} from the registry`);
      } catch (error) {
        log(`registry not readable: ${(error as Error).message}`);
      } finally {
        running = null;
      }
    })();
  };
  const unsubscribe = registry.onChange(check);
  const timer = setInterval(check, options.pollMs ?? 2000);
  timer.unref();
  return () => { unsubscribe(); clearInterval(timer); };
}
