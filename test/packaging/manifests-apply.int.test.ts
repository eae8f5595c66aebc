/**
 * The committed manifests as kubectl sees them: `kubectl kustomize` renders
 * base and dev overlay, and `kubectl apply --dry-run=server` is accepted by
 * the API fixture for every kind it serves (CRDs, Namespace, ServiceAccounts,
 * RBAC, ConfigMaps, Services, Deployments). Knative kinds, NetworkPolicy and
 * PVCs are not served by the fixture; they are schema-checked offline
 * (shared/src/manifests/manifests.unit.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { loadAllYaml } from '@kubernetes/client-node';
import { startKubeApi } from '../bed/kube-api/index.ts';
import type { KubeApiFixture } from '../bed/kube-api/index.ts';
import { createKubectl, findKubectl } from '../bed/kube-api/kubectl-runner.ts';
import type { Kubectl } from '../bed/kube-api/kubectl-runner.ts';
import { REPO_ROOT } from './function-process.ts';

const run = promisify(execFile);
const KUBECTL = findKubectl();
const SERVED = new Set(['CustomResourceDefinition', 'Namespace', 'ServiceAccount', 'Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding', 'ConfigMap', 'Service', 'Deployment', 'Secret']);

type Obj = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } };

async function kustomize(dir: string): Promise<Obj[]> {
  const { stdout } = await run(KUBECTL!, ['kustomize', join(REPO_ROOT, dir)], { maxBuffer: 32 * 1024 * 1024 });
  return loadAllYaml(stdout) as Obj[];
}

/** A stream of JSON documents (kubectl's decoder reads concatenated JSON). */
const stream = (objects: readonly Obj[]): string => objects.map((o) => JSON.stringify(o)).join('\n');

const servedByFixture = (o: Obj) => SERVED.has(o.kind) && !(o.kind === 'Service' && o.apiVersion !== 'v1');

(KUBECTL ? describe : describe.skip)('manifests with kubectl 1.32 against the API fixture', () => {
  let api: KubeApiFixture;
  let kubectl: Kubectl;

  beforeAll(async () => {
    api = await startKubeApi({});
    kubectl = await createKubectl({ binary: KUBECTL!, kubeconfig: await api.writeKubeconfig(), namespace: 'metal3' });
  });

  afterAll(async () => {
    await kubectl?.dispose();
    await api?.stop();
  });

  it.each(['manifests/base', 'manifests/overlays/dev'])('renders %s with kustomize into the expected kinds', async (dir) => {
    // Act
    const objects = await kustomize(dir);
    // Assess
    const kinds = new Set(objects.map((o) => `${o.apiVersion.split('/')[0]}/${o.kind}`));
    for (const k of ['apiextensions.k8s.io/CustomResourceDefinition', 'v1/Namespace', 'serving.knative.dev/Service', 'eventing.knative.dev/Broker',
      'eventing.knative.dev/Trigger', 'sources.knative.dev/ContainerSource', 'apps/Deployment', 'networking.k8s.io/NetworkPolicy', 'rbac.authorization.k8s.io/Role']) {
      expect(kinds).toContain(k);
    }
  });

  it('applies every served object of the dev overlay with --dry-run=server, storing nothing', async () => {
    // Prepare: the namespace and CRDs for real first (a dry run cannot create what later objects need)
    const objects = (await kustomize('manifests/overlays/dev')).filter(servedByFixture);
    const first = objects.filter((o) => o.kind === 'Namespace' || o.kind === 'CustomResourceDefinition');
    const rest = objects.filter((o) => !first.includes(o));
    const created = await kubectl.run(['apply', '-f', '-'], { stdin: stream(first) });
    expect(created.stderr).toBe('');
    // Act
    const dry = await kubectl.run(['apply', '--dry-run=server', '-f', '-'], { stdin: stream(rest) });
    // Assess
    expect({ code: dry.code, stderr: dry.stderr }).toEqual({ code: 0, stderr: '' });
    const lines = dry.stdout.trim().split('\n');
    expect(lines).toHaveLength(rest.length);
    for (const line of lines) expect(line).toMatch(/ (created|configured|unchanged) \(server dry run\)$/);
    const stored = await kubectl.run(['get', 'serviceaccounts,roles,rolebindings,configmaps,deployments', '-n', 'metal3', '-o', 'name']);
    expect(stored.stdout.trim()).toBe('');
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
