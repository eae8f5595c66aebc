/**
 * The committed manifests as kubectl sees them: `kubectl kustomize` renders
 * crds, persistent, base and dev overlay, and `kubectl apply --dry-run=server`
 * is accepted by the server for every kind it serves (the API fixture and a
 * real kube-apiserver alike): CRDs, Namespaces, ServiceAccounts, RBAC,
 * ConfigMaps, Services, Deployments, NetworkPolicies, PVCs. Knative kinds are
 * served by neither; they are schema-checked offline
 * (shared/src/manifests/manifests.unit.test.ts). Applies manifests/crds and
 * manifests/persistent for real: point KUBECONFIG only at a disposable cluster.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type ClusterHandle, connectCluster } from '../bed/cluster.ts';
import { parseManifests } from '../bed/kube-api/manifests.ts';
import { applyStderrExceptPreexisting, createKubectl, findKubectl } from '../bed/kube-api/kubectl-runner.ts';
import type { Kubectl } from '../bed/kube-api/kubectl-runner.ts';
import { REPO_ROOT } from './function-process.ts';

const run = promisify(execFile);
const KUBECTL = findKubectl();
const SERVED = new Set(['CustomResourceDefinition', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding', 'Namespace', 'ServiceAccount', 'Role', 'RoleBinding',
  'ClusterRole', 'ClusterRoleBinding', 'ConfigMap', 'Service', 'Deployment', 'Secret', 'NetworkPolicy', 'PersistentVolumeClaim']);

type Obj = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } };

async function kustomize(dir: string): Promise<Obj[]> {
  const { stdout } = await run(KUBECTL!, ['kustomize', join(REPO_ROOT, dir)], { maxBuffer: 32 * 1024 * 1024 });
  // plain objects: client-node's loadAllYaml renames schema fields (`default` → `_default`), which a real server refuses
  return parseManifests(stdout) as unknown as Obj[];
}

/** A stream of JSON documents (kubectl's decoder reads concatenated JSON). */
const stream = (objects: readonly Obj[]): string => objects.map((o) => JSON.stringify(o)).join('\n');

(KUBECTL ? describe : describe.skip)('manifests with kubectl 1.32 against the API fixture or a real kube-apiserver', () => {
  let cluster: ClusterHandle;
  let kubectl: Kubectl;
  const served = (o: Obj) => SERVED.has(o.kind) && !(o.kind === 'Service' && o.apiVersion !== 'v1');

  beforeAll(async () => {
    cluster = await connectCluster({ namespacePrefix: 'manifests' });
    kubectl = await createKubectl({ binary: KUBECTL!, kubeconfig: await cluster.kubeconfigPath(), namespace: 'metal3' });
  });

  afterAll(async () => {
    await kubectl?.dispose();
    await cluster?.stop();
  });

  it.each(['manifests/base', 'manifests/overlays/dev'])('renders %s with kustomize into the expected kinds', async (dir) => {
    // Act
    const objects = await kustomize(dir);
    // Assess
    const kinds = new Set(objects.map((o) => `${o.apiVersion.split('/')[0]}/${o.kind}`));
    for (const k of ['serving.knative.dev/Service', 'eventing.knative.dev/Broker',
      'eventing.knative.dev/Trigger', 'eventing.knative.dev/EventPolicy', 'sources.knative.dev/ContainerSource', 'apps/Deployment', 'networking.k8s.io/NetworkPolicy', 'rbac.authorization.k8s.io/Role']) {
      expect(kinds).toContain(k);
    }
  });

  it('renders manifests/crds and manifests/persistent into what an uninstall keeps', async () => {
    const crds = (await kustomize('manifests/crds')).map((o) => o.kind);
    const persistent = (await kustomize('manifests/persistent')).map((o) => `${o.kind}/${o.metadata.name}`);
    expect(crds).toEqual([...Array<string>(8).fill('CustomResourceDefinition'), 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding']);
    expect(persistent).toEqual(['Namespace/metal3', 'Namespace/metal3-hosts', 'PersistentVolumeClaim/ironic-state']);
  });

  it('applies every served object of the dev overlay with --dry-run=server, storing nothing', async () => {
    // Prepare: manifests/crds and manifests/persistent for real first, as the install does (a dry run cannot create what later objects need)
    const rest = (await kustomize('manifests/overlays/dev')).filter(served);
    for (const dir of ['manifests/crds', 'manifests/persistent']) {
      const created = await kubectl.run(['apply', '-f', '-'], { stdin: stream((await kustomize(dir)).filter(served)) });
      expect([dir, created.code, applyStderrExceptPreexisting(created.stderr)]).toEqual([dir, 0, '']);
    }
    // Act: one dry run per namespace (the Roles live in the hosts' namespace; kubectl refuses objects of another than -n)
    const namespaces = [...new Set(rest.map((o) => o.metadata.namespace ?? 'metal3'))];
    const dry = { code: 0, stderr: '', lines: [] as string[] };
    for (const ns of namespaces) {
      const r = await kubectl.run(['-n', ns, 'apply', '--dry-run=server', '-f', '-'], { stdin: stream(rest.filter((o) => (o.metadata.namespace ?? 'metal3') === ns)) });
      dry.code = Math.max(dry.code, r.code);
      dry.stderr += r.stderr;
      dry.lines.push(...r.stdout.trim().split('\n'));
    }
    // Assess
    expect(namespaces.sort()).toEqual(['metal3', 'metal3-hosts']);
    expect({ code: dry.code, stderr: dry.stderr }).toEqual({ code: 0, stderr: '' });
    expect(dry.lines).toHaveLength(rest.length);
    for (const line of dry.lines) expect(line).toMatch(/ (created|configured|unchanged) \(server dry run\)$/);
    // none of them is stored (a real cluster's controllers may add their own: `default`, kube-root-ca.crt)
    for (const ns of namespaces) {
      const stored = await kubectl.run(['get', 'serviceaccounts,roles,rolebindings,configmaps,deployments,networkpolicies', '-n', ns, '-o', 'name']);
      const storedNames = new Set(stored.stdout.trim().split('\n').map((l) => l.split('/')[1]));
      expect(rest.filter((o) => o.metadata.namespace === ns && storedNames.has(o.metadata.name)).map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([]);
    }
    expect(rest.map((o) => o.kind)).toEqual(expect.arrayContaining(['ServiceAccount', 'Role', 'RoleBinding', 'ConfigMap', 'Deployment', 'Service', 'NetworkPolicy']));
  });

  it('is refused by the server when an object is broken (the dry run can fail)', async () => {
    // Prepare
    const bad = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'broken', namespace: 'metal3' }, data: { password: 'not base64!' } };
    // Act
    const dry = await kubectl.run(['apply', '--dry-run=server', '-f', '-'], { stdin: JSON.stringify(bad) });
    // Assess
    expect(dry.code).not.toBe(0);
    expect(dry.stderr).toMatch(/illegal base64/);
  });
});
