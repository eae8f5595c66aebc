/**
 * A safe uninstall: `kubectl delete` of the operator's kustomization (manifests/base, or an overlay)
 * removes the operator (Deployments, Services, RBAC, NetworkPolicies, Knative objects) and never the
 * CRDs (deleting one deletes every BareMetalHost), the operator's or the hosts' namespace, or Ironic's
 * PersistentVolumeClaim: those are in manifests/crds and manifests/persistent, installed before it.
 *
 * On the API fixture, or the real kube-apiserver KUBECONFIG names (Knative kinds are served by
 * neither, so the objects of the kustomization that the server serves are applied and deleted).
 * The namespaces are renamed per run, so suites sharing a server never see each other's objects.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type ClusterHandle, connectCluster } from '../bed/cluster.ts';
import { applyStderrExceptPreexisting, createKubectl, findKubectl } from '../bed/kube-api/kubectl-runner.ts';
import type { Kubectl } from '../bed/kube-api/kubectl-runner.ts';
import { parseManifests, readSampleInto } from '../bed/kube-api/manifests.ts';
import { DEFAULT_OPTIONS } from '../../shared/src/manifests/options.ts';
import { REPO_ROOT } from './function-process.ts';

const run = promisify(execFile);
const KUBECTL = findKubectl();

type Obj = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } };

/** Kinds both the fixture and a bare kube-apiserver serve (no Knative). */
const SERVED = new Set(['CustomResourceDefinition', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding', 'Namespace', 'ServiceAccount',
  'Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding', 'ConfigMap', 'Service', 'Deployment', 'Secret', 'NetworkPolicy', 'PersistentVolumeClaim']);
const served = (o: Obj): boolean => SERVED.has(o.kind) && !(o.kind === 'Service' && o.apiVersion !== 'v1');
/** What an uninstall must never delete. */
const KEPT_KINDS = ['CustomResourceDefinition', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding', 'Namespace', 'PersistentVolumeClaim'];

async function kustomize(dir: string): Promise<Obj[]> {
  const { stdout } = await run(KUBECTL!, ['kustomize', join(REPO_ROOT, dir)], { maxBuffer: 32 * 1024 * 1024 });
  return parseManifests(stdout) as unknown as Obj[];
}

/** Every string value that names one of the two namespaces, renamed (namespace fields, Namespace names, RoleBinding subjects). */
function relocate<T>(value: T, names: ReadonlyMap<string, string>): T {
  if (typeof value === 'string') return (names.get(value) ?? value) as T;
  if (Array.isArray(value)) return value.map((v) => relocate(v, names)) as T;
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, relocate(v, names)])) as T;
  return value;
}

const stream = (objects: readonly Obj[]): string => objects.map((o) => JSON.stringify(o)).join('\n');

/** Run one kubectl command per namespace of `objects` (kubectl refuses objects of another namespace than `-n`). */
async function perNamespace(kubectl: Kubectl, args: readonly string[], objects: readonly Obj[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const groups = new Map<string, Obj[]>();
  for (const o of objects) groups.set(o.metadata.namespace ?? '', [...(groups.get(o.metadata.namespace ?? '') ?? []), o]);
  const out = { code: 0, stdout: '', stderr: '' };
  for (const [ns, group] of groups) {
    const r = await kubectl.run([...(ns ? ['-n', ns] : []), ...args], { stdin: stream(group) });
    out.code = Math.max(out.code, r.code);
    out.stdout += r.stdout;
    out.stderr += r.stderr;
  }
  return out;
}
const ref = (o: Obj): string => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;

(KUBECTL ? describe : describe.skip)('uninstall keeps the CRDs, the namespaces, the hosts and Ironic\'s data', () => {
  let cluster: ClusterHandle;
  let kubectl: Kubectl;
  const suffix = randomBytes(3).toString('hex');
  const operatorNs = `uninstall-${suffix}`;
  const hostsNs = `uninstall-${suffix}-hosts`;
  const names = new Map([[DEFAULT_OPTIONS.namespace, operatorNs], [DEFAULT_OPTIONS.hostNamespace, hostsNs]]);

  beforeAll(async () => {
    cluster = await connectCluster({ namespacePrefix: 'uninstall' });
    kubectl = await createKubectl({ binary: KUBECTL!, kubeconfig: await cluster.kubeconfigPath(), namespace: operatorNs });
  });

  afterAll(async () => {
    if (cluster?.kind === 'real') await kubectl?.run(['delete', 'namespace', operatorNs, hostsNs, '--wait=false']);
    await kubectl?.dispose();
    await cluster?.stop();
  });

  it.each(['manifests/base', 'manifests/overlays/dev'])('%s holds no CRD, admission policy, Namespace or PersistentVolumeClaim', async (dir) => {
    const objects = await kustomize(dir);
    expect(objects.length).toBeGreaterThan(20);
    expect(objects.filter((o) => KEPT_KINDS.includes(o.kind)).map(ref)).toEqual([]);
  });

  it('deletes the operator\'s objects and leaves the CRDs, both namespaces, a host with its Secret and Ironic\'s claim', async () => {
    // Prepare: install in the documented order, then a host from the samples
    const crds = await kustomize('manifests/crds');
    const persistent = relocate(await kustomize('manifests/persistent'), names);
    const operator = relocate((await kustomize('manifests/overlays/dev')).filter(served), names);
    for (const [what, objects] of [['crds', crds], ['persistent', persistent]] as const) {
      const applied = await kubectl.run(['apply', '-f', '-'], { stdin: stream(objects) });
      expect([what, applied.code, applyStderrExceptPreexisting(applied.stderr)]).toEqual([what, 0, '']);
    }
    expect((await kubectl.run(['wait', '--for=condition=Established', 'crd/baremetalhosts.metal3.io', '--timeout=30s'])).code).toBe(0);
    const installed = await perNamespace(kubectl, ['apply', '-f', '-'], operator);
    expect({ code: installed.code, stderr: installed.stderr }).toEqual({ code: 0, stderr: '' });
    const sample = await kubectl.run(['-n', hostsNs, 'apply', '-f', '-'], { stdin: await readSampleInto(join(REPO_ROOT, 'manifests/samples/bmh-ipmi.yaml'), hostsNs) });
    expect({ code: sample.code, stderr: sample.stderr }).toEqual({ code: 0, stderr: '' });
    expect(operator.map((o) => o.kind)).toEqual(expect.arrayContaining(['Deployment', 'Service', 'Role', 'RoleBinding', 'ServiceAccount', 'ConfigMap', 'NetworkPolicy']));

    // Act: what `kubectl delete -k manifests/overlays/dev` deletes, for the kinds this server serves
    const deleted = await perNamespace(kubectl, ['delete', '--wait=true', '-f', '-'], operator);

    // Assess: every operator object is gone
    // the operator's ClusterRoles and bindings (claims, TokenReview) are cluster-scoped: kubectl says so
    const stderr = deleted.stderr.split('\n').filter((l) => l !== 'Warning: deleting cluster-scoped resources, not scoped to the provided namespace').join('\n').trim();
    expect({ code: deleted.code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(deleted.stdout.trim().split('\n')).toHaveLength(operator.length);
    const left = await perNamespace(kubectl, ['get', '--ignore-not-found', '-o', 'name', '-f', '-'], operator);
    expect(left.stdout.trim()).toBe('');
    // … and what an uninstall must keep is still there
    const host = await kubectl.run(['get', 'bmh', 'worker-ipmi-0', '-n', hostsNs, '-o', 'jsonpath={.metadata.name} {.metadata.deletionTimestamp}']);
    expect({ code: host.code, stdout: host.stdout.trim() }).toEqual({ code: 0, stdout: 'worker-ipmi-0' });
    expect((await kubectl.run(['get', 'secret', 'worker-ipmi-0-bmc', '-n', hostsNs, '-o', 'name'])).code).toBe(0);
    for (const o of [...crds, ...persistent]) {
      const got = await perNamespace(kubectl, ['get', '-o', 'json', '-f', '-'], [o]);
      expect([ref(o), got.code]).toEqual([ref(o), 0]);
      const answer = JSON.parse(got.stdout) as { kind: string; items?: unknown[] };
      const live = (answer.kind === 'List' ? answer.items![0] : answer) as { metadata: { name: string; deletionTimestamp?: string }; status?: { phase?: string } };
      expect([ref(o), live.metadata.name, live.metadata.deletionTimestamp]).toEqual([ref(o), o.metadata.name, undefined]);
      if (o.kind === 'Namespace') expect([ref(o), live.status?.phase]).toEqual([ref(o), 'Active']);
    }
    expect(persistent.map(ref)).toEqual([`Namespace//${operatorNs}`, `Namespace//${hostsNs}`, `PersistentVolumeClaim/${operatorNs}/ironic-state`]);
  }, 60_000);
});
