import { analyseSubgraphs, type PolicyMode } from '../../schema/policy-model.ts';
import type { SubgraphSdl } from '../../schema/policy-types.ts';
import { composeSupergraph, type ComposedSupergraph } from '../composition/compose-supergraph.ts';
import { SubgraphUnreachableError } from '../composition/fetch-sdl.ts';
import type { SupergraphSource } from '../composition/supergraph-source.ts';
import type { SubgraphEndpoint } from '../config.ts';
import type { Caller } from '../identity/caller.ts';
import { isAdmin } from '../identity/caller.ts';
import { isGrantActive, type AuditLog, type GrantStore } from '../state/index.ts';
import { badUserInput, ErrorCode, forbidden } from '../../protocol/errors.ts';
import { auditPlatformEvent } from '../platform/platform-audit.ts';
import { holdsProviderRole } from '../platform/roles.ts';
import { breakingChangesForGrants } from './breaking-changes.ts';
import type { RegisteredSubgraph, RegistryAction, SchemaRegistry, SupergraphVersionRecord } from './schema-registry.ts';

export interface PublishIssue { code: string; message: string; coordinate: string | null }
export interface PublishCheck { name: string; ok: boolean; detail: string }
export interface PublishOutcome {
  ok: boolean;
  errors: PublishIssue[];
  warnings: PublishIssue[];
  supergraphVersion: string | null;
  checks: PublishCheck[];
}

export interface PublisherDependencies {
  registry: SchemaRegistry;
  source: SupergraphSource;
  /** Subgraphs the gateway runs itself (the platform API): composed in, never published. */
  local: readonly SubgraphSdl[];
  /** How CONTRACT §3 is read (`GOVSHARE_CONFORMANCE`); absent, strictly. */
  mode?: PolicyMode;
  fetchSdl: (endpoint: SubgraphEndpoint) => Promise<string>;
  grants: GrantStore;
  audit: AuditLog;
  now: () => Date;
  requestId: () => string;
}

const NAME = /^[a-z][a-z0-9-]{0,62}$/;
const RULES_HELD = 'every field classified, comparisons carry flags only, one owner per field, keys and @requires only on UNCONDITIONAL fields';
const ATTEMPTS = 3;

/**
 * Provider self-service: publish, unpublish and roll back subgraphs. Every change is checked against
 * CONTRACT §3 and composition first and committed with a compare-and-set on the registry's current
 * version, so a failure changes nothing and two publishers cannot overwrite each other.
 */
export class Publisher {
  constructor(private readonly deps: PublisherDependencies) {}

  async publish(caller: Caller, name: string, url: string): Promise<PublishOutcome> {
    const checks: PublishCheck[] = [];
    // Everything that can be decided without an outbound call is decided first: the gateway signs its
    // SDL request with the subgraph's name as audience, so it must never sign for a caller that may not
    // publish, nor for a name another department holds (CONTRACT §3, §6 v1.1).
    if (!holdsProviderRole(caller)) throw forbidden('publishing a subgraph needs the provider or admin role');
    if (!NAME.test(name) || this.deps.local.some((l) => l.name === name)) throw badUserInput(`"${name}" is not a valid subgraph name (lower-case letters, digits and dashes)`);
    if (!isHttpUrl(url)) throw badUserInput('the subgraph URL must be an absolute http(s) URL');
    const published = (await this.deps.registry.current())?.subgraphs.find((s) => s.name === name);
    if (published && !isAdmin(caller) && !this.providesAll(caller, published.sdl)) {
      throw forbidden(`subgraph "${name}" is published by another provider`);
    }

    let sdl: string;
    try {
      sdl = await this.deps.fetchSdl({ name, url });
      checks.push({ name: 'fetch SDL', ok: true, detail: `_service { sdl } answered (${sdl.length} characters)` });
    } catch (error) {
      // Only the code and the HTTP status: never the fetched body, an address or a network error text.
      const message = error instanceof SubgraphUnreachableError ? error.publicReason : 'no SDL could be fetched';
      checks.push({ name: 'fetch SDL', ok: false, detail: message });
      return failure(checks, [{ code: ErrorCode.SUBGRAPH_UNREACHABLE, message, coordinate: null }]);
    }

    const providers = [...analyseSubgraphs([{ name, sdl }]).model.resources.values()].map((r) => r.provider);
    if (!isAdmin(caller) && (providers.length === 0 || providers.some((p) => p !== caller.department))) {
      throw forbidden(providers.length === 0
        ? `subgraph "${name}" declares no @resource: only an admin may publish it`
        : `only the provider named by every @resource of "${name}" (${[...new Set(providers)].join(', ')}) or an admin may publish it`);
    }
    checks.push({ name: 'authorise', ok: true, detail: isAdmin(caller) ? 'admin' : `provider ${caller.department}` });

    for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
      const current = await this.deps.registry.current();
      const existing = current?.subgraphs.find((s) => s.name === name);
      if (existing && !isAdmin(caller) && !this.providesAll(caller, existing.sdl)) {
        throw forbidden(`subgraph "${name}" is published by another provider`);
      }
      const entry: RegisteredSubgraph = { name, url, sdl, publishedBy: caller.department, publishedAt: this.deps.now().toISOString() };
      const candidate = [...(current?.subgraphs ?? []).filter((s) => s.name !== name), entry];
      const composed = this.compose(candidate, checks);
      if (!composed.ok) return failure(checks, composed.errors);

      const before = this.deps.source.supergraph?.model;
      const warnings: PublishIssue[] = [];
      if (before) {
        const active = (await this.deps.grants.list()).filter((g) => isGrantActive(g, this.deps.now()));
        const breaking = breakingChangesForGrants(before, composed.supergraph.model, name, active).map((b) => ({
          code: ErrorCode.BREAKING_CHANGE, coordinate: b.coordinate,
          message: `${b.coordinate} ${b.change}, but grant ${b.grantId} of ${b.consumer} covers it`,
        }));
        if (breaking.length > 0 && !isAdmin(caller)) {
          checks.push({ name: 'active grants', ok: false, detail: `${breaking.length} active grant(s) would break` });
          return failure(checks, breaking);
        }
        warnings.push(...breaking);
        checks.push({ name: 'active grants', ok: true, detail: breaking.length ? `${breaking.length} grant(s) affected (admin override)` : 'no active grant affected' });
      }
      const committed = await this.commit(composed.supergraph, candidate, current, caller, 'publish', name, checks);
      if (committed === 'moved') continue;
      return { ok: true, errors: [], warnings, supergraphVersion: composed.supergraph.version, checks };
    }
    return failure(checks, [{ code: ErrorCode.COMPOSITION_ERROR, message: 'the registry kept changing under this publish; try again', coordinate: null }]);
  }

  async unpublish(caller: Caller, name: string): Promise<PublishOutcome> {
    if (!holdsProviderRole(caller)) throw forbidden('unpublishing a subgraph needs the provider or admin role');
    const checks: PublishCheck[] = [];
    for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
      const current = await this.deps.registry.current();
      const existing = current?.subgraphs.find((s) => s.name === name);
      if (!current || !existing) throw badUserInput(`no published subgraph "${name}"`);
      if (!isAdmin(caller) && !this.providesAll(caller, existing.sdl)) {
        throw forbidden(`only the provider of subgraph "${name}" or an admin may unpublish it`);
      }
      const candidate = current.subgraphs.filter((s) => s.name !== name);
      const composed = this.compose(candidate, checks);
      if (!composed.ok) return failure(checks, composed.errors);
      const before = this.deps.source.supergraph?.model;
      const active = (await this.deps.grants.list()).filter((g) => isGrantActive(g, this.deps.now()));
      const affected = before ? breakingChangesForGrants(before, composed.supergraph.model, name, active) : [];
      const committed = await this.commit(composed.supergraph, candidate, current, caller, 'unpublish', name, checks);
      if (committed === 'moved') continue;
      // The fields are gone; the grants must not wake up if a subgraph of that name returns.
      for (const grantId of new Set(affected.map((a) => a.grantId))) {
        await this.deps.grants.revoke(grantId, `subgraph "${name}" unpublished`, this.deps.now());
      }
      const warnings = affected.map((a) => ({ code: ErrorCode.BREAKING_CHANGE, coordinate: a.coordinate, message: `grant ${a.grantId} of ${a.consumer} covered ${a.coordinate}; revoked` }));
      return { ok: true, errors: [], warnings, supergraphVersion: composed.supergraph.version, checks };
    }
    return failure(checks, [{ code: ErrorCode.COMPOSITION_ERROR, message: 'the registry kept changing under this unpublish; try again', coordinate: null }]);
  }

  async rollback(caller: Caller, version: string): Promise<PublishOutcome> {
    if (!isAdmin(caller)) throw forbidden('only an admin may roll the supergraph back');
    const checks: PublishCheck[] = [];
    const target = await this.deps.registry.version(version);
    if (!target) throw badUserInput(`no supergraph version "${version}" in the registry`);
    const current = await this.deps.registry.current();
    const composed = this.compose(target.subgraphs, checks);
    if (!composed.ok) return failure(checks, composed.errors);
    const committed = await this.commit(composed.supergraph, target.subgraphs, current, caller, 'rollback', null, checks);
    if (committed === 'moved') return failure(checks, [{ code: ErrorCode.COMPOSITION_ERROR, message: 'the registry changed during the rollback; try again', coordinate: null }]);
    return { ok: true, errors: [], warnings: [], supergraphVersion: composed.supergraph.version, checks };
  }

  private compose(subgraphs: readonly RegisteredSubgraph[], checks: PublishCheck[]):
    { ok: true; supergraph: ComposedSupergraph } | { ok: false; errors: PublishIssue[] } {
    const result = composeSupergraph([...this.deps.local, ...subgraphs.map(({ name, url, sdl }) => ({ name, url, sdl }))], this.deps.mode);
    if (!result.ok) {
      const ruleErrors = result.errors.filter((e) => e.code !== ErrorCode.COMPOSITION_ERROR);
      checks.push({ name: 'share rules (CONTRACT §3)', ok: ruleErrors.length === 0, detail: ruleErrors.length ? `${ruleErrors.length} violation(s)` : RULES_HELD });
      if (ruleErrors.length === 0) checks.push({ name: 'composition', ok: false, detail: `${result.errors.length} error(s)` });
      return { ok: false, errors: result.errors.map((e) => ({ code: e.code, message: e.message, coordinate: e.coordinate ?? null })) };
    }
    checks.push({ name: 'share rules (CONTRACT §3)', ok: true, detail: RULES_HELD });
    checks.push({ name: 'composition', ok: true, detail: `supergraph ${result.supergraph.version}` });
    return result;
  }

  private async commit(
    supergraph: ComposedSupergraph, subgraphs: RegisteredSubgraph[], current: SupergraphVersionRecord | null,
    caller: Caller, action: RegistryAction, subgraph: string | null, checks: PublishCheck[],
  ): Promise<'done' | 'moved'> {
    const now = this.deps.now();
    const record: SupergraphVersionRecord = { id: supergraph.version, status: 'COMPOSED', subgraphs, createdAt: now.toISOString(), createdBy: caller.department };
    if (!(await this.deps.registry.commit(record, current?.id ?? null, { action, subgraph, by: caller.department }))) return 'moved';
    await this.deps.source.swap(supergraph);
    checks.push({ name: 'serve', ok: true, detail: `supergraph ${supergraph.version} is served; replicas follow within seconds` });
    await auditPlatformEvent(this.deps.audit, { requestId: this.deps.requestId(), caller }, {
      operation: `${action}Subgraph`, now,
      detail: `${action}${subgraph ? ` ${subgraph}` : ''}: supergraph ${current?.id ?? 'none'} → ${supergraph.version}`,
    });
    return 'done';
  }

  private providesAll(caller: Caller, sdl: string): boolean {
    const providers = [...analyseSubgraphs([{ name: 'x', sdl }]).model.resources.values()].map((r) => r.provider);
    return providers.length > 0 && providers.every((p) => p === caller.department);
  }
}

/** Absolute http(s) with a host, and nothing a URL parser would read differently from how it looks. */
function isHttpUrl(url: string): boolean {
  if (!/^https?:\/\/[^\s]+$/i.test(url) || !URL.canParse(url)) return false;
  const parsed = new URL(url);
  return (parsed.protocol === 'http:' || parsed.protocol === 'https:') && parsed.hostname !== '' && parsed.username === '' && parsed.password === '';
}

function failure(checks: PublishCheck[], errors: PublishIssue[]): PublishOutcome {
  return { ok: false, errors, warnings: [], supergraphVersion: null, checks };
}
