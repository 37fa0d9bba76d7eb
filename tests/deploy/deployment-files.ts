/**
 * docker/ as the manifest test reads it: every YAML file parsed (all documents), the HAProxy config,
 * the Dockerfile and its ignore file as text, and the kustomizations rendered the way `kubectl apply -k`
 * would for what they use (resources, strategic-merge patches of maps, `images`). The checks
 * (deployment-checks.ts) run on these; the test also runs them on broken copies.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { REPO_ROOT } from '../support/sample.ts';

export { REPO_ROOT };
export const DOCKER_DIR = join(REPO_ROOT, 'docker');

export interface DeploymentFiles {
  /** Every `.yaml`/`.yml` under docker/, by path relative to docker/: its documents. */
  yaml: Record<string, any[]>;
  haproxy: string;
  dockerfile: string;
  dockerignore: string;
  packageJson: any;
}

/** One manifest of a rendered kustomization and the file it came from (relative to docker/). */
export interface Manifest { file: string; doc: any }

export function loadDeploymentFiles(dockerDir = DOCKER_DIR): DeploymentFiles {
  const yaml: Record<string, any[]> = {};
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir).sort()) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.ya?ml$/.test(entry)) yaml[relative(dockerDir, path)] = parseYaml(readFileSync(path, 'utf8'), relative(dockerDir, path));
    }
  };
  walk(dockerDir);
  return {
    yaml,
    haproxy: readFileSync(join(dockerDir, 'haproxy.cfg'), 'utf8'),
    dockerfile: readFileSync(join(dockerDir, 'Dockerfile'), 'utf8'),
    dockerignore: readFileSync(join(dockerDir, 'Dockerfile.dockerignore'), 'utf8'),
    packageJson: JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')),
  };
}

/** All documents of a YAML stream; a syntax error anywhere fails the load. Compose's `<<` merges are resolved. */
export function parseYaml(text: string, name: string): any[] {
  const docs = parseAllDocuments(text, { merge: true });
  const list = Array.isArray(docs) ? docs : [docs];
  for (const doc of list) {
    if (doc.errors.length) throw new Error(`${name}: ${doc.errors.map((e) => e.message).join('; ')}`);
  }
  return list.map((doc) => doc.toJS({ maxAliasCount: -1 })).filter((doc) => doc !== null && doc !== undefined);
}

/**
 * The manifests of the kustomization in `dir` (relative to docker/), from `files` (so a broken copy
 * renders broken). Resources are files or folders with a kustomization of their own; `patches` are
 * strategic-merge patches, applied as map merges (what the overlays use: a null removes a key); a
 * patch with a list, or naming nothing, is an error here rather than a guess.
 */
export function renderKustomization(files: DeploymentFiles, dir: string): Manifest[] {
  const kustomization = files.yaml[join(dir, 'kustomization.yaml')]?.[0];
  if (!kustomization) throw new Error(`${dir}: no kustomization.yaml`);
  const manifests: Manifest[] = [];
  for (const resource of kustomization.resources ?? []) {
    const path = join(dir, resource);
    if (files.yaml[join(path, 'kustomization.yaml')]) manifests.push(...renderKustomization(files, path));
    else if (files.yaml[path]) manifests.push(...files.yaml[path]!.map((doc) => ({ file: path, doc: structuredClone(doc) })));
    else throw new Error(`${dir}/kustomization.yaml: resource ${resource} is neither a YAML file nor a kustomization`);
  }
  for (const patch of kustomization.patches ?? []) {
    const path = join(dir, patch.path ?? '');
    const docs = files.yaml[path];
    if (!patch.path || !docs) throw new Error(`${dir}/kustomization.yaml: patch ${JSON.stringify(patch)} is not a patch file here`);
    for (const doc of docs) {
      const target = manifests.find((m) => m.doc.kind === doc.kind && m.doc.metadata?.name === doc.metadata?.name);
      if (!target) throw new Error(`${path}: patches ${doc.kind} ${doc.metadata?.name}, which the resources do not have`);
      target.doc = mergeMaps(target.doc, doc, path);
    }
  }
  for (const image of kustomization.images ?? []) {
    for (const container of manifests.flatMap((m) => podContainers(m.doc))) {
      const { repository, tag } = splitImage(container.image);
      if (repository !== image.name) continue;
      container.image = `${image.newName ?? repository}:${image.newTag ?? tag}`;
    }
  }
  return manifests;
}

function mergeMaps(target: any, patch: any, where: string): any {
  if (Array.isArray(patch)) throw new Error(`${where}: a list in a patch is not merged by this test; patch maps only`);
  if (patch === null || typeof patch !== 'object') return patch;
  const merged = { ...(target && typeof target === 'object' && !Array.isArray(target) ? target : {}) };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete merged[key];
    else merged[key] = mergeMaps(merged[key], value, where);
  }
  return merged;
}

export function splitImage(image: string): { repository: string; tag: string } {
  const colon = image.lastIndexOf(':');
  return colon > image.lastIndexOf('/') ? { repository: image.slice(0, colon), tag: image.slice(colon + 1) } : { repository: image, tag: 'latest' };
}

/** The containers of a Deployment, StatefulSet, DaemonSet, Job or Pod (none for other kinds). */
export function podContainers(doc: any): any[] {
  const spec = podSpec(doc);
  return spec ? [...(spec.initContainers ?? []), ...(spec.containers ?? [])] : [];
}

export function podSpec(doc: any): any {
  if (doc?.kind === 'Pod') return doc.spec;
  return ['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'ReplicaSet'].includes(doc?.kind) ? doc.spec?.template?.spec : undefined;
}

export function podLabels(doc: any): Record<string, string> {
  return doc?.kind === 'Pod' ? doc.metadata?.labels ?? {} : doc?.spec?.template?.metadata?.labels ?? {};
}

/** A label selector (`matchLabels` and `matchExpressions` In/NotIn/Exists/DoesNotExist, or a plain map) against labels. */
export function selects(selector: any, labels: Record<string, string>): boolean {
  if (!selector) return false;
  const matchLabels: Record<string, string> = selector.matchLabels ?? (selector.matchExpressions ? {} : selector);
  if (!Object.entries(matchLabels).every(([k, v]) => labels[k] === v)) return false;
  return (selector.matchExpressions ?? []).every((e: any) => {
    const has = Object.hasOwn(labels, e.key);
    if (e.operator === 'In') return has && e.values.includes(labels[e.key]);
    if (e.operator === 'NotIn') return !has || !e.values.includes(labels[e.key]);
    if (e.operator === 'Exists') return has;
    if (e.operator === 'DoesNotExist') return !has;
    return false;
  });
}

export function repoFileExists(path: string): boolean {
  return existsSync(join(REPO_ROOT, path));
}
