/**
 * The claim function's least privilege, proven: its generated Role (hosts' namespace) and
 * ClusterRole (claims, tenant Secrets, policies, namespaces, Events) are loaded into the API
 * fixture with enforcement on; the claim handler authenticates as `bmh-claim` and binds,
 * mirrors and releases a claim of a tenant namespace without one refused call. The watcher's
 * account may list claims in every namespace, and neither may do what its table does not say.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { buildClaimRequestedEvent } from '../../events/src/build.ts';
import { buildBareMetalHostCrd, buildHardwareDataCrd, buildHostClaimCrd, buildHostDeployPolicyCrd } from '../../shared/src/api/crd.ts';
import type { StoredClaim } from '../../shared/src/api/hostclaim.ts';
import { createClaimHandler } from '../../shared/src/handler/create-claim-handler.ts';
import type { HandlerResult } from '../../shared/src/handler/reply.ts';
import { createRestClaimStoreFor } from '../../shared/src/k8s/claim-store.ts';
import type { StoredHost } from '../../shared/src/k8s/host-store.ts';
import { silentLogger } from '../../shared/src/log.ts';
import { HOST_NAMESPACE, NAMESPACE, serviceAccountOf } from '../../shared/src/manifests/names.ts';
import { withDefaults } from '../../shared/src/manifests/options.ts';
import { buildRbac } from '../../shared/src/manifests/rbac.ts';
import { claim as claimFunction } from '../../functions/claim/src/transition.ts';
import { startKubeApi } from '../bed/kube-api/index.ts';
import type { KubeApiFixture } from '../bed/kube-api/index.ts';

const NS = NAMESPACE;
/** hosts, policies and the Secret copies live in the hosts' namespace, where the generated Roles are */
const HOSTS = HOST_NAMESPACE;
const TENANT = 'team-rbac';
const G = { group: 'metal3.io', version: 'v1alpha1' };
const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
let api: KubeApiFixture;

const storeAs = (c: 'claim' | 'watcher') => createRestClaimStoreFor(api.kubeConfig({ token: api.tokenFor(NS, serviceAccountOf(c)) }), { instance: c, log: silentLogger }).claims;
async function outcomeOf(p: Promise<unknown>): Promise<number | 'ok'> {
  try { await p; return 'ok'; } catch (e) { return (e as { statusCode?: number }).statusCode ?? -1; }
}

beforeAll(async () => {
  const rbacObjects = (['claim', 'watcher'] as const).flatMap((c) => buildRbac(c, withDefaults())).map((o) => o.toJSON() as object);
  api = await startKubeApi({
    crds: [buildBareMetalHostCrd(), buildHardwareDataCrd(), buildHostClaimCrd(), buildHostDeployPolicyCrd()],
    namespaces: ['default', NS, HOSTS, TENANT], rbac: { enforce: true, objects: rbacObjects },
  });
}, 60_000);

afterAll(async () => {
  await api?.stop();
});

describe('claim function under its generated Roles', () => {
  it('binds, mirrors and releases a tenant\'s claim with no refused call', async () => {
    // Prepare (as the admin): an available host, a policy, the tenant's Secret and claim
    const admin = api.kubeConfig().makeApiClient(CustomObjectsApi);
    api.create({ apiVersion: 'metal3.io/v1alpha1', kind: 'BareMetalHost', metadata: { name: 'rbac-claim-0', namespace: HOSTS, labels: { pool: 'p' } }, spec: { online: false } });
    await admin.patchNamespacedCustomObjectStatus({ ...G, plural: 'baremetalhosts', namespace: HOSTS, name: 'rbac-claim-0', body: { status: {
      operationalStatus: 'OK', errorType: '', errorMessage: '', errorCount: 0, provisioningFailCount: 0, poweredOn: false, provisioning: { state: 'available', ID: 'n' },
    } } }, merge);
    api.create({ apiVersion: 'metal3.io/v1alpha1', kind: 'HostDeployPolicy', metadata: { name: 'all', namespace: HOSTS }, spec: { hostClaimNamespaces: {} } });
    api.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'ud', namespace: TENANT }, stringData: { userData: '#cloud-config' } });
    api.create({ apiVersion: 'metal3.io/v1alpha1', kind: 'HostClaim', metadata: { name: 'c', namespace: TENANT }, spec: { online: true, image: { url: 'http://i/os.qcow2', checksum: 'x' }, userData: { name: 'ud' }, hostSelector: { matchLabels: { pool: 'p' } } } });
    const handler = createClaimHandler(claimFunction, { claims: storeAs('claim'), config: { allowedSources: [], MAX_STEPS: 12 }, log: silentLogger });
    const kick = async (): Promise<HandlerResult | undefined> => {
      const c = await admin.getNamespacedCustomObject({ ...G, plural: 'hostclaims', namespace: TENANT, name: 'c' }).catch(() => undefined) as StoredClaim | undefined;
      return c ? handler.processEvent({ ...buildClaimRequestedEvent({ claim: c, reason: 'resync', source: '/metal3/watcher/test' }) }) : undefined;
    };
    api.control.clearRequests();

    // Act
    const bound = await kick();
    await admin.deleteNamespacedCustomObject({ ...G, plural: 'hostclaims', namespace: TENANT, name: 'c' });
    const released = await kick();

    // Assess
    expect(bound).toMatchObject({ kind: 'progressed', state: 'Bound' });
    expect(released).toMatchObject({ kind: 'progressed', state: 'removed' });
    const host = (await admin.getNamespacedCustomObject({ ...G, plural: 'baremetalhosts', namespace: HOSTS, name: 'rbac-claim-0' })) as StoredHost;
    expect(host.spec).not.toHaveProperty('consumerRef');
    const byClaim = api.control.requests.filter((r) => r.user === `system:serviceaccount:${NS}:bmh-claim`);
    expect(byClaim.length).toBeGreaterThan(5);
    expect(byClaim.filter((r) => r.status === 403).map((r) => `${r.verb} ${r.path}`)).toEqual([]);
    // the Secret copy was written (and deleted) in the hosts' namespace, the tenant's Secret only read
    expect(byClaim.some((r) => r.method === 'POST' && r.path === `/api/v1/namespaces/${HOSTS}/secrets`)).toBe(true);
    expect(byClaim.filter((r) => r.path.startsWith(`/api/v1/namespaces/${TENANT}/secrets`)).map((r) => r.method)).toEqual(expect.arrayContaining(['GET']));
    expect(byClaim.filter((r) => r.path.startsWith(`/api/v1/namespaces/${TENANT}/secrets`) && r.method !== 'GET')).toEqual([]);
  });

  it.each([
    { case: 'the claim function may not write host status', call: () => storeAs('claim').hosts.replaceStatus({ metadata: { name: 'rbac-claim-0', namespace: HOSTS, resourceVersion: '1' }, spec: { online: false } }, {}) },
    { case: 'the claim function may not write Secrets in a tenant namespace', call: () => storeAs('claim').putOwnedSecret({ namespace: TENANT, name: 'x', data: {}, owner: { metadata: { name: 'h', uid: 'u' }, spec: { online: false } }, labels: {} }) },
    { case: 'the watcher may not read a tenant\'s Secret', call: () => storeAs('watcher').readSecretData(TENANT, 'ud') },
    { case: 'the watcher may not write a claim', call: () => storeAs('watcher').replaceClaimStatus({ metadata: { name: 'c', namespace: TENANT, resourceVersion: '1' }, spec: {} }, {}) },
  ])('answers 403 when $case', async ({ call }) => {
    expect(await outcomeOf(call())).toBe(403);
  });

  it('lets the watcher list claims in every namespace', async () => {
    // Act
    const kc = api.kubeConfig({ token: api.tokenFor(NS, serviceAccountOf('watcher')) });
    const listed = await outcomeOf(kc.makeApiClient(CustomObjectsApi).listClusterCustomObject({ ...G, plural: 'hostclaims' }));
    // Assess
    expect(listed).toBe('ok');
  });
});
