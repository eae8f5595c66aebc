/**
 * The real kube-apiserver target: it starts with RBAC on, serves TLS the kubeconfig trusts,
 * authenticates only the admin token, installs the project's CRDs, and stop() leaves no process.
 * Skipped (with the reason) when scripts/install-kube-apiserver.sh has not built the binaries.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ApiException, CoreV1Api, CustomObjectsApi, KubeConfig, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { isPidAlive } from '../processes.ts';
import { realKubeUnavailable, startRealKube, type RealKube } from './index.ts';

const unavailable = realKubeUnavailable();
if (unavailable) process.stderr.write(`real-kube.int.test: skipped: ${unavailable}\n`);
const describeBuilt = unavailable ? describe.skip : describe;

const code = async (p: Promise<unknown>): Promise<number> => p.then(() => 200, (e: unknown) => (e instanceof ApiException ? e.code : -1));

describeBuilt('real kube-apiserver bed', () => {
  let kube: RealKube;
  let kc: KubeConfig;
  beforeAll(async () => {
    kube = await startRealKube();
    kc = new KubeConfig();
    kc.loadFromFile(kube.kubeconfigPath);
  }, 180_000);
  afterAll(async () => kube?.stop());

  it('has the project CRDs established and serves BareMetalHosts', async () => {
    const core = kc.makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: 'bed-check' } } });
    const api = kc.makeApiClient(CustomObjectsApi);
    const created = (await api.createNamespacedCustomObject({
      group: 'metal3.io', version: 'v1alpha1', namespace: 'bed-check', plural: 'baremetalhosts',
      body: { apiVersion: 'metal3.io/v1alpha1', kind: 'BareMetalHost', metadata: { name: 'h0' }, spec: { online: false } },
    })) as { metadata: { uid?: string }; spec: Record<string, unknown> };
    expect(created.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    // a real server applies the CRD's structural defaults
    expect(created.spec.automatedCleaningMode).toBe('metadata');
  });

  it('rejects an unknown token (401) and enforces RBAC for an unbound service account (403)', async () => {
    const stranger = new KubeConfig();
    stranger.loadFromString(JSON.stringify({ ...JSON.parse(kc.exportConfig()), users: [{ name: 'admin', user: { token: 'not-a-token' } }] }));
    expect(await code(stranger.makeApiClient(CoreV1Api).listNamespace())).toBe(401);

    const core = kc.makeApiClient(CoreV1Api);
    await core.createNamespacedServiceAccount({ namespace: 'default', body: { metadata: { name: 'nobody' } } });
    const token = await core.createNamespacedServiceAccountToken({ name: 'nobody', namespace: 'default', body: { spec: { audiences: [] } } });
    const sa = new KubeConfig();
    sa.loadFromString(JSON.stringify({ ...JSON.parse(kc.exportConfig()), users: [{ name: 'admin', user: { token: token.status?.token } }] }));
    const saCore = sa.makeApiClient(CoreV1Api);
    expect(await code(saCore.listNamespacedPod({ namespace: 'default' }))).toBe(403);

    const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
    await rbac.createNamespacedRole({ namespace: 'default', body: { metadata: { name: 'pods' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['list'] }] } });
    await rbac.createNamespacedRoleBinding({ namespace: 'default', body: { metadata: { name: 'pods' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pods' }, subjects: [{ kind: 'ServiceAccount', name: 'nobody', namespace: 'default' }] } });
    expect(await code(saCore.listNamespacedPod({ namespace: 'default' }))).toBe(200);
  });

  it('stops both processes and removes its state', async () => {
    const pids = (await import('../processes.ts')).runningChildren();
    const ours = [...pids.entries()].filter(([, name]) => name === 'etcd' || name === 'kube-apiserver').map(([pid]) => pid);
    expect(ours).toHaveLength(2);
    await kube.stop();
    expect(ours.filter(isPidAlive)).toEqual([]);
    const { existsSync } = await import('node:fs');
    expect(existsSync(kube.stateDir)).toBe(false);
  });
});
