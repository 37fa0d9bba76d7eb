/**
 * docker/ (the Kubernetes base and overlay, compose.yml, haproxy.cfg, the Dockerfile) against the code:
 * the variables its config modules read, its default ports and health paths, the sample subgraphs.
 * No Docker engine or cluster runs here, so this is what keeps those files true. Each check also runs
 * on a broken copy, which it must refuse.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { generateSigningKeyPem } from '../../gateway/keys/index.ts';
import { CHECKS, type CheckName } from './deployment-checks.ts';
import { loadDeploymentFiles, podContainers, renderKustomization, type DeploymentFiles } from './deployment-files.ts';

let files: DeploymentFiles;
beforeAll(() => { files = loadDeploymentFiles(); });

/** The documents of one file whose kind (and name) match. */
const docs = (f: DeploymentFiles, file: string, kind: string, name?: string) => {
  const found = (f.yaml[file] ?? []).filter((d) => d.kind === kind && (name === undefined || d.metadata?.name === name));
  if (found.length === 0) throw new Error(`${file} has no ${kind} ${name ?? ''}`);
  return found;
};
const container = (f: DeploymentFiles, file: string) => docs(f, file, 'Deployment')[0].spec.template.spec.containers[0];
const envEntry = (c: any, name: string) => c.env.find((e: any) => e.name === name);
const GATEWAY = 'k8s/base/gateway/deployment.yaml';
const SECRETS = 'k8s/base/config/secrets.yaml';

describe('docker/ is read whole', () => {
  it('every YAML file under docker/ parses, and each kustomization renders', () => {
    const names = Object.keys(files.yaml);
    expect(names).toEqual(expect.arrayContaining(['compose.yml', 'k8s/kustomization.yaml', 'k8s/base/kustomization.yaml', 'k8s/overlays/external-services/kustomization.yaml']));
    expect(names.filter((n) => n.startsWith('k8s/')).length).toBeGreaterThan(15);
    const trial = renderKustomization(files, 'k8s');
    const overlay = renderKustomization(files, 'k8s/overlays/external-services');
    const kinds = (list: typeof trial) => new Set(list.map((m) => m.doc.kind));
    for (const kind of ['Deployment', 'Service', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'NetworkPolicy', 'Secret', 'ConfigMap']) {
      expect(kinds(trial), kind).toContain(kind);
      expect(kinds(overlay), kind).toContain(kind);
    }
    // The overlay is the base without the in-cluster datastores: two StatefulSets fewer.
    expect(trial.filter((m) => m.doc.kind === 'StatefulSet')).toHaveLength(2);
    expect(overlay.filter((m) => m.doc.kind === 'StatefulSet')).toHaveLength(0);
    expect(trial.flatMap((m) => podContainers(m.doc)).length).toBeGreaterThanOrEqual(10);
  });

  it('a patch naming a resource the base does not have is an error, not ignored', () => {
    const copy = structuredClone(files);
    copy.yaml['k8s/overlays/external-services/connections.yaml']![0].metadata.name = 'govshare-databse';
    expect(() => renderKustomization(copy, 'k8s/overlays/external-services')).toThrow(/patches Secret govshare-databse/);
  });
});

describe('docker/ agrees with the code', () => {
  it.each(Object.keys(CHECKS) as CheckName[])('%s: no problem in the files as committed', async (name) => {
    expect(await CHECKS[name](files)).toEqual([]);
  });
});

/** [check, what is broken, how, what the check must say]. */
const BROKEN: Array<[CheckName, string, (f: DeploymentFiles) => void | Promise<void>, RegExp]> = [
  ['environment', 'a variable no config module reads', (f) => { container(f, GATEWAY).env.push({ name: 'GOVSHARE_GATEWAY_PORT', value: '4000' }); },
    /Deployment govshare-gateway\/gateway: sets GOVSHARE_GATEWAY_PORT, which gateway\/config\.ts does not read/],
  ['environment', 'a gateway variable given to a subgraph', (f) => { container(f, 'k8s/base/subgraphs/credit.yaml').env.push({ name: 'GOVSHARE_AUDIT_KEY', value: 'x' }); },
    /govshare-subgraph-credit\/subgraph: sets GOVSHARE_AUDIT_KEY, which subgraphs\/config\.ts does not read/],
  ['environment', 'a value the schema refuses', (f) => { envEntry(container(f, GATEWAY), 'GATEWAY_PORT').value = 'forty'; },
    /GATEWAY_PORT: "forty" is not a whole number/],
  ['environment', 'a compose service with an unknown variable', (f) => {
    const service = f.yaml['compose.yml']![0].services['gateway-2'];
    service.environment = { ...service.environment, GOVSHARE_RATE_LIMITS: '10' };
  }, /compose\.yml: gateway-2: sets GOVSHARE_RATE_LIMITS/],
  ['environment', 'the overlay\'s Redis Cluster written with a bare host:port', (f) => {
    docs(f, 'k8s/overlays/external-services/connections.yaml', 'Secret', 'govshare-redis')[0].stringData.REDIS_URL = 'redis://a.example:6379,b.example:6379';
  }, /overlays\/external-services.*REDIS_URL/],
  ['environment', 'a Secret key the Deployment names but the Secret lacks', (f) => { delete docs(f, SECRETS, 'Secret', 'govshare-audit-key')[0].stringData.GOVSHARE_AUDIT_KEY; },
    /GOVSHARE_AUDIT_KEY comes from Secret govshare-audit-key key GOVSHARE_AUDIT_KEY, which the manifests do not have/],
  ['images', 'a gateway image of another version', (f) => { container(f, GATEWAY).image = 'govshare:0.0.9'; },
    /k8s\/base\/gateway\/deployment\.yaml: gateway: image govshare:0\.0\.9, not govshare:\d/],
  ['images', 'the Dockerfile running as a user name', (f) => { f.dockerfile = f.dockerfile.replace(/^USER .*$/m, 'USER node'); },
    /USER is not a numeric non-root uid/],
  ['images', 'an image on a Node major the package does not support', (f) => { f.dockerfile = f.dockerfile.replaceAll('node:22-bookworm-slim', 'node:20-bookworm-slim'); },
    /FROM node:20-bookworm-slim is not a Node major package\.json's engines support/],
  ['images', 'the dev dependencies kept', (f) => { f.dockerfile = f.dockerfile.replace(' && npm prune --omit=dev --ignore-scripts --no-audit --no-fund', ''); },
    /prunes the dev dependencies/],
  ['images', 'no HEALTHCHECK', (f) => { f.dockerfile = f.dockerfile.replace(/^HEALTHCHECK[^\n]*\\\n[^\n]*\n/m, ''); },
    /no HEALTHCHECK asking \/healthz/],
  ['images', 'tsx only a dev dependency', (f) => {
    f.packageJson.devDependencies.tsx = f.packageJson.dependencies.tsx;
    delete f.packageJson.dependencies.tsx;
  }, /tsx is not a production dependency/],
  ['images', 'the npm script moved to another entry point', (f) => { f.packageJson.scripts['start:gateway'] = 'tsx gateway/start.ts'; },
    /no npm script runs `tsx gateway\/main\.ts` as the containers do/],
  ['images', 'compose building another image', (f) => {
    const service = f.yaml['compose.yml']![0].services['gateway-1'];
    f.yaml['compose.yml']![0].services['gateway-1'] = { ...service, image: 'govshare:latest' };
  }, /compose\.yml: gateway-1: image govshare:latest/],
  ['images', 'the key files not left out of the build context', (f) => { f.dockerignore = f.dockerignore.replace('**/*.pem\n', ''); },
    /does not leave out \*\*\/\*\.pem/],
  ['portsAndProbes', 'a subgraph\'s container port moved', (f) => { container(f, 'k8s/base/subgraphs/credit.yaml').ports[0].containerPort = 4999; },
    /govshare-subgraph-credit\/subgraph: no containerPort 4004/],
  ['portsAndProbes', 'readiness asked on the liveness path', (f) => { container(f, GATEWAY).readinessProbe.httpGet.path = '/healthz'; },
    /readinessProbe asks \/healthz, not \/readyz/],
  ['portsAndProbes', 'GOVSHARE_SUBGRAPHS naming another subgraph\'s port', (f) => {
    const entry = envEntry(container(f, GATEWAY), 'GOVSHARE_SUBGRAPHS');
    entry.value = entry.value.replace('govshare-subgraph-housing:4005', 'govshare-subgraph-housing:4006');
  }, /GOVSHARE_SUBGRAPHS housing=http:\/\/govshare-subgraph-housing:4006\/graphql is not a Service port/],
  ['portsAndProbes', 'the key Service without the not-ready replicas', (f) => { delete docs(f, 'k8s/base/gateway/service.yaml', 'Service', 'govshare-gateway-keys')[0].spec.publishNotReadyAddresses; },
    /routes to ready gateways only/],
  ['portsAndProbes', 'compose\'s subgraphs checked on the gateway\'s port', (f) => { delete f.yaml['compose.yml']![0].services.subgraphs.healthcheck; },
    /compose\.yml: subgraphs: its healthcheck does not ask \/healthz/],
  ['haproxy', 'a backend server that is no compose gateway', (f) => { f.haproxy = f.haproxy.replaceAll('server gateway-2 gateway-2:4000 check', 'server gateway-3 gateway-3:4000 check'); },
    /backend gateways sends to gateway-1, gateway-3, compose\.yml's gateways are gateway-1, gateway-2/],
  ['haproxy', 'the replicas checked on /healthz', (f) => { f.haproxy = f.haproxy.replace('option httpchk GET /readyz', 'option httpchk GET /healthz'); },
    /backend gateways checks \/healthz, not \/readyz/],
  ['haproxy', 'least connections instead of round robin', (f) => { f.haproxy = f.haproxy.replace('balance roundrobin', 'balance leastconn'); },
    /backend gateways does not balance roundrobin/],
  ['haproxy', 'a check every 5 s', (f) => { f.haproxy = f.haproxy.replace('inter 1s', 'inter 5s'); },
    /backend gateways checks every 5000 ms, more than 1 s/],
  ['haproxy', 'a server without its check', (f) => { f.haproxy = f.haproxy.replace('server gateway-1 gateway-1:4000 check', 'server gateway-1 gateway-1:4000'); },
    /gateways\/gateway-1 is not health-checked/],
  ['subgraphCoverage', 'a sample subgraph left out', (f) => {
    const k = f.yaml['k8s/base/kustomization.yaml']![0];
    k.resources = k.resources.filter((r: string) => r !== 'subgraphs/housing.yaml');
  }, /0 Deployments serve housing, not 1/],
  ['networkPolicy', 'another namespace admitted', (f) => { docs(f, 'k8s/base/subgraphs/networkpolicy.yaml', 'NetworkPolicy')[0].spec.ingress[0].from.push({ namespaceSelector: {} }); },
    /NetworkPolicy govshare-subgraphs: admits \{"namespaceSelector":\{\}\}, not only pods of this namespace/],
  ['networkPolicy', 'every govshare pod admitted', (f) => {
    docs(f, 'k8s/base/subgraphs/networkpolicy.yaml', 'NetworkPolicy')[0].spec.ingress[0].from[0].podSelector = { matchLabels: { 'app.kubernetes.io/part-of': 'govshare' } };
  }, /NetworkPolicy govshare-subgraphs: admits .*govshare-subgraph-population.*, not the gateway's pods only/],
  ['networkPolicy', 'the policy selecting no subgraph', (f) => {
    docs(f, 'k8s/base/subgraphs/networkpolicy.yaml', 'NetworkPolicy')[0].spec.podSelector.matchLabels['app.kubernetes.io/component'] = 'subgraphs';
  }, /govshare-subgraph-population\/subgraph: no NetworkPolicy restricts who reaches it/],
  ['networkPolicy', 'an ingress rule without "from"', (f) => { delete docs(f, 'k8s/base/subgraphs/networkpolicy.yaml', 'NetworkPolicy')[0].spec.ingress[0].from; },
    /an ingress rule without "from" admits everyone/],
  ['workloads', 'one gateway replica', (f) => { docs(f, GATEWAY, 'Deployment')[0].spec.replicas = 1; },
    /Deployment govshare-gateway: 1 replicas, fewer than 2/],
  ['workloads', 'a writable root filesystem', (f) => { container(f, GATEWAY).securityContext.readOnlyRootFilesystem = false; },
    /govshare-gateway\/gateway: the root filesystem is not read-only/],
  ['workloads', 'no writable /tmp', (f) => {
    const c = container(f, GATEWAY);
    c.volumeMounts = c.volumeMounts.filter((m: any) => m.mountPath !== '/tmp');
  }, /govshare-gateway\/gateway: \/tmp is not a writable emptyDir/],
  ['workloads', 'root', (f) => { docs(f, GATEWAY, 'Deployment')[0].spec.template.spec.securityContext.runAsUser = 0; },
    /govshare-gateway\/gateway: runAsUser 0/],
  ['workloads', 'an autoscaler down to one replica', (f) => { docs(f, 'k8s/base/gateway/hpa.yaml', 'HorizontalPodAutoscaler')[0].spec.minReplicas = 1; },
    /the autoscaler goes down to 1 replicas/],
  ['workloads', 'a file variable pointing outside its ConfigMap', (f) => { envEntry(container(f, GATEWAY), 'GOVSHARE_DEPARTMENTS').value = '/etc/govshare/directory/departments.yaml'; },
    /GOVSHARE_DEPARTMENTS=\/etc\/govshare\/directory\/departments\.yaml is not a file of a mounted Secret or ConfigMap/],
  ['workloads', 'compose with a writable root', (f) => {
    const compose = f.yaml['compose.yml']![0];
    compose.services['gateway-1'] = { ...compose.services['gateway-1'], read_only: false };
  }, /compose\.yml: gateway-1: the root filesystem is not read-only/],
  ['secretsAndConfigMaps', 'a real audit key committed', (f) => { docs(f, SECRETS, 'Secret', 'govshare-audit-key')[0].stringData.GOVSHARE_AUDIT_KEY = 'bXktcmVhbC1hdWRpdC1rZXk='; },
    /Secret govshare-audit-key: GOVSHARE_AUDIT_KEY holds a value that is not a REPLACE-ME placeholder/],
  ['secretsAndConfigMaps', 'a real signing key committed', (f) => { docs(f, SECRETS, 'Secret', 'govshare-gateway-key')[0].stringData['gateway.pem'] = generateSigningKeyPem(); },
    /Secret govshare-gateway-key: gateway\.pem holds a key, not a placeholder/],
  ['secretsAndConfigMaps', 'a placeholder that passes for a key', (f) => {
    docs(f, SECRETS, 'Secret', 'govshare-gateway-key')[0].stringData['gateway.pem'] = `${generateSigningKeyPem()}# REPLACE-ME\n`;
  }, /Secret govshare-gateway-key: gateway\.pem is accepted as a key/],
  ['secretsAndConfigMaps', 'a database password committed', (f) => {
    docs(f, SECRETS, 'Secret', 'govshare-database')[0].stringData.DATABASE_URL = 'postgres://govshare:hunter2@govshare-postgres:5432/govshare';
  }, /Secret govshare-database: DATABASE_URL holds a value that is not a REPLACE-ME placeholder/],
  ['secretsAndConfigMaps', 'a department list the gateway refuses', (f) => { docs(f, 'k8s/base/config/directory.yaml', 'ConfigMap')[0].data['departments.json'] = '[{"code": 1}]'; },
    /ConfigMap govshare-directory departments\.json: GOVSHARE_DEPARTMENTS .* must be a JSON list/],
  ['secretsAndConfigMaps', 'a misspelt holiday list', (f) => { docs(f, 'k8s/base/config/directory.yaml', 'ConfigMap')[0].data['holidays.json'] = '{ "holiday": ["2027-01-01"] }'; },
    /ConfigMap govshare-directory holidays\.json: .*unknown key/],
  ['connections', 'the overlay\'s Redis a single server', (f) => {
    docs(f, 'k8s/overlays/external-services/connections.yaml', 'Secret', 'govshare-redis')[0].stringData.REDIS_URL = 'redis://:REPLACE-ME@redis-0.example.internal:6379';
    delete docs(f, 'k8s/overlays/external-services/connections.yaml', 'ConfigMap', 'govshare-coordination')[0].data.REDIS_CLUSTER;
  }, /overlays\/external-services: Deployment govshare-gateway\/gateway: REDIS_URL is not a Redis Cluster's nodes/],
  ['connections', 'the overlay\'s records on a short in-cluster name', (f) => {
    docs(f, 'k8s/overlays/external-services/connections.yaml', 'Secret', 'govshare-database')[0].stringData.GOVSHARE_STATE_DATABASE_URL = 'postgres://govshare:REPLACE-ME@govshare-postgres:5432/govshare';
  }, /overlays\/external-services: Deployment govshare-gateway\/gateway: postgres:\/\/govshare-postgres is not a server outside the cluster/],
  ['connections', 'the trial\'s subgraphs on a server it does not run', (f) => {
    docs(f, SECRETS, 'Secret', 'govshare-database')[0].stringData.DATABASE_URL = 'postgres://govshare:REPLACE-ME@postgres:5432/govshare';
  }, /^k8s: Deployment govshare-subgraph-population\/subgraph: postgres:\/\/postgres:5432 is not a Service of the trial/],
  ['productionDependencies', 'a package the gateway imports kept as a dev dependency', (f) => {
    f.packageJson.devDependencies.jose = f.packageJson.dependencies.jose;
    delete f.packageJson.dependencies.jose;
  }, /gateway\/.*: imports jose, which the image prunes/],
  ['noOrphans', 'a manifest in no kustomization', (f) => { f.yaml['k8s/base/gateway/extra.yaml'] = [{ kind: 'ConfigMap', metadata: { name: 'extra' } }]; },
    /k8s\/base\/gateway\/extra\.yaml: in no kustomization/],
];

describe('each check refuses a broken copy', () => {
  it.each(BROKEN)('%s: %s', async (name, _what, breakIt, message) => {
    const copy = structuredClone(files);
    await breakIt(copy);
    const problems = await CHECKS[name](copy);
    expect(problems.some((p) => message.test(p)), `${name} said:\n${problems.join('\n')}`).toBe(true);
    // The copy is broken, not the files: the same check passes them still.
    expect(await CHECKS[name](files)).toEqual([]);
  });

  it('every check is shown to fail at least once', () => {
    expect(new Set(BROKEN.map(([name]) => name))).toEqual(new Set(Object.keys(CHECKS)));
  });
});
