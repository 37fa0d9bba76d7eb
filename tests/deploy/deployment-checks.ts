/**
 * What tests/deploy/manifests.test.ts asserts about docker/: each check returns the problems it finds
 * (none for the files as committed), so the test can also run it on a broken copy and see it fail.
 * The expectations come from the code — the config schemas, the default ports, the health paths, the
 * sample subgraphs — never from a list written here.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, posix, relative } from 'node:path';
import { ConfigError, GATEWAY_VARIABLES, loadConfig, type VariableSpec } from '../../gateway/config.ts';
import { LIVENESS_PATH, READINESS_PATH } from '../../gateway/http/health-routes.ts';
import { loadDepartments } from '../../gateway/identity/departments.ts';
import { JWKS_PATH, readPublishedKeysFile, signingKeyFromPem } from '../../gateway/keys/index.ts';
import { readOverrideFile } from '../../gateway/workdays/override-file.ts';
import { checkIntervalMs, directives, healthCheckPath, localHaproxyConfig, parseHaproxyConfig, section, servers, type HaproxySection } from '../../scripts/scale-test/haproxy-config.ts';
import { loadSubgraphConfig, SUBGRAPH_VARIABLES } from '../../subgraphs/config.ts';
import { SUBGRAPH_HEALTH_PATH } from '../../subgraphs/kit/server.ts';
import { SAMPLE_SUBGRAPHS } from '../../subgraphs/samples.ts';
import { podContainers, podLabels, podSpec, renderKustomization, REPO_ROOT, repoFileExists, selects, splitImage, type DeploymentFiles, type Manifest } from './deployment-files.ts';

type ProcessKind = 'gateway' | 'subgraphs';

/** The two processes the image runs, each with the variables its config module reads. */
const PROCESSES: Record<ProcessKind, { script: string; variables: readonly VariableSpec[]; load: (env: NodeJS.ProcessEnv) => unknown }> = {
  gateway: { script: 'gateway/main.ts', variables: GATEWAY_VARIABLES, load: loadConfig },
  subgraphs: { script: 'subgraphs/main.ts', variables: SUBGRAPH_VARIABLES, load: loadSubgraphConfig },
};

/** The variables whose value is the path of a file the process reads (mounted from a Secret or ConfigMap). */
const FILE_VARIABLES = ['GOVSHARE_GATEWAY_KEY', 'GOVSHARE_GATEWAY_PUBLISHED_KEYS', 'GOVSHARE_DEPARTMENTS', 'GOVSHARE_HOLIDAYS', 'GOVSHARE_GATEWAY_JWKS'];

/** The kustomizations an operator applies: the trial (base and in-cluster datastores) and the overlay. */
export const KUSTOMIZATIONS = ['k8s', 'k8s/overlays/external-services'] as const;

const CODE_DEFAULTS = loadConfig({});

// ── what the files describe ──────────────────────────────────────────────────────────────────────

export interface Container {
  where: string;
  process: ProcessKind;
  args: string[];
  image: string;
  env: Record<string, string>;
  imageEnv: Record<string, string>;
  spec: any;
  workload: Manifest;
}

/** The script and its arguments of `node --import tsx <script> …`, or a problem. */
function commandOf(command: unknown, where: string, problems: string[]): { process: ProcessKind; args: string[] } | undefined {
  if (!Array.isArray(command)) return undefined;
  const index = command.findIndex((word) => Object.values(PROCESSES).some((p) => p.script === word));
  if (index < 0) return undefined;
  const runner = command.slice(0, index).join(' ');
  if (runner !== 'node --import tsx') problems.push(`${where}: runs ${command[index]} with "${runner}", not "node --import tsx" (the .ts sources need tsx at run time)`);
  const process = (Object.keys(PROCESSES) as ProcessKind[]).find((k) => PROCESSES[k].script === command[index])!;
  if (!repoFileExists(command[index])) problems.push(`${where}: ${command[index]} does not exist`);
  return { process, args: command.slice(index + 1).map(String) };
}

/** The environment a Kubernetes container gets, its Secret and ConfigMap references resolved. */
function kubernetesEnv(manifests: readonly Manifest[], container: any, where: string, problems: string[]): Record<string, string> {
  const object = (kind: string, name: string) => manifests.find((m) => m.doc.kind === kind && m.doc.metadata?.name === name)?.doc;
  const values = (doc: any): Record<string, string> => ({
    ...Object.fromEntries(Object.entries(doc?.data ?? {}).map(([k, v]) => [k, doc.kind === 'Secret' ? Buffer.from(String(v), 'base64').toString('utf8') : String(v)])),
    ...Object.fromEntries(Object.entries(doc?.stringData ?? {}).map(([k, v]) => [k, String(v)])),
  });
  const env: Record<string, string> = {};
  for (const source of container.envFrom ?? []) {
    const [kind, ref] = source.secretRef ? ['Secret', source.secretRef] : ['ConfigMap', source.configMapRef];
    const doc = object(kind, ref?.name);
    if (!doc) { problems.push(`${where}: envFrom names ${kind} ${ref?.name}, which is not in the manifests`); continue; }
    Object.assign(env, values(doc));
  }
  for (const entry of container.env ?? []) {
    if (entry.value !== undefined) { env[entry.name] = String(entry.value); continue; }
    const ref = entry.valueFrom?.secretKeyRef ?? entry.valueFrom?.configMapKeyRef;
    const kind = entry.valueFrom?.secretKeyRef ? 'Secret' : 'ConfigMap';
    const doc = ref ? object(kind, ref.name) : undefined;
    const value = doc ? values(doc)[ref.key] : undefined;
    if (value === undefined) problems.push(`${where}: ${entry.name} comes from ${kind} ${ref?.name} key ${ref?.key}, which the manifests do not have`);
    else env[entry.name] = value;
  }
  return env;
}

export function kubernetesContainers(files: DeploymentFiles, manifests: readonly Manifest[], set: string, problems: string[]): Container[] {
  const imageEnv = dockerEnv(files);
  const containers: Container[] = [];
  for (const workload of manifests) {
    for (const spec of podContainers(workload.doc)) {
      const where = `${set}: ${workload.doc.kind} ${workload.doc.metadata?.name}/${spec.name}`;
      const command = commandOf(spec.command, where, problems);
      if (!command) continue;
      containers.push({ where, ...command, image: spec.image, env: kubernetesEnv(manifests, spec, where, problems), imageEnv, spec, workload });
    }
  }
  return containers;
}

/** `${VAR:?message}`, `${VAR:-default}` and `${VAR}` as compose would see them with every required variable set. */
function interpolate(value: string): string {
  return value.replace(/\$\{([A-Z0-9_]+)(?::?([?-])([^}]*))?\}/g, (_all, name: string, kind?: string, rest?: string) => (kind === '-' ? rest ?? '' : `set-${name.toLowerCase()}`));
}

export interface ComposeService { name: string; process: ProcessKind; args: string[]; env: Record<string, string>; imageEnv: Record<string, string>; service: any }

export function composeServices(files: DeploymentFiles, problems: string[]): ComposeService[] {
  const compose = files.yaml['compose.yml']?.[0];
  const imageCmd = dockerfileCmd(files.dockerfile);
  const found: ComposeService[] = [];
  for (const [name, service] of Object.entries<any>(compose?.services ?? {})) {
    if (splitImage(service.image ?? '').repository !== 'govshare') continue;
    const where = `compose.yml: ${name}`;
    const command = commandOf(service.command ?? imageCmd, where, problems);
    if (!command) { problems.push(`${where}: runs the govshare image without a govshare process`); continue; }
    const raw = Array.isArray(service.environment)
      ? Object.fromEntries(service.environment.map((e: string) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]))
      : service.environment ?? {};
    const env = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, interpolate(String(v ?? ''))]));
    found.push({ name, ...command, env, imageEnv: dockerEnv(files), service });
  }
  return found;
}

function dockerfileCmd(dockerfile: string): string[] | undefined {
  const line = dockerfile.split('\n').filter((l) => /^CMD\s/.test(l)).at(-1);
  try { return line ? JSON.parse(line.replace(/^CMD\s+/, '')) : undefined; } catch { return undefined; }
}

interface DockerStage { from: string; name?: string; lines: string[] }

/** The Dockerfile's stages, each with its instructions (continuation lines joined, comments dropped). */
export function dockerStages(dockerfile: string): DockerStage[] {
  const instructions = dockerfile.replace(/\\\n/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const stages: DockerStage[] = [];
  for (const line of instructions) {
    const from = /^FROM\s+(\S+)(?:\s+AS\s+(\S+))?/i.exec(line);
    if (from) stages.push({ from: from[1]!, ...(from[2] ? { name: from[2] } : {}), lines: [] });
    else stages.at(-1)?.lines.push(line);
  }
  return stages;
}

/** The final stage's ENV: what every container starts with before a manifest adds its own. */
export function dockerEnv(files: DeploymentFiles): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of dockerStages(files.dockerfile).at(-1)?.lines.filter((l) => /^ENV\s/.test(l)) ?? []) {
    for (const [, name, value] of line.slice(4).matchAll(/([A-Z0-9_]+)=("[^"]*"|\S+)/g)) env[name!] = value!.replace(/^"|"$/g, '');
  }
  return env;
}

function dockerUser(files: DeploymentFiles): { uid: number; gid?: number } | undefined {
  const user = dockerStages(files.dockerfile).at(-1)?.lines.filter((l) => /^USER\s/i.test(l)).at(-1)?.split(/\s+/)[1];
  const match = /^(\d+)(?::(\d+))?$/.exec(user ?? '');
  return match ? { uid: Number(match[1]), ...(match[2] ? { gid: Number(match[2]) } : {}) } : undefined;
}

/** The process's config as it starts in the container: the image's ENV, then what the manifest sets. */
function loadEnv(container: { process: ProcessKind; env: Record<string, string>; imageEnv?: Record<string, string> }, where: string, problems: string[]): any {
  try {
    return PROCESSES[container.process].load({ ...container.imageEnv, ...container.env });
  } catch (error) {
    const messages = error instanceof ConfigError ? error.problems : [(error as Error).message];
    for (const message of messages) problems.push(`${where}: ${message}`);
    return undefined;
  }
}

function rendered(files: DeploymentFiles): Array<{ set: string; manifests: Manifest[] }> {
  return KUSTOMIZATIONS.map((dir) => ({ set: dir, manifests: renderKustomization(files, dir) }));
}

const named = (manifests: readonly Manifest[], kind: string) => manifests.filter((m) => m.doc.kind === kind);

/** A probe's or Service's port (a number or a container port's name) → the container port number. */
function resolvePort(spec: any, port: unknown): number | undefined {
  if (typeof port === 'number') return (spec.ports ?? []).some((p: any) => p.containerPort === port) ? port : undefined;
  return (spec.ports ?? []).find((p: any) => p.name === port)?.containerPort;
}

// ── the checks ───────────────────────────────────────────────────────────────────────────────────

/** Every variable a manifest or compose sets is one the process's config module reads, and the whole environment loads. */
export function checkEnvironment(files: DeploymentFiles): string[] {
  const problems: string[] = [];
  const check = (where: string, container: { process: ProcessKind; env: Record<string, string> }) => {
    const known = new Set(PROCESSES[container.process].variables.map((v) => v.name));
    for (const name of Object.keys(container.env)) {
      if (!known.has(name)) problems.push(`${where}: sets ${name}, which ${container.process === 'gateway' ? 'gateway/config.ts' : 'subgraphs/config.ts'} does not read`);
    }
    loadEnv(container, where, problems);
  };
  for (const { set, manifests } of rendered(files)) {
    for (const container of kubernetesContainers(files, manifests, set, problems)) check(container.where, container);
  }
  for (const service of composeServices(files, problems)) check(`compose.yml: ${service.name}`, service);
  return problems;
}

/** One image, built by docker/Dockerfile as the package's version, is what every govshare container runs. */
export function checkImages(files: DeploymentFiles): string[] {
  const problems: string[] = [];
  const version = files.packageJson.version as string;
  const expected = `govshare:${version}`;
  const stages = dockerStages(files.dockerfile);
  const last = stages.at(-1);
  const before = stages.slice(0, -1).flatMap((s) => s.lines);
  if (stages.length < 2) problems.push('Dockerfile: not multi-stage (one FROM)');
  // The image's Node is one of the majors package.json supports (engines: `^22.12.0 || ^24.0.0`).
  const majors = [...String(files.packageJson.engines?.node ?? '').matchAll(/(?:\^|>=|~)?(\d+)\./g)].map((m) => Number(m[1]));
  for (const stage of stages) {
    const major = /^node:(\d+)/.exec(stage.from)?.[1];
    if (!major || !majors.includes(Number(major))) problems.push(`Dockerfile: FROM ${stage.from} is not a Node major package.json's engines support (${files.packageJson.engines?.node})`);
  }
  if (!before.some((l) => /^RUN\s.*npm run build:web/.test(l))) problems.push('Dockerfile: no build stage runs `npm run build:web`');
  if (!before.some((l) => /^RUN\s.*npm prune --omit=dev/.test(l))) problems.push('Dockerfile: no build stage prunes the dev dependencies (`npm prune --omit=dev`)');
  const buildNames = stages.slice(0, -1).map((s) => s.name).filter(Boolean);
  if (!last?.lines.some((l) => buildNames.some((n) => l.startsWith(`COPY --from=${n} `)))) problems.push('Dockerfile: the final stage copies nothing from the build stage');
  if (!last?.lines.some((l) => /^ENV\s.*\bNODE_ENV=production\b/.test(l))) problems.push('Dockerfile: the final stage does not set NODE_ENV=production');
  const user = dockerUser(files);
  if (!user || user.uid === 0) problems.push('Dockerfile: the final stage\'s USER is not a numeric non-root uid (Kubernetes\' runAsNonRoot cannot verify a name)');
  const healthcheck = last?.lines.find((l) => /^HEALTHCHECK\s/.test(l));
  if (!healthcheck?.includes(LIVENESS_PATH)) problems.push(`Dockerfile: no HEALTHCHECK asking ${LIVENESS_PATH}`);
  if (!last?.lines.some((l) => /^LABEL\s/.test(l) && l.includes(`org.opencontainers.image.version="${version}"`))) problems.push(`Dockerfile: no LABEL org.opencontainers.image.version="${version}" (package.json's version)`);
  const exposed = new Set(last?.lines.filter((l) => /^EXPOSE\s/.test(l)).flatMap((l) => l.split(/\s+/).slice(1).map(Number)));
  for (const port of [CODE_DEFAULTS.port, ...SAMPLE_SUBGRAPHS.map((d) => d.port)]) if (!exposed.has(port)) problems.push(`Dockerfile: does not EXPOSE ${port}`);
  const cmd = dockerfileCmd(files.dockerfile);
  if (!commandOf(cmd, 'Dockerfile CMD', problems)) problems.push('Dockerfile: CMD runs no govshare process');
  // The containers run what the npm scripts run (`npm run start:gateway`, `start:subgraph`).
  for (const { script } of Object.values(PROCESSES)) {
    if (!Object.values<string>(files.packageJson.scripts ?? {}).some((command) => command === `tsx ${script}`)) problems.push(`package.json: no npm script runs \`tsx ${script}\` as the containers do`);
  }
  if (!files.packageJson.dependencies?.tsx) problems.push('package.json: tsx is not a production dependency, but the image runs `node --import tsx` after pruning the dev dependencies');
  for (const pattern of ['node_modules', '.data', '**/*.pem']) {
    if (!files.dockerignore.split('\n').map((l) => l.trim()).includes(pattern)) problems.push(`Dockerfile.dockerignore: does not leave out ${pattern}`);
  }
  for (const { set, manifests } of rendered(files)) {
    for (const container of kubernetesContainers(files, manifests, set, problems)) {
      if (container.image !== expected) problems.push(`${container.where}: image ${container.image}, not ${expected} (docker/Dockerfile, package.json's version)`);
    }
  }
  // The files read right without kustomize too: the tag written is the one the kustomization sets.
  for (const [file, list] of Object.entries(files.yaml).filter(([f]) => f.startsWith('k8s/'))) {
    for (const spec of list.flatMap((doc) => podContainers(doc))) {
      if (splitImage(spec.image ?? '').repository === 'govshare' && spec.image !== expected) problems.push(`${file}: ${spec.name}: image ${spec.image}, not ${expected} (docker/Dockerfile, package.json's version)`);
    }
  }
  for (const name of Object.keys(dockerEnv(files))) {
    if (name !== 'NODE_ENV' && !Object.values(PROCESSES).some((p) => p.variables.some((v) => v.name === name))) problems.push(`Dockerfile: ENV ${name} is no variable of either process`);
  }
  const base = files.yaml['k8s/base/kustomization.yaml']?.[0];
  const entry = (base?.images ?? []).find((i: any) => i.name === 'govshare');
  if (String(entry?.newTag) !== version) problems.push(`k8s/base/kustomization.yaml: images govshare newTag is ${entry?.newTag}, not ${version}`);
  const compose = files.yaml['compose.yml']?.[0] ?? {};
  for (const service of composeServices(files, problems)) {
    if (service.service.image !== expected) problems.push(`compose.yml: ${service.name}: image ${service.service.image}, not ${expected}`);
    const build = service.service.build ?? {};
    if (posix.join('.', build.context ?? '.', build.dockerfile ?? 'Dockerfile') !== posix.join('..', 'docker/Dockerfile')) {
      problems.push(`compose.yml: ${service.name}: builds ${build.context}/${build.dockerfile}, not docker/Dockerfile from the repository root`);
    }
  }
  // The datastores of the trial are the compose file's.
  const composeImage = (name: string) => compose.services?.[name]?.image;
  for (const { set, manifests } of rendered(files)) {
    for (const m of manifests) {
      for (const spec of podContainers(m.doc)) {
        const repository = splitImage(spec.image ?? '').repository;
        const peer = repository === 'postgres' ? composeImage('postgres') : repository === 'redis' ? composeImage('redis') : undefined;
        if (peer && peer !== spec.image) problems.push(`${set}: ${m.doc.metadata?.name} runs ${spec.image}, compose.yml ${peer}`);
      }
    }
  }
  return problems;
}

/** Container ports, probes and Services agree with the ports and paths in the code. */
export function checkPortsAndProbes(files: DeploymentFiles): string[] {
  const problems: string[] = [];
  const probe = (where: string, spec: any, name: string, path: string, port: number) => {
    const p = spec[name];
    if (!p) { problems.push(`${where}: no ${name}`); return; }
    if (p.httpGet?.path !== path) problems.push(`${where}: ${name} asks ${p.httpGet?.path}, not ${path}`);
    if (resolvePort(spec, p.httpGet?.port) !== port) problems.push(`${where}: ${name} asks port ${p.httpGet?.port}, not the process's ${port}`);
  };
  for (const { set, manifests } of rendered(files)) {
    const containers = kubernetesContainers(files, manifests, set, problems);
    const services = named(manifests, 'Service');
    const selecting = (service: any) => containers.filter((c) => selects(service.doc.spec?.selector, podLabels(c.workload.doc)));
    for (const c of containers) {
      const config = loadEnv(c, c.where, []);
      if (!config) continue;
      if (c.process === 'gateway') {
        if (config.port !== CODE_DEFAULTS.port) problems.push(`${c.where}: listens on ${config.port}, not the code's default ${CODE_DEFAULTS.port}`);
        if (!(c.spec.ports ?? []).some((p: any) => p.containerPort === config.port)) problems.push(`${c.where}: no containerPort ${config.port} (GATEWAY_PORT)`);
        probe(c.where, c.spec, 'readinessProbe', READINESS_PATH, config.port);
        probe(c.where, c.spec, 'livenessProbe', LIVENESS_PATH, config.port);
        if (c.spec.startupProbe) probe(c.where, c.spec, 'startupProbe', LIVENESS_PATH, config.port);
        for (const endpoint of config.subgraphs as Array<{ name: string; url: string }>) {
          const url = new URL(endpoint.url);
          const service = services.find((s) => s.doc.metadata?.name === url.hostname);
          const port = service?.doc.spec?.ports?.find((p: any) => p.port === Number(url.port || 80));
          const target = service ? selecting(service).find((t) => t.process === 'subgraphs' && t.args[0] === endpoint.name) : undefined;
          if (!service || !port || !target) problems.push(`${c.where}: GOVSHARE_SUBGRAPHS ${endpoint.name}=${endpoint.url} is not a Service port of that subgraph's pods`);
          else if (resolvePort(target.spec, port.targetPort ?? port.port) !== SAMPLE_SUBGRAPHS.find((d) => d.name === endpoint.name)?.port) problems.push(`${c.where}: ${endpoint.url} reaches another port than ${endpoint.name}'s`);
        }
      } else {
        const definition = SAMPLE_SUBGRAPHS.find((d) => d.name === c.args[0]);
        if (!definition) { problems.push(`${c.where}: serves ${c.args[0]}, which is not a sample subgraph`); continue; }
        const port = config.port ?? definition.port;
        if (port !== definition.port) problems.push(`${c.where}: listens on ${port}, not ${definition.name}'s port ${definition.port}`);
        if (!(c.spec.ports ?? []).some((p: any) => p.containerPort === definition.port)) problems.push(`${c.where}: no containerPort ${definition.port}`);
        for (const name of ['readinessProbe', 'livenessProbe']) probe(c.where, c.spec, name, SUBGRAPH_HEALTH_PATH, definition.port);
        if (c.spec.startupProbe) probe(c.where, c.spec, 'startupProbe', SUBGRAPH_HEALTH_PATH, definition.port);
        const jwks = config.gatewayJwksUrl ? new URL(config.gatewayJwksUrl) : undefined;
        const keys = jwks && services.find((s) => s.doc.metadata?.name === jwks.hostname);
        const keysPort = keys?.doc.spec?.ports?.find((p: any) => p.port === Number(jwks!.port || 80));
        const gateways = keys ? selecting(keys).filter((t) => t.process === 'gateway') : [];
        if (!jwks || jwks.pathname !== JWKS_PATH || !keysPort || gateways.length === 0) {
          problems.push(`${c.where}: GOVSHARE_GATEWAY_JWKS_URL ${config.gatewayJwksUrl} is not ${JWKS_PATH} on a Service of the gateway's pods`);
        } else {
          if (keys!.doc.spec.publishNotReadyAddresses !== true) problems.push(`${c.where}: the key Service ${jwks.hostname} routes to ready gateways only; a gateway is ready only after the subgraphs verified its calls with these keys`);
          if (resolvePort(gateways[0]!.spec, keysPort.targetPort ?? keysPort.port) !== CODE_DEFAULTS.port) problems.push(`${c.where}: ${config.gatewayJwksUrl} reaches another port than the gateway's`);
        }
      }
    }
    for (const service of services) {
      const targets = selecting(service);
      const workloads = manifests.filter((m) => podSpec(m.doc) && selects(service.doc.spec?.selector, podLabels(m.doc)));
      if (workloads.length === 0) problems.push(`${set}: Service ${service.doc.metadata?.name} selects no pods`);
      for (const port of service.doc.spec?.ports ?? []) {
        for (const t of targets) {
          if (resolvePort(t.spec, port.targetPort ?? port.port) === undefined) problems.push(`${set}: Service ${service.doc.metadata?.name} port ${port.port} → ${port.targetPort}: not a port of ${t.where}`);
        }
      }
    }
  }
  // compose: the gateways on the code's port, the subgraphs on theirs, their URLs consistent.
  const services = composeServices(files, problems);
  const subgraphHosts = services.filter((s) => s.process === 'subgraphs');
  for (const s of services) {
    const config = loadEnv(s, `compose.yml: ${s.name}`, []);
    if (!config) continue;
    if (s.process === 'gateway') {
      if (config.port !== CODE_DEFAULTS.port) problems.push(`compose.yml: ${s.name}: listens on ${config.port}, not ${CODE_DEFAULTS.port}`);
      for (const endpoint of config.subgraphs as Array<{ name: string; url: string }>) {
        const url = new URL(endpoint.url);
        const host = subgraphHosts.find((h) => h.name === url.hostname);
        const serves = host && (host.args[0] === '--all' || host.args[0] === endpoint.name);
        if (!serves || Number(url.port) !== SAMPLE_SUBGRAPHS.find((d) => d.name === endpoint.name)?.port) {
          problems.push(`compose.yml: ${s.name}: GOVSHARE_SUBGRAPHS ${endpoint.name}=${endpoint.url} is not where a subgraphs service serves it`);
        }
      }
    } else {
      if (config.subgraphUrls.length) problems.push(`compose.yml: ${s.name}: GOVSHARE_SUBGRAPHS moves the subgraphs off their ports`);
      const test = JSON.stringify(s.service.healthcheck?.test ?? []);
      const ports = SAMPLE_SUBGRAPHS.filter((d) => s.args[0] === '--all' || d.name === s.args[0]).map((d) => d.port);
      if (!test.includes(SUBGRAPH_HEALTH_PATH) || !ports.some((p) => test.includes(`:${p}/`))) problems.push(`compose.yml: ${s.name}: its healthcheck does not ask ${SUBGRAPH_HEALTH_PATH} on one of its ports (the image's asks the gateway's)`);
    }
  }
  return problems;
}

/** HAProxy balances round robin over compose's gateway services, checking /readyz; the scale test's copy keeps that. */
export function checkHaproxy(files: DeploymentFiles): string[] {
  const problems: string[] = [];
  let sections: HaproxySection[];
  try { sections = parseHaproxyConfig(files.haproxy); } catch (error) { return [(error as Error).message]; }
  const gateways = composeServices(files, problems).filter((s) => s.process === 'gateway');
  const gatewayPort = (name: string) => loadEnv(gateways.find((g) => g.name === name)!, name, [])?.port;
  const frontend = section(sections, 'frontend');
  const bind = directives(frontend, 'bind')[0]?.[0];
  const frontPort = Number(bind?.slice(bind.lastIndexOf(':') + 1));
  const defaultBackend = directives(frontend, 'default_backend')[0]?.[0];
  const routes = directives(frontend, 'use_backend').map(([backend, , , what, path]) => ({ backend, what, path }));
  if (!frontend || !defaultBackend) return [...problems, 'haproxy.cfg: no frontend with a default_backend'];
  for (const name of new Set([defaultBackend, ...routes.map((r) => r.backend!)])) {
    const backend = section(sections, 'backend', name);
    if (!backend) { problems.push(`haproxy.cfg: backend ${name} is used but not defined`); continue; }
    const list = servers(backend);
    const hosts = list.map((s) => s.host).sort();
    if (JSON.stringify(hosts) !== JSON.stringify(gateways.map((g) => g.name).sort())) problems.push(`haproxy.cfg: backend ${name} sends to ${hosts.join(', ')}, compose.yml's gateways are ${gateways.map((g) => g.name).join(', ')}`);
    for (const s of list) {
      if (gateways.some((g) => g.name === s.host) && s.port !== gatewayPort(s.host)) problems.push(`haproxy.cfg: ${name}/${s.name} port ${s.port}, the gateway listens on ${gatewayPort(s.host)}`);
      if (!s.options.includes('check')) problems.push(`haproxy.cfg: ${name}/${s.name} is not health-checked`);
    }
    if (directives(backend, 'balance')[0]?.[0] !== 'roundrobin') problems.push(`haproxy.cfg: backend ${name} does not balance roundrobin`);
    if (!directives(backend, 'http-check expect').some((w) => w.join(' ') === 'status 200')) problems.push(`haproxy.cfg: backend ${name} does not expect status 200 from its check`);
    const onlyKeys = name !== defaultBackend && routes.filter((r) => r.backend === name).every((r) => r.what === 'path' && r.path === JWKS_PATH);
    const path = healthCheckPath(backend);
    // The key set answers before a replica is ready (the subgraphs need it to let it become ready).
    if (path !== READINESS_PATH && !(onlyKeys && path === LIVENESS_PATH)) problems.push(`haproxy.cfg: backend ${name} checks ${path}, not ${READINESS_PATH}`);
    if (checkIntervalMs(backend) > 1000) problems.push(`haproxy.cfg: backend ${name} checks every ${checkIntervalMs(backend)} ms, more than 1 s`);
  }
  const compose = files.yaml['compose.yml']?.[0] ?? {};
  const haproxy = Object.entries<any>(compose.services ?? {}).find(([, s]) => splitImage(s.image ?? '').repository === 'haproxy');
  if (!haproxy) problems.push('compose.yml: no haproxy service');
  else {
    if (!(haproxy[1].volumes ?? []).some((v: string) => v.startsWith('./haproxy.cfg:'))) problems.push('compose.yml: the haproxy service does not mount ./haproxy.cfg');
    if (!(haproxy[1].ports ?? []).some((p: string) => String(p).endsWith(`:${frontPort}`))) problems.push(`compose.yml: the haproxy service does not publish the frontend's port ${frontPort}`);
    for (const s of composeServices(files, []).filter((c) => c.process === 'subgraphs')) {
      const jwks = loadEnv(s, s.name, [])?.gatewayJwksUrl;
      const url = jwks ? new URL(jwks) : undefined;
      const served = url && (url.hostname === haproxy[0] ? Number(url.port) === frontPort && routes.some((r) => r.path === JWKS_PATH) : gateways.some((g) => g.name === url.hostname));
      if (!served || url?.pathname !== JWKS_PATH) problems.push(`compose.yml: ${s.name}: GOVSHARE_GATEWAY_JWKS_URL ${jwks} is not the gateways' ${JWKS_PATH}`);
    }
  }
  // The scale test's copy: the same balancing and checks, at the addresses it is given.
  const local = parseHaproxyConfig(localHaproxyConfig(files.haproxy, {
    frontend: { host: '127.0.0.1', port: 18000 }, stats: { host: '127.0.0.1', port: 18001 },
    gateways: [{ name: 'r1', host: '127.0.0.1', port: 18101 }, { name: 'r2', host: '127.0.0.1', port: 18102 }],
  }));
  const localBackend = section(local, 'backend', defaultBackend);
  if (healthCheckPath(localBackend) !== healthCheckPath(section(sections, 'backend', defaultBackend))
    || checkIntervalMs(localBackend) !== checkIntervalMs(section(sections, 'backend', defaultBackend))
    || servers(localBackend).map((s) => `${s.host}:${s.port}`).join() !== '127.0.0.1:18101,127.0.0.1:18102'
    || section(local, 'resolvers')) problems.push('scripts/scale-test/haproxy-config.ts: the local copy does not keep the checks or does not point at the given replicas');
  return problems;
}

/** Every sample subgraph has a Deployment and a Service; nothing serves a subgraph that is not one. */
export function checkSubgraphCoverage(files: DeploymentFiles): string[] {
  const problems: string[] = [];
  for (const { set, manifests } of rendered(files)) {
    const containers = kubernetesContainers(files, manifests, set, problems).filter((c) => c.process === 'subgraphs');
    for (const definition of SAMPLE_SUBGRAPHS) {
      const serving = containers.filter((c) => c.workload.doc.kind === 'Deployment' && c.args[0] === definition.name);
      if (serving.length !== 1) { problems.push(`${set}: ${serving.length} Deployments serve ${definition.name}, not 1`); continue; }
      const labels = podLabels(serving[0]!.workload.doc);
      if (!named(manifests, 'Service').some((s) => selects(s.doc.spec?.selector, labels))) problems.push(`${set}: no Service selects ${definition.name}'s pods`);
    }
    for (const c of containers) if (c.args[0] === '--all') problems.push(`${c.where}: serves all seven in one pod (one Deployment per subgraph here)`);
  }
  return problems;
}

/** A NetworkPolicy admits to the subgraphs' pods the gateway's pods only. */
export function checkNetworkPolicy(files: DeploymentFiles): string[] {
  const problems: string[] = [];
  for (const { set, manifests } of rendered(files)) {
    const containers = kubernetesContainers(files, manifests, set, problems);
    const pods = manifests.filter((m) => podSpec(m.doc));
    const isGateway = (m: Manifest) => containers.some((c) => c.workload === m && c.process === 'gateway');
    const subgraphPods = containers.filter((c) => c.process === 'subgraphs');
    const policies = named(manifests, 'NetworkPolicy');
    for (const sub of subgraphPods) {
      const labels = podLabels(sub.workload.doc);
      const applying = policies.filter((p) => selects(p.doc.spec?.podSelector, labels) && (p.doc.spec?.policyTypes ?? ['Ingress']).includes('Ingress'));
      if (applying.length === 0) problems.push(`${sub.where}: no NetworkPolicy restricts who reaches it`);
      for (const policy of applying) {
        const where = `${set}: NetworkPolicy ${policy.doc.metadata?.name}`;
        for (const rule of policy.doc.spec?.ingress ?? []) {
          if (!rule.from?.length) { problems.push(`${where}: an ingress rule without "from" admits everyone`); continue; }
          for (const peer of rule.from) {
            if (peer.ipBlock || peer.namespaceSelector || !peer.podSelector) { problems.push(`${where}: admits ${JSON.stringify(peer)}, not only pods of this namespace`); continue; }
            const admitted = pods.filter((m) => selects(peer.podSelector, podLabels(m.doc)));
            if (admitted.length === 0 || admitted.some((m) => !isGateway(m))) problems.push(`${where}: admits ${admitted.map((m) => m.doc.metadata?.name).join(', ') || 'no pods'}, not the gateway's pods only`);
          }
          for (const port of rule.ports ?? []) {
            if (resolvePort(sub.spec, port.port) === undefined) problems.push(`${where}: port ${port.port} is not a port of ${sub.where}`);
          }
        }
      }
    }
    for (const policy of policies) {
      for (const m of pods.filter((p) => isGateway(p) && selects(policy.doc.spec?.podSelector, podLabels(p.doc)))) problems.push(`${set}: NetworkPolicy ${policy.doc.metadata?.name} also selects the gateway's pods (${m.doc.metadata?.name})`);
    }
  }
  return problems;
}

/** The gateway runs as ≥ 2 non-root replicas on a read-only root, writing only to emptyDirs; autoscaled, with a budget. */
export function checkWorkloads(files: DeploymentFiles): string[] {
  const problems: string[] = [];
  const user = dockerUser(files);
  for (const { set, manifests } of rendered(files)) {
    const containers = kubernetesContainers(files, manifests, set, problems);
    const gateways = containers.filter((c) => c.process === 'gateway');
    if (gateways.length !== 1) problems.push(`${set}: ${gateways.length} workloads run the gateway, not 1`);
    for (const c of containers) {
      const pod = podSpec(c.workload.doc);
      const security = { ...pod.securityContext, ...c.spec.securityContext };
      if (security.runAsNonRoot !== true) problems.push(`${c.where}: runAsNonRoot is not true`);
      if (!security.runAsUser || security.runAsUser !== user?.uid) problems.push(`${c.where}: runAsUser ${security.runAsUser}, the image's user is ${user?.uid}`);
      if (c.spec.securityContext?.readOnlyRootFilesystem !== true) problems.push(`${c.where}: the root filesystem is not read-only`);
      if (c.spec.securityContext?.allowPrivilegeEscalation !== false) problems.push(`${c.where}: allowPrivilegeEscalation is not false`);
      for (const kind of ['requests', 'limits']) for (const resource of ['cpu', 'memory']) {
        if (!c.spec.resources?.[kind]?.[resource]) problems.push(`${c.where}: no resources.${kind}.${resource}`);
      }
      // What the process writes: tsx's compile cache under /tmp, and the data dir (gateway).
      const config = loadEnv(c, c.where, []);
      const writable = ['/tmp', ...(c.process === 'gateway' && config ? [config.dataDir] : [])];
      for (const path of writable) {
        const mount = (c.spec.volumeMounts ?? []).find((v: any) => v.mountPath === path);
        const volume = (pod.volumes ?? []).find((v: any) => v.name === mount?.name);
        if (!volume?.emptyDir || mount.readOnly) problems.push(`${c.where}: ${path} is not a writable emptyDir (the root filesystem is read-only)`);
      }
      // The files the process reads are in the Secrets and ConfigMaps mounted where the variables say.
      for (const name of [...FILE_VARIABLES, ...(c.env.GOVSHARE_JWT_PUBLIC_KEY?.startsWith('/') ? ['GOVSHARE_JWT_PUBLIC_KEY'] : [])]) {
        const path = c.env[name];
        if (!path) continue;
        const mount = (c.spec.volumeMounts ?? []).find((v: any) => path.startsWith(`${v.mountPath}/`));
        const volume = (pod.volumes ?? []).find((v: any) => v.name === mount?.name);
        const [kind, ref] = volume?.secret ? ['Secret', volume.secret.secretName] : ['ConfigMap', volume?.configMap?.name];
        const doc = manifests.find((m) => m.doc.kind === kind && m.doc.metadata?.name === ref)?.doc;
        const key = mount ? path.slice(mount.mountPath.length + 1) : '';
        if (!doc || (doc.stringData?.[key] ?? doc.data?.[key]) === undefined) problems.push(`${c.where}: ${name}=${path} is not a file of a mounted Secret or ConfigMap`);
      }
    }
    const gateway = gateways[0]?.workload;
    if (!gateway) continue;
    const where = `${set}: ${gateway.doc.kind} ${gateway.doc.metadata?.name}`;
    if (!(gateway.doc.spec?.replicas >= 2)) problems.push(`${where}: ${gateway.doc.spec?.replicas} replicas, fewer than 2`);
    const hpa = named(manifests, 'HorizontalPodAutoscaler').find((h) => h.doc.spec?.scaleTargetRef?.kind === gateway.doc.kind && h.doc.spec?.scaleTargetRef?.name === gateway.doc.metadata?.name);
    if (!hpa) problems.push(`${where}: no HorizontalPodAutoscaler`);
    else {
      if (!(hpa.doc.spec.minReplicas >= 2)) problems.push(`${where}: the autoscaler goes down to ${hpa.doc.spec.minReplicas} replicas`);
      if (!(hpa.doc.spec.metrics ?? []).some((m: any) => m.resource?.name === 'cpu')) problems.push(`${where}: the autoscaler does not follow CPU`);
    }
    const pdb = named(manifests, 'PodDisruptionBudget').find((p) => selects(p.doc.spec?.selector, podLabels(gateway.doc)));
    if (!pdb || !(pdb.doc.spec?.minAvailable >= 1 || pdb.doc.spec?.maxUnavailable !== undefined)) problems.push(`${where}: no PodDisruptionBudget keeps a replica`);
  }
  // compose runs the image the same way.
  for (const s of composeServices(files, problems)) {
    const config = loadEnv(s, s.name, []);
    const x = s.service;
    if (x.read_only !== true) problems.push(`compose.yml: ${s.name}: the root filesystem is not read-only`);
    if (String(x.user ?? '').split(':')[0] !== String(user?.uid)) problems.push(`compose.yml: ${s.name}: user ${x.user}, the image's is ${user?.uid}`);
    for (const path of ['/tmp', ...(s.process === 'gateway' && config ? [config.dataDir] : [])]) {
      if (!(x.tmpfs ?? []).includes(path)) problems.push(`compose.yml: ${s.name}: ${path} is not a tmpfs (the root filesystem is read-only)`);
    }
    const key = s.env.GOVSHARE_GATEWAY_KEY;
    if (s.process === 'gateway' && !(key?.startsWith('/run/secrets/') && (x.secrets ?? []).includes(key.slice('/run/secrets/'.length)))) problems.push(`compose.yml: ${s.name}: GOVSHARE_GATEWAY_KEY ${key} is not one of its secrets`);
  }
  return problems;
}

/** The Secrets hold placeholders, never a real value; the ConfigMaps' files are what the gateway accepts. */
export async function checkSecretsAndConfigMaps(files: DeploymentFiles): Promise<string[]> {
  const problems: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'govshare-manifests-'));
  const asFile = (name: string, text: string) => { const path = join(dir, name.replace(/[^a-z0-9.-]/gi, '_')); writeFileSync(path, text); return path; };
  try {
    for (const { set, manifests } of rendered(files)) {
      for (const secret of named(manifests, 'Secret')) {
        const where = `${set}: Secret ${secret.doc.metadata?.name}`;
        if (Object.keys(secret.doc.data ?? {}).length) problems.push(`${where}: has base64 data; a committed Secret holds visible placeholders only`);
        for (const [key, raw] of Object.entries(secret.doc.stringData ?? {})) {
          const value = String(raw);
          if (value.includes('REPLACE-ME')) {
            if (/PRIVATE KEY|PUBLIC KEY/.test(value) || key.endsWith('.pem')) {
              // The placeholder must stop the start-up, not pass for a key.
              if (await signingKeyFromPem(value, key).then(() => true, () => false)) problems.push(`${where}: ${key} is accepted as a key`);
            }
            continue;
          }
          if (/-----BEGIN/.test(value)) { problems.push(`${where}: ${key} holds a key, not a placeholder`); continue; }
          let harmless = false;
          try {
            const urls = value.split(',').map((u) => new URL(u.trim()));
            harmless = urls.every((u) => !u.password && !u.username);
          } catch {
            try { harmless = readPublishedKeysFile(asFile(key, value)).length === 0; } catch { harmless = false; }
          }
          if (!harmless) problems.push(`${where}: ${key} holds a value that is not a REPLACE-ME placeholder`);
        }
      }
      for (const map of named(manifests, 'ConfigMap')) {
        for (const [key, value] of Object.entries<string>(map.doc.data ?? {})) {
          const where = `${set}: ConfigMap ${map.doc.metadata?.name} ${key}`;
          try {
            if (key === 'departments.json') loadDepartments(asFile(key, value));
            if (key === 'holidays.json') readOverrideFile(asFile(key, value));
          } catch (error) {
            problems.push(`${where}: ${(error as Error).message}`);
          }
        }
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return problems;
}

/** The trial's connections reach its own Services; the overlay's reach no in-cluster datastore, and Redis is a cluster. */
export function checkConnections(files: DeploymentFiles): string[] {
  const problems: string[] = [];
  for (const { set, manifests } of rendered(files)) {
    const external = set.includes('overlays/external-services');
    const services = named(manifests, 'Service');
    for (const c of kubernetesContainers(files, manifests, set, problems)) {
      const config = loadEnv(c, c.where, []);
      if (!config) continue;
      const urls = c.process === 'gateway'
        ? [config.recordsUrl, ...(config.redisUrl?.split(',') ?? [])]
        : [config.databaseUrl, ...(config.redis?.urls ?? [])];
      for (const text of urls.filter(Boolean) as string[]) {
        const url = new URL(text);
        const service = services.find((s) => s.doc.metadata?.name === url.hostname);
        if (external && (service || !url.hostname.includes('.'))) problems.push(`${c.where}: ${url.protocol}//${url.hostname} is not a server outside the cluster (a fully qualified name), as the overlay names them`);
        if (!external && !service?.doc.spec?.ports?.some((p: any) => p.port === Number(url.port))) problems.push(`${c.where}: ${url.protocol}//${url.host} is not a Service of the trial`);
      }
      const cluster = c.process === 'gateway' ? config.redisUrl?.includes(',') || config.redisCluster === true : config.redis?.cluster === true;
      if (external && !cluster) problems.push(`${c.where}: REDIS_URL is not a Redis Cluster's nodes in the overlay`);
    }
    if (external && manifests.some((m) => m.doc.metadata?.labels?.['app.kubernetes.io/component'] === 'datastore')) problems.push(`${set}: still deploys an in-cluster datastore`);
  }
  return problems;
}

/** Every manifest file under k8s/ is used by a kustomization an operator applies. */
export function checkNoOrphans(files: DeploymentFiles): string[] {
  const used = new Set<string>();
  const visit = (dir: string) => {
    used.add(join(dir, 'kustomization.yaml'));
    const k = files.yaml[join(dir, 'kustomization.yaml')]?.[0] ?? {};
    for (const r of k.resources ?? []) {
      if (files.yaml[join(dir, r, 'kustomization.yaml')]) visit(join(dir, r));
      else used.add(join(dir, r));
    }
    for (const p of k.patches ?? []) used.add(join(dir, p.path));
  };
  for (const dir of KUSTOMIZATIONS) visit(dir);
  return Object.keys(files.yaml).filter((f) => f.startsWith('k8s/') && !used.has(f)).map((f) => `${f}: in no kustomization`);
}

/** The packages a module imports at run time (type-only imports are erased by tsx), and the local modules it loads. */
function importsOf(file: string): { packages: string[]; modules: string[] } {
  const text = readFileSync(file, 'utf8');
  const specifiers: string[] = [];
  const statement = /^\s*(?:import|export)\s+(type\s+)?(?:([^'";]*?)\s+from\s+)?['"]([^'"]+)['"]/gm;
  for (const [, typeOnly, clause, specifier] of text.matchAll(statement)) {
    if (typeOnly) continue;
    // `import { type A, type B } from` is erased too; `import './x.ts'` and `export * from` are not.
    const names = /^\{([^}]*)\}$/.exec(clause?.trim() ?? '')?.[1]?.split(',').map((n) => n.trim()).filter(Boolean);
    if (names?.length && names.every((n) => n.startsWith('type '))) continue;
    specifiers.push(specifier!);
  }
  for (const [, specifier] of text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) specifiers.push(specifier!);
  const packages: string[] = [];
  const modules: string[] = [];
  for (const specifier of specifiers) {
    if (specifier.startsWith('.')) modules.push(join(dirname(file), specifier));
    else if (!specifier.startsWith('node:') && !builtinModules.includes(specifier)) packages.push(specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!);
  }
  return { packages, modules };
}

/** What the image runs loads only packages `npm prune --omit=dev` keeps (package-lock.json's non-dev ones). */
export function checkProductionDependencies(files: DeploymentFiles, lock = JSON.parse(readFileSync(join(REPO_ROOT, 'package-lock.json'), 'utf8'))): string[] {
  const problems: string[] = [];
  const kept = (name: string) => {
    const entry = lock.packages?.[`node_modules/${name}`];
    return entry !== undefined && entry.dev !== true && (files.packageJson.dependencies?.[name] !== undefined || !files.packageJson.devDependencies?.[name]);
  };
  const seen = new Set<string>();
  const queue = Object.values(PROCESSES).map((p) => join(REPO_ROOT, p.script));
  while (queue.length) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    if (!existsSync(file)) { problems.push(`${relative(REPO_ROOT, file)}: imported but missing`); continue; }
    if (!/\.tsx?$/.test(file)) continue;
    const { packages, modules } = importsOf(file);
    queue.push(...modules);
    for (const name of packages) if (!kept(name)) problems.push(`${relative(REPO_ROOT, file)}: imports ${name}, which the image prunes (a dev dependency)`);
  }
  if (seen.size < 50) problems.push(`only ${seen.size} modules reached from the entry points: the import scan is broken`);
  return problems;
}

export const CHECKS = {
  environment: checkEnvironment,
  images: checkImages,
  portsAndProbes: checkPortsAndProbes,
  haproxy: checkHaproxy,
  subgraphCoverage: checkSubgraphCoverage,
  networkPolicy: checkNetworkPolicy,
  workloads: checkWorkloads,
  secretsAndConfigMaps: checkSecretsAndConfigMaps,
  connections: checkConnections,
  noOrphans: checkNoOrphans,
  productionDependencies: checkProductionDependencies,
} satisfies Record<string, (files: DeploymentFiles) => string[] | Promise<string[]>>;

export type CheckName = keyof typeof CHECKS;

