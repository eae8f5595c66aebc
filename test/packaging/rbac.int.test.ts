/**
 * Least privilege, proven: the generated RBAC is loaded into the API fixture
 * with enforcement on, and each function's handler runs with a HostStore that
 * authenticates as that function's ServiceAccount, against a real Ironic.
 * A fake:// host walks its whole lifecycle (every function does its step),
 * and calls outside a Role answer 403.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import { CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { buildRequestedEvent } from '../../events/src/build.ts';
import { buildBareMetalHostCrd, buildHardwareDataCrd } from '../../shared/src/api/crd.ts';
import { createBmcRegistry } from '../../shared/src/bmc/registry.ts';
import { loadFunctionConfig } from '../../shared/src/handler/config.ts';
import { createHandler } from '../../shared/src/handler/create-handler.ts';
import type { HandlerResult } from '../../shared/src/handler/reply.ts';
import type { TransitionFunction } from '../../shared/src/handler/types.ts';
import { createIronicClient } from '../../shared/src/ironic/client.ts';
import type { HostStore, StoredHost } from '../../shared/src/k8s/host-store.ts';
import { createRestHostStoreFor } from '../../shared/src/k8s/rest-host-store.ts';
import { silentLogger } from '../../shared/src/log.ts';
import { buildRbac } from '../../shared/src/manifests/rbac.ts';
import { COMPONENTS, NAMESPACE, serviceAccountOf } from '../../shared/src/manifests/names.ts';
import type { Component } from '../../shared/src/manifests/names.ts';
import { withDefaults } from '../../shared/src/manifests/options.ts';
import { dueFor } from '../../shared/src/state-machine/guard.ts';
import { TRANSITION_NAMES } from '../../shared/src/state-machine/states.ts';
import type { TransitionName } from '../../shared/src/state-machine/states.ts';
import { createSecretVersionInformer, METADATA_LIST_ACCEPT, METADATA_WATCH_ACCEPT } from '../../functions/watcher/src/informer.ts';
import { enroll } from '../../functions/enroll/src/transition.ts';
import { inspect } from '../../functions/inspect/src/transition.ts';
import { provision } from '../../functions/provision/src/transition.ts';
import { power } from '../../functions/power/src/transition.ts';
import { deprovision } from '../../functions/deprovision/src/transition.ts';
import { startIronic } from '../bed/ironic.ts';
import type { IronicInstance } from '../bed/ironic.ts';
import { startKubeApi } from '../bed/kube-api/index.ts';
import type { KubeApiFixture } from '../bed/kube-api/index.ts';

/** the hosts and their Secrets (the Roles' namespace); the ServiceAccounts live in the operator's, NAMESPACE */
const NS = withDefaults().hostNamespace;
const TRANSITIONS: Record<TransitionName, TransitionFunction<never>> = {
  enroll, inspect, provision, power, deprovision,
} as unknown as Record<TransitionName, TransitionFunction<never>>;
const G = { group: 'metal3.io', version: 'v1alpha1', plural: 'baremetalhosts', namespace: NS };
const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

let ironic: IronicInstance | undefined;
let api: KubeApiFixture | undefined;
/** resourceVersion of the lifecycle host's BMC Secret as created */
let bmcSecretVersion: string | undefined;

/** A HostStore that authenticates as the component's ServiceAccount. */
const storeAs = (c: Component): HostStore =>
  createRestHostStoreFor(api!.kubeConfig({ token: api!.tokenFor(NAMESPACE, serviceAccountOf(c)) }), { instance: c, log: silentLogger }).hosts;

function handlerAs(fn: TransitionName) {
  const hosts = storeAs(fn);
  const config = loadFunctionConfig({ IRONIC_URL: ironic!.url, ENABLE_FAKE_BMC: 'true', BACKOFF_BASE_MS: '1000', REPLY_EVENTS: 'false' });
  return createHandler(TRANSITIONS[fn], {
    hosts, ironic: createIronicClient({ url: ironic!.url }), bmc: createBmcRegistry({ hosts, allowFake: true }), config, log: silentLogger,
  });
}

/** status code of a failed HostStore call (KubeRequestError.statusCode), or 'ok'. */
async function outcomeOf(p: Promise<unknown>): Promise<number | 'ok'> {
  try { await p; return 'ok'; } catch (e) { return (e as { statusCode?: number }).statusCode ?? -1; }
}

beforeAll(async () => {
  const rbacObjects = COMPONENTS.flatMap((c) => buildRbac(c, withDefaults())).map((o) => o.toJSON() as object);
  [ironic, api] = await Promise.all([
    startIronic({ hardwareTypes: ['fake-hardware'] }),
    startKubeApi({ crds: [buildBareMetalHostCrd(), buildHardwareDataCrd()], namespaces: ['default', NAMESPACE, NS], rbac: { enforce: true, objects: rbacObjects } }),
  ]);
  api.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'rbac-1-bmc', namespace: NS }, stringData: { password: 'x' } });
  // Ironic's client credentials live in the operator's namespace, out of every Role's reach
  api.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'ironic-credentials', namespace: NAMESPACE }, stringData: { username: 'ironic', password: 'y' } });
}, 120_000);

afterAll(async () => {
  await api?.stop();
  await ironic?.stop();
}, 60_000);

describe('generated RBAC on the API fixture with enforcement', () => {
  it('lets each function do its own step for a fake:// host, from registration to removal', async () => {
    // Prepare
    const admin = api!.kubeConfig().makeApiClient(CustomObjectsApi);
    bmcSecretVersion = api!.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'rbac-0-bmc', namespace: NS }, stringData: { username: 'admin', password: 'rbac-pw' } }).metadata.resourceVersion;
    api!.create({
      apiVersion: 'metal3.io/v1alpha1', kind: 'BareMetalHost', metadata: { name: 'rbac-0', namespace: NS },
      spec: { online: true, bootMACAddress: '52:54:00:aa:cc:01', bmc: { address: 'fake://rbac-0', credentialsName: 'rbac-0-bmc' } },
    });
    const handlers = Object.fromEntries(TRANSITION_NAMES.map((fn) => [fn, handlerAs(fn)])) as Record<TransitionName, ReturnType<typeof handlerAs>>;
    const ran = new Set<TransitionName>();
    const results: string[] = [];
    const get = async () => (await admin.getNamespacedCustomObject({ ...G, name: 'rbac-0' }).catch(() => undefined)) as StoredHost | undefined;
    const imageSet = { spec: { image: { url: 'http://127.0.0.1:9/os.qcow2', checksum: 'd41d8cd98f00b204e9800998ecf8427e', checksumType: 'md5', format: 'qcow2' } } };
    let imageGiven = false;
    let deleted = false;

    api!.control.clearRequests();

    // Act: the watcher's job, done by hand: send the due function its event until the host is gone
    const deadline = Date.now() + 150_000;
    for (let host = await get(); host && Date.now() < deadline; host = await get()) {
      const state = host.status?.provisioning?.state;
      if (state === 'available' && !imageGiven) { await admin.patchNamespacedCustomObject({ ...G, name: 'rbac-0', body: imageSet }, merge); imageGiven = true; continue; }
      if (state === 'provisioned' && host.status?.poweredOn === true && !deleted) { await admin.deleteNamespacedCustomObject({ ...G, name: 'rbac-0' }); deleted = true; continue; }
      const due = dueFor(host, { now: Date.now(), backoffBaseMs: 1000 });
      if (due.kind === 'none') { await sleep(300); continue; }
      const fn = due.by as TransitionName;
      const ev = buildRequestedEvent({ host, transition: fn, reason: 'resync', source: '/metal3/watcher/test' });
      const r: HandlerResult = await handlers[fn].processEvent({ ...ev });
      ran.add(fn);
      results.push(`${fn}@${state || '(new)'}: ${r.kind}${'errorType' in r ? ` ${r.errorType}: ${r.message}` : ''}${'reason' in r && r.kind === 'retry' ? ` ${r.reason}` : ''}`);
      if (r.kind === 'recorded' || r.kind === 'crashed' || r.kind === 'unauthorized') break;
      if (r.kind === 'retry' || r.kind === 'noop') await sleep(300);
    }

    // Assess: every function ran under its own Role, nothing was refused, the host is gone
    expect(results.filter((r) => /forbidden|403|recorded|crashed/i.test(r))).toEqual([]);
    expect([...ran].sort()).toEqual([...TRANSITION_NAMES].sort());
    expect(await get()).toBeUndefined();
    // Kubernetes Event failures are only logged by HostStore: the request log shows none was refused
    const byFunctions = api!.control.requests.filter((r) => r.user.startsWith(`system:serviceaccount:${NAMESPACE}:`));
    expect(byFunctions.filter((r) => r.status === 403).map((r) => `${r.user} ${r.verb} ${r.path}`)).toEqual([]);
    // transitions record Events (a successful power step records none): each was accepted
    const events = byFunctions.filter((r) => r.method === 'POST' && r.path.includes('/apis/events.k8s.io/v1/'));
    expect(new Set(events.map((r) => r.user.split(':').pop())).size).toBeGreaterThanOrEqual(3);
    expect(events.filter((r) => r.status !== 201)).toEqual([]);
  }, 200_000);

  it.each([
    { case: 'power may not patch finalizers', as: 'power' as Component, call: (s: HostStore, h: StoredHost) => s.setFinalizers(h, []) },
    { case: 'provision may not patch annotations', as: 'provision' as Component, call: (s: HostStore, h: StoredHost) => s.setAnnotations(h, { x: 'y' }) },
    { case: 'provision may not write HardwareData', as: 'provision' as Component, call: (s: HostStore, h: StoredHost) => s.upsertHardwareData(h, {}) },
    { case: 'power may not write HardwareData', as: 'power' as Component, call: (s: HostStore, h: StoredHost) => s.upsertHardwareData(h, {}) },
    { case: 'the watcher may not write status', as: 'watcher' as Component, call: (s: HostStore, h: StoredHost) => s.replaceStatus(h, {}) },
    { case: 'the watcher may not read Secrets', as: 'watcher' as Component, call: (s: HostStore) => s.readSecret(NS, 'rbac-1-bmc') },
    ...TRANSITION_NAMES.map((fn) => ({ case: `${fn} may not read a Secret of the operator's namespace (Ironic's)`, as: fn as Component, call: (s: HostStore) => s.readSecret(NAMESPACE, 'ironic-credentials') })),
  ])('answers 403 when $case', async ({ as, call }) => {
    // Prepare
    const host = api!.create({ apiVersion: 'metal3.io/v1alpha1', kind: 'BareMetalHost', metadata: { name: `rbac-${as}-${Math.random().toString(36).slice(2, 8)}`, namespace: NS }, spec: { online: false } }) as unknown as StoredHost;
    // Act
    const code = await outcomeOf(call(storeAs(as), host));
    // Assess
    expect(code).toBe(403);
  });

  it('lets the same calls through for the component whose Role grants them (the 403s are not blanket denials)', async () => {
    const host = api!.create({ apiVersion: 'metal3.io/v1alpha1', kind: 'BareMetalHost', metadata: { name: 'rbac-allowed', namespace: NS }, spec: { online: false } }) as unknown as StoredHost;
    expect(await outcomeOf(storeAs('deprovision').setFinalizers(host, []))).toBe('ok');
    expect(await outcomeOf(storeAs('enroll').readSecret(NS, 'rbac-1-bmc'))).toBe('ok');
    const fresh = await storeAs('inspect').get(NS, 'rbac-allowed');
    expect(await outcomeOf(storeAs('inspect').upsertHardwareData(fresh, {}))).toBe('ok');
  });

  it('lets the watcher list and watch Secrets as metadata only under its Role, and nothing writes a Secret', async () => {
    // Prepare
    api!.control.clearRequests();
    const seen: string[] = [];
    const informer = createSecretVersionInformer({
      kubeConfig: api!.kubeConfig({ token: api!.tokenFor(NAMESPACE, serviceAccountOf('watcher')) }), namespace: NS, log: silentLogger,
      onChange: (e) => seen.push(e.secret.metadata.name),
    });
    // Act
    await informer.start();
    await sleep(200);
    await informer.stop();
    // Assess
    expect(seen).toContain('rbac-1-bmc');
    const secretCalls = api!.control.requests.filter((r) => r.path.includes('/secrets'));
    expect(secretCalls.map((r) => `${r.verb} ${r.accept} ${r.status}`).sort()).toEqual([`list ${METADATA_LIST_ACCEPT} 200`, `watch ${METADATA_WATCH_ACCEPT} 200`]);
  });
});

describe('Secrets are never written by the host components', () => {
  it('refuses enroll (and every other host component) a Secret patch: no Role grants it', async () => {
    // the claim function writes its copies of tenants' data Secrets in the hosts' namespace: RBAC cannot
    // tell a copy from a BMC Secret, so it may patch (docs/permissions.md says so); every other one may not
    for (const c of COMPONENTS.filter((x) => x !== 'claim')) {
      const client = api!.kubeConfig({ token: api!.tokenFor(NAMESPACE, serviceAccountOf(c)) }).makeApiClient(CoreV1Api);
      const code = await outcomeOf(client.patchNamespacedSecret({ namespace: NS, name: 'rbac-1-bmc', body: { metadata: { labels: { 'environment.metal3.io': 'baremetal' } } } }, merge)
        .catch((e: { code?: number }) => { throw Object.assign(new Error('refused'), { statusCode: e.code }); }));
      expect([c, code]).toEqual([c, 403]);
    }
  });
  // the lifecycle above ran enroll to the end: the Secret is unchanged, resourceVersion and all
  it('leaves the BMC Secret as the user wrote it after a whole lifecycle', async () => {
    const secret = await api!.kubeConfig().makeApiClient(CoreV1Api).readNamespacedSecret({ namespace: NS, name: 'rbac-0-bmc' });
    expect(secret.metadata?.labels ?? {}).toEqual({});
    expect(secret.metadata?.resourceVersion).toBe(bmcSecretVersion);
  });
});
