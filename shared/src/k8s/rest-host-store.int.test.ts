/**
 * The REST HostStore against a real API: the fixture, or the cluster `KUBECONFIG` names
 * (fault injection and RBAC cases run on the fixture only). The connection is loaded from a
 * kubeconfig file the way the functions load it; setup and checks go through client-node,
 * an independent client.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CoreV1Api, CustomObjectsApi, EventsV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { buildBareMetalHostCrd, buildHardwareDataCrd } from '../api/crd.ts';
import {
  HostConflictError, HostNotFoundError, KubeRequestError, KubeUnavailableError,
} from '../errors.ts';
import { createLogger } from '../log.ts';
import { connectCluster } from '../../../test/bed/cluster.ts';
import type { ClusterHandle } from '../../../test/bed/cluster.ts';
import type { HostStore, StoredHost } from './host-store.ts';
import { loadKubeConnection } from './kube-connection.ts';
import { createKubeRest } from './kube-rest.ts';
import type { KubeRest } from './kube-rest.ts';
import { createRestHostStore } from './rest-host-store.ts';

const onFixture = !process.env.KUBECONFIG;
const itFixture = onFixture ? it : it.skip;
const G = { group: 'metal3.io', version: 'v1alpha1' };
const SECRET_PASSWORD = 'rest-store-secret-pw';
const STATUS = { operationalStatus: 'OK', errorMessage: '', errorCount: 0, provisioningFailCount: 0, provisioning: { state: 'registering', ID: '' }, poweredOn: false };

let cluster: ClusterHandle;
let ns: string;
let custom: CustomObjectsApi;
const rests: KubeRest[] = [];
const logLines: string[] = [];

async function storeFor(options: { token?: string; timeoutMs?: number; now?: () => Date } = {}): Promise<HostStore> {
  const path = options.token ? await cluster.fixture!.writeKubeconfig(undefined, { token: options.token }) : await cluster.kubeconfigPath();
  const kube = createKubeRest({ connection: await loadKubeConnection({ env: { KUBECONFIG: path } }), ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}) });
  rests.push(kube);
  return createRestHostStore({ kube, instance: 'rest-store-test', log: createLogger({ level: 'warn', write: (l) => logLines.push(l) }), ...(options.now ? { now: options.now } : {}) });
}

async function createHost(name: string, metadata: object = {}): Promise<StoredHost> {
  return (await custom.createNamespacedCustomObject({
    ...G, plural: 'baremetalhosts', namespace: ns,
    body: {
      apiVersion: 'metal3.io/v1alpha1', kind: 'BareMetalHost', metadata: { name, namespace: ns, ...metadata },
      spec: { online: false, bootMACAddress: '52:54:00:aa:bb:01', bmc: { address: 'ipmi://127.0.0.1:6230', credentialsName: `${name}-bmc` } },
    },
  })) as StoredHost;
}

const rejection = (p: Promise<unknown>): Promise<Error> => p.then(() => new Error('resolved unexpectedly'), (e: unknown) => e as Error);

let store: HostStore;

beforeAll(async () => {
  cluster = await connectCluster({
    crds: [buildBareMetalHostCrd(), buildHardwareDataCrd()], namespacePrefix: 'rest-store',
    // admin stays allowed everything; the 403 case uses a Role-limited token
    fixtureOptions: { rbac: { enforce: true } },
  });
  ns = cluster.namespace;
  custom = cluster.kubeConfig().makeApiClient(CustomObjectsApi);
  store = await storeFor();
}, 120_000);

afterAll(async () => {
  for (const r of rests) r.close();
  await cluster?.stop();
}, 60_000);

describe('createRestHostStore', () => {
  it('gets a host as the API server stored it', async () => {
    // Prepare
    const created = await createHost('get-0');
    // Act
    const got = await store.get(ns, 'get-0');
    // Assess
    expect(got.metadata).toMatchObject({ name: 'get-0', namespace: ns, uid: created.metadata.uid, resourceVersion: created.metadata.resourceVersion });
    expect(got.spec).toMatchObject({ bootMACAddress: '52:54:00:aa:bb:01' });
  });

  it('lists the hosts of one namespace with their status (the provisioning limit counts them)', async () => {
    // Prepare
    const a = await store.replaceStatus(await createHost('list-a'), STATUS);
    // Act
    const listed = await store.listHosts(ns);
    // Assess
    expect(listed.find((h) => h.metadata.name === 'list-a')).toMatchObject({ metadata: { resourceVersion: a.metadata.resourceVersion }, status: STATUS });
    expect(listed.every((h) => h.metadata.namespace === ns)).toBe(true);
    expect(await store.listHosts(`${ns}-empty`)).toEqual([]);
  });

  it('throws HostNotFoundError naming the host when it does not exist', async () => {
    const err = await rejection(store.get(ns, 'absent'));
    expect(err).toBeInstanceOf(HostNotFoundError);
    expect(err.message).toMatch(new RegExp(`^get baremetalhost ${ns}/absent: 404 `));
  });

  it('replaces status when the resourceVersion still matches, through the status subresource', async () => {
    // Prepare
    const host = await createHost('status-0');
    // Act
    const after = await store.replaceStatus(host, STATUS);
    // Assess
    expect(after.status).toMatchObject(STATUS);
    expect(after.metadata.resourceVersion).not.toBe(host.metadata.resourceVersion);
    const read = (await custom.getNamespacedCustomObject({ ...G, plural: 'baremetalhosts', namespace: ns, name: 'status-0' })) as StoredHost;
    expect(read.status).toMatchObject(STATUS);
  });

  it('throws HostConflictError (409 from the resourceVersion precondition) when the resourceVersion is stale', async () => {
    // Prepare: someone else writes first
    const host = await createHost('stale-0');
    await custom.patchNamespacedCustomObject({ ...G, plural: 'baremetalhosts', namespace: ns, name: 'stale-0', body: [{ op: 'add', path: '/metadata/labels', value: { touched: 'yes' } }] },
      setHeaderOptions('Content-Type', PatchStrategy.JsonPatch));
    // Act
    const errors = await Promise.all([
      rejection(store.replaceStatus(host, STATUS)),
      rejection(store.setFinalizers(host, ['metal3.io/test'])),
      rejection(store.setAnnotations(host, { a: 'b' })),
    ]);
    // Assess
    for (const err of errors) expect(err).toBeInstanceOf(HostConflictError);
    for (const err of errors) expect(err.message).toMatch(/: 409 /);
    const read = (await store.get(ns, 'stale-0'));
    expect({ status: read.status, finalizers: read.metadata.finalizers, annotations: read.metadata.annotations }).toEqual({ status: undefined, finalizers: undefined, annotations: undefined });
  });

  it('rejects an invalid status with a permanent KubeRequestError (422 Invalid), not a conflict', async () => {
    const host = await createHost('invalid-0');
    const err = await rejection(store.replaceStatus(host, { ...STATUS, operationalStatus: 'bogus' }));
    expect(err).toBeInstanceOf(KubeRequestError);
    expect((err as KubeRequestError).statusCode).toBe(422);
    expect(err.message).toMatch(/operationalStatus/);
  });

  it('sets finalizers, and merges annotations onto those it read (set, replace, remove)', async () => {
    // Prepare
    const host = await createHost('meta-0', { annotations: { keep: '1', change: 'old', drop: 'x' } });
    // Act
    const withFinalizer = await store.setFinalizers(host, ['metal3.io/test']);
    const annotated = await store.setAnnotations(withFinalizer, { change: 'new', drop: undefined, add: 'y' });
    // Assess
    expect(annotated.metadata.finalizers).toEqual(['metal3.io/test']);
    expect(annotated.metadata.annotations).toEqual({ keep: '1', change: 'new', add: 'y' });
    // tidy: let the namespace go away on a real cluster
    await store.setFinalizers(annotated, []);
  });

  it('reads a Secret decoded with its labels, and null when it does not exist', async () => {
    // Prepare
    const core = cluster.kubeConfig().makeApiClient(CoreV1Api);
    await core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'bmc-0', labels: { a: 'b' } }, stringData: { username: 'admin', password: SECRET_PASSWORD } } });
    // Act
    const secret = await store.readSecret(ns, 'bmc-0');
    const absent = await store.readSecret(ns, 'bmc-absent');
    // Assess
    expect(secret).toMatchObject({ data: { username: 'admin', password: SECRET_PASSWORD }, labels: { a: 'b' } });
    expect(secret!.resourceVersion).toMatch(/^\d+$/);
    expect(absent).toBeNull();
  });

  it('records an events.k8s.io/v1 Event with a MicroTime eventTime regarding the host, note capped at 1 KiB', async () => {
    // Prepare
    const host = await createHost('event-0');
    // Act
    await store.recordEvent(host, { type: 'Warning', reason: 'RegistrationError', action: 'Enroll', note: 'n'.repeat(2000) });
    // Assess
    const events = await cluster.kubeConfig().makeApiClient(EventsV1Api).listNamespacedEvent({ namespace: ns });
    const ev = events.items.find((e) => e.regarding?.name === 'event-0');
    expect(ev).toMatchObject({
      type: 'Warning', reason: 'RegistrationError', action: 'Enroll', reportingController: 'metal3.io/metal3-functions', reportingInstance: 'rest-store-test',
      regarding: { apiVersion: 'metal3.io/v1alpha1', kind: 'BareMetalHost', name: 'event-0', namespace: ns, uid: host.metadata.uid },
    });
    expect(ev!.note).toHaveLength(1024);
    // an explicit `<host>.<hex time><random>` name: a real server refuses generateName "event-0."
    expect(ev!.metadata?.name).toMatch(/^event-0\.[0-9a-f]+$/);
    expect(ev!.eventTime).toBeDefined();
  });

  it('records two Events in the same instant under two names', async () => {
    // Prepare
    const host = await createHost('event-same-instant');
    const fixed = new Date('2026-12-05T10:00:00.000Z');
    const sameInstant = await storeFor({ now: () => fixed });
    // Act
    await Promise.all([
      sameInstant.recordEvent(host, { type: 'Normal', reason: 'Registered', action: 'Enroll', note: 'one' }),
      sameInstant.recordEvent(host, { type: 'Normal', reason: 'Provisioned', action: 'Provision', note: 'two' }),
    ]);
    // Assess
    const events = await cluster.kubeConfig().makeApiClient(EventsV1Api).listNamespacedEvent({ namespace: ns });
    expect(events.items.filter((e) => e.regarding?.name === 'event-same-instant').map((e) => e.reason).sort()).toEqual(['Provisioned', 'Registered']);
  });

  itFixture('sends eventTime with six fractional digits on the wire', async () => {
    // Prepare
    const host = await createHost('event-1');
    const before = cluster.fixture!.control.requests.length;
    // Act
    await store.recordEvent(host, { type: 'Normal', reason: 'Registered', action: 'Enroll', note: 'ok' });
    // Assess: the fixture rejects other precisions with 400, so a 201 proves the format
    const post = cluster.fixture!.control.requests.slice(before).find((r) => r.method === 'POST' && r.path.endsWith('/events'));
    expect(post?.status).toBe(201);
  });

  it('creates HardwareData owned by the host, then replaces its spec when it exists (409 → patch)', async () => {
    // Prepare
    const host = await createHost('hw-0');
    // Act
    await store.upsertHardwareData(host, { hostname: 'first', ramMebibytes: 1024 });
    await store.upsertHardwareData(host, { hostname: 'second', cpu: { arch: 'x86_64', count: 4 } });
    // Assess
    const hd = (await custom.getNamespacedCustomObject({ ...G, plural: 'hardwaredata', namespace: ns, name: 'hw-0' })) as { spec: unknown; metadata: { ownerReferences?: unknown[] } };
    expect(hd.spec).toEqual({ hardware: { hostname: 'second', cpu: { arch: 'x86_64', count: 4 } } });
    expect(hd.metadata.ownerReferences).toEqual([{ apiVersion: 'metal3.io/v1alpha1', kind: 'BareMetalHost', name: 'hw-0', uid: host.metadata.uid, controller: true }]);
  });

  itFixture('throws HostConflictError when the API server answers 409 to a status write', async () => {
    const host = await createHost('conflict-0');
    cluster.fixture!.control.failNext({ method: 'PATCH', pathPrefix: `/apis/metal3.io/v1alpha1/namespaces/${ns}/baremetalhosts/conflict-0/status`, status: 409, reason: 'Conflict', message: 'the object has been modified' });
    const err = await rejection(store.replaceStatus(host, STATUS));
    expect(err).toBeInstanceOf(HostConflictError);
    expect(err.message).toMatch(/: 409 the object has been modified/);
  });

  itFixture.each([500, 503])('throws KubeUnavailableError (retryable) on a %i', async (code) => {
    cluster.fixture!.control.failNext({ method: 'GET', pathPrefix: `/apis/metal3.io/v1alpha1/namespaces/${ns}/baremetalhosts/get-0`, status: code });
    const err = await rejection(store.get(ns, 'get-0'));
    expect(err).toBeInstanceOf(KubeUnavailableError);
    expect(err.message).toMatch(new RegExp(`^get baremetalhost ${ns}/get-0: ${code} `));
  });

  itFixture('gives up with KubeUnavailableError when the API server does not answer in time', async () => {
    const slow = await storeFor({ timeoutMs: 300 });
    cluster.fixture!.control.delayNext({ method: 'GET', pathPrefix: `/apis/metal3.io/v1alpha1/namespaces/${ns}/baremetalhosts/get-0`, ms: 3000 });
    const err = await rejection(slow.get(ns, 'get-0'));
    expect(err).toBeInstanceOf(KubeUnavailableError);
    expect(err.message).toBe(`get baremetalhost ${ns}/get-0: no complete answer within 300 ms`);
  });

  itFixture('throws a permanent KubeRequestError (403) for a write outside the token\'s Role', async () => {
    // Prepare: a ServiceAccount that may only read hosts
    const f = cluster.fixture!;
    f.create({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'host-reader', namespace: ns }, rules: [{ apiGroups: ['metal3.io'], resources: ['baremetalhosts'], verbs: ['get'] }] });
    f.create({
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'host-reader', namespace: ns },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'host-reader' }, subjects: [{ kind: 'ServiceAccount', name: 'reader', namespace: ns }],
    });
    const limited = await storeFor({ token: f.tokenFor(ns, 'reader') });
    const host = await limited.get(ns, 'get-0');
    // Act
    const err = await rejection(limited.replaceStatus(host, STATUS));
    // Assess
    expect(err).toBeInstanceOf(KubeRequestError);
    expect((err as KubeRequestError).statusCode).toBe(403);
    expect(err.message).toMatch(/cannot patch resource "baremetalhosts\/status"/);
  });

  itFixture('logs a failed Event write instead of throwing, without the Secret values it has seen', async () => {
    // Prepare
    const host = await createHost('event-2');
    await store.readSecret(ns, 'bmc-0');
    cluster.fixture!.control.failNext({ method: 'POST', pathPrefix: `/apis/events.k8s.io/v1/namespaces/${ns}/events`, status: 500, message: 'etcd down' });
    logLines.length = 0;
    // Act
    await store.recordEvent(host, { type: 'Normal', reason: 'Registered', action: 'Enroll', note: 'ok' });
    // Assess
    expect(logLines).toHaveLength(1);
    expect(JSON.parse(logLines[0]!)).toMatchObject({ level: 'warn', msg: 'could not record Kubernetes Event', reason: 'Registered', error: expect.stringMatching(/^create event: 500 /) });
    expect(logLines.join('\n')).not.toContain(SECRET_PASSWORD);
  });
});
