/**
 * The committed manifests as kubectl sees them: `kubectl kustomize` renders
 * base and dev overlay, and `kubectl apply --dry-run=server` is accepted by
 * the server for every kind it serves: on the API fixture CRDs, Namespace,
 * ServiceAccounts, RBAC, ConfigMaps, Services, Deployments; on a real
 * kube-apiserver (KUBECONFIG) also NetworkPolicies and PVCs. Knative kinds
 * are served by neither; they are schema-checked offline
 * (shared/src/manifests/manifests.unit.test.ts). Applies the manifests'
 * namespace and CRDs for real: point KUBECONFIG only at a disposable cluster.
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
const SERVED = new Set(['CustomResourceDefinition', 'Namespace', 'ServiceAccount', 'Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding', 'ConfigMap', 'Service', 'Deployment', 'Secret']);

type Obj = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } };

async function kustomize(dir: string): Promise<Obj[]> {
  const { stdout } = await run(KUBECTL!, ['kustomize', join(REPO_ROOT, dir)], { maxBuffer: 32 * 1024 * 1024 });
  // plain objects: client-node's loadAllYaml renames schema fields (`default` → `_default`), which a real server refuses
  return parseManifests(stdout) as unknown as Obj[];
}

/** A stream of JSON documents (kubectl's decoder reads concatenated JSON). */
const stream = (objects: readonly Obj[]): string => objects.map((o) => JSON.stringify(o)).join('\n');

/** Built-in kinds a real kube-apiserver serves beyond the fixture's. */
const SERVED_BY_REAL = new Set(['NetworkPolicy', 'PersistentVolumeClaim']);

(KUBECTL ? describe : describe.skip)('manifests with kubectl 1.32 against the API fixture or a real kube-apiserver', () => {
  let cluster: ClusterHandle;
  let kubectl: Kubectl;
  const served = (o: Obj) => (SERVED.has(o.kind) || (cluster.kind === 'real' && SERVED_BY_REAL.has(o.kind))) && !(o.kind === 'Service' && o.apiVersion !== 'v1');

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
    for (const k of ['apiextensions.k8s.io/CustomResourceDefinition', 'v1/Namespace', 'serving.knative.dev/Service', 'eventing.knative.dev/Broker',
      'eventing.knative.dev/Trigger', 'eventing.knative.dev/EventPolicy', 'sources.knative.dev/ContainerSource', 'apps/Deployment', 'networking.k8s.io/NetworkPolicy', 'rbac.authorization.k8s.io/Role']) {
      expect(kinds).toContain(k);
    }
  });

  it('applies every served object of the dev overlay with --dry-run=server, storing nothing', async () => {
    // Prepare: the namespace and CRDs for real first (a dry run cannot create what later objects need)
    const objects = (await kustomize('manifests/overlays/dev')).filter(served);
    const first = objects.filter((o) => o.kind === 'Namespace' || o.kind === 'CustomResourceDefinition');
    const rest = objects.filter((o) => !first.includes(o));
    const created = await kubectl.run(['apply', '-f', '-'], { stdin: stream(first) });
    expect(applyStderrExceptPreexisting(created.stderr)).toBe('');
    // Act
    const dry = await kubectl.run(['apply', '--dry-run=server', '-f', '-'], { stdin: stream(rest) });
    // Assess
    expect({ code: dry.code, stderr: dry.stderr }).toEqual({ code: 0, stderr: '' });
    const lines = dry.stdout.trim().split('\n');
    expect(lines).toHaveLength(rest.length);
    for (const line of lines) expect(line).toMatch(/ (created|configured|unchanged) \(server dry run\)$/);
    // none of them is stored (a real cluster's controllers may add their own: `default`, kube-root-ca.crt)
    const stored = await kubectl.run(['get', 'serviceaccounts,roles,rolebindings,configmaps,deployments', '-n', 'metal3', '-o', 'name']);
    const storedNames = new Set(stored.stdout.trim().split('\n').map((l) => l.split('/')[1]));
    expect(rest.filter((o) => o.metadata.namespace === 'metal3' && storedNames.has(o.metadata.name)).map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([]);
    expect(rest.map((o) => o.kind)).toEqual(expect.arrayContaining(['ServiceAccount', 'Role', 'RoleBinding', 'ConfigMap', 'Deployment', 'Service']));
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
