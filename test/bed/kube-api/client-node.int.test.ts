/**
 * @kubernetes/client-node 2.x against the Kubernetes API fixture (or the KUBECONFIG cluster):
 * CRUD, status subresource, patch content types, conflicts, Secrets, Events, informers and bookmarks.
 * Tests that need the fixture's control surface are skipped on a real cluster.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  ApiException, CoreV1Api, CustomObjectsApi, EventsV1Api, type KubernetesObject, PatchStrategy, V1MicroTime, Watch,
  makeInformer, setHeaderOptions,
} from '@kubernetes/client-node';
import { type ClusterHandle, connectCluster } from '../cluster.ts';
import { WIDGETS, widgetCrd } from './fixtures/widget-crd.ts';
import { eventually } from './kubectl-runner.ts';

const onFixture = !process.env.KUBECONFIG;
const itFixture = onFixture ? it : it.skip;

type Widget = KubernetesObject & { spec?: Record<string, unknown>; status?: Record<string, unknown> };

/** The Status body of a failed call (client-node keeps it as a JSON string). */
async function failure(p: Promise<unknown>): Promise<{ code: number; status: { reason: string; code: number; message: string; details?: { group?: string; causes?: { field?: string }[] } } }> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ApiException) return { code: e.code, status: JSON.parse(e.body as string) };
    throw e;
  }
  throw new Error('expected the call to fail');
}

describe('kube-api fixture driven by client-node', () => {
  let cluster: ClusterHandle;
  let custom: CustomObjectsApi;
  let core: CoreV1Api;
  let ns: string;
  const where = () => ({ group: WIDGETS.group, version: WIDGETS.version, plural: WIDGETS.plural, namespace: ns });
  const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
  const jsonPatch = setHeaderOptions('Content-Type', PatchStrategy.JsonPatch);
  const create = (name: string, spec: Record<string, unknown> = { size: 1 }, metadata: Record<string, unknown> = {}) =>
    custom.createNamespacedCustomObject({ ...where(), body: { apiVersion: WIDGETS.apiVersion, kind: WIDGETS.kind, metadata: { name, ...metadata }, spec } }) as Promise<Widget>;
  const get = (name: string) => custom.getNamespacedCustomObject({ ...where(), name }) as Promise<Widget>;

  beforeAll(async () => {
    cluster = await connectCluster({ crds: [widgetCrd()], namespacePrefix: 'cn', fixtureOptions: { bookmarkIntervalMs: 200 } });
    ns = cluster.namespace;
    custom = cluster.kubeConfig().makeApiClient(CustomObjectsApi);
    core = cluster.kubeConfig().makeApiClient(CoreV1Api);
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  it('creates, reads, lists by label, replaces and deletes a custom object', async () => {
    // Act
    const created = await create('crud', { size: 2 }, { labels: { rack: 'r1' } });
    await create('crud-other', { size: 2 }, { labels: { rack: 'r2' } });
    const listed = (await custom.listNamespacedCustomObject({ ...where(), labelSelector: 'rack in (r1)' })) as { items: Widget[]; metadata: { resourceVersion: string } };
    const replaced = (await custom.replaceNamespacedCustomObject({ ...where(), name: 'crud', body: { ...created, spec: { size: 9 } } })) as Widget;
    await custom.deleteNamespacedCustomObject({ ...where(), name: 'crud' });
    const gone = await failure(get('crud'));
    // Assess
    expect(created.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.metadata?.generation).toBe(1);
    expect(listed.items.map((i) => i.metadata?.name)).toEqual(['crud']);
    expect(Number(listed.metadata.resourceVersion)).toBeGreaterThanOrEqual(Number(created.metadata?.resourceVersion));
    expect(replaced.metadata?.generation).toBe(2);
    expect(gone.code).toBe(404);
    expect(gone.status.reason).toBe('NotFound');
  });

  it('drops status on create and changes only status through patchNamespacedCustomObjectStatus (merge patch)', async () => {
    // Prepare
    const created = (await custom.createNamespacedCustomObject({
      ...where(), body: { apiVersion: WIDGETS.apiVersion, kind: WIDGETS.kind, metadata: { name: 'status' }, spec: { size: 1 }, status: { phase: 'dropped' } },
    })) as Widget;
    // Act
    const patched = (await custom.patchNamespacedCustomObjectStatus({ ...where(), name: 'status', body: { spec: { size: 7 }, status: { phase: 'Ready' } } }, merge)) as Widget;
    const mainIgnoresStatus = (await custom.patchNamespacedCustomObject({ ...where(), name: 'status', body: { status: { phase: 'ignored' } } }, merge)) as Widget;
    // Assess
    expect(created.status).toBeUndefined();
    expect(patched.status).toEqual({ phase: 'Ready' });
    expect(patched.spec).toEqual({ size: 1 });
    expect(patched.metadata?.generation).toBe(1);
    expect(mainIgnoresStatus.status).toEqual({ phase: 'Ready' });
    expect(mainIgnoresStatus.metadata?.resourceVersion).toBe(patched.metadata?.resourceVersion);
  });

  it('answers 422 when a JSON patch test on resourceVersion fails, and applies it when it holds', async () => {
    // Prepare
    const w = await create('jsontest');
    // Act
    const stale = await failure(custom.patchNamespacedCustomObjectStatus({
      ...where(), name: 'jsontest', body: [{ op: 'test', path: '/metadata/resourceVersion', value: '1' }, { op: 'add', path: '/status', value: { phase: 'x' } }],
    }, jsonPatch));
    const fresh = (await custom.patchNamespacedCustomObjectStatus({
      ...where(), name: 'jsontest', body: [{ op: 'test', path: '/metadata/resourceVersion', value: w.metadata?.resourceVersion }, { op: 'add', path: '/status', value: { phase: 'ok' } }],
    }, jsonPatch)) as Widget;
    // Assess
    expect(stale.code).toBe(422);
    expect(stale.status.reason).toBe('Invalid');
    // as a real server (NewGenericServerResponse): a generic message, no cause naming the failed test
    expect(stale.status.message).toBe('the server rejected our request due to an error in our request');
    expect(stale.status.details?.causes ?? []).toEqual([]);
    expect(fresh.status).toEqual({ phase: 'ok' });
  });

  it('answers 409 Conflict to a replace with a stale resourceVersion', async () => {
    const w = await create('stale');
    await custom.patchNamespacedCustomObject({ ...where(), name: 'stale', body: { spec: { size: 2 } } }, merge);
    const out = await failure(custom.replaceNamespacedCustomObject({ ...where(), name: 'stale', body: { ...w, spec: { size: 3 } } }));
    expect(out.code).toBe(409);
    expect(out.status.reason).toBe('Conflict');
    expect(out.status.message).toContain('the object has been modified');
  });

  it('answers 422 Invalid with causes for a schema violation', async () => {
    const out = await failure(create('invalid', { size: 'big' }));
    expect(out.code).toBe(422);
    expect(out.status.details?.causes?.map((c) => c.field)).toEqual(['spec.size']);
    expect(out.status.message).toContain('spec.size in body must be of type integer');
  });

  it('stores a Secret from stringData as base64 data', async () => {
    await core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'bmc' }, stringData: { password: 's3cret' } } });
    const read = await core.readNamespacedSecret({ namespace: ns, name: 'bmc' });
    expect(read.type).toBe('Opaque');
    expect(read.data).toEqual({ password: Buffer.from('s3cret').toString('base64') });
    expect(read.stringData).toBeUndefined();
  });

  it('creates an events.k8s.io/v1 Event with a V1MicroTime eventTime and a generateName ending in a dash', async () => {
    // Prepare
    const events = cluster.kubeConfig().makeApiClient(EventsV1Api);
    const body = {
      metadata: { generateName: 'widget-a-' }, eventTime: new V1MicroTime(), type: 'Normal', reason: 'Tested', action: 'Test', note: 'hello',
      reportingController: 'metal3.io/test', reportingInstance: 'test-0', regarding: { apiVersion: WIDGETS.apiVersion, kind: WIDGETS.kind, name: 'a', namespace: ns },
    };
    // Act
    const created = await events.createNamespacedEvent({ namespace: ns, body });
    // Assess
    expect(created.metadata?.name).toMatch(/^widget-a-[a-z0-9]{5}$/);
    expect(created.reason).toBe('Tested');
    const listed = await events.listNamespacedEvent({ namespace: ns });
    expect(listed.items.map((e) => e.metadata?.name)).toContain(created.metadata?.name);
  });

  it('refuses a generateName that is not a DNS subdomain prefix (only a trailing dash is masked), as a real server does', async () => {
    // Prepare
    const events = cluster.kubeConfig().makeApiClient(EventsV1Api);
    const body = {
      metadata: { generateName: 'widget-a.' }, eventTime: new V1MicroTime(), type: 'Normal', reason: 'Tested', action: 'Test', note: 'hello',
      reportingController: 'metal3.io/test', reportingInstance: 'test-0', regarding: { apiVersion: WIDGETS.apiVersion, kind: WIDGETS.kind, name: 'a', namespace: ns },
    };
    // Act
    const out = await failure(events.createNamespacedEvent({ namespace: ns, body }));
    // Assess
    expect(out.code).toBe(422);
    expect(out.status.reason).toBe('Invalid');
    expect(out.status.details?.causes?.map((c) => c.field)).toEqual(['metadata.generateName']);
    // kube-apiserver 1.32 validates events.k8s.io Events as core Events: the message names no group
    expect(out.status.details?.group).toBeUndefined();
    expect(out.status.message).toMatch(/^Event "widget-a\.[a-z0-9]{5}" is invalid: metadata\.generateName: Invalid value: "widget-a\.": a lowercase RFC 1123 subdomain/);
  });

  it('cuts a long generateName to 58 characters before the 5 random ones (names.SimpleNameGenerator)', async () => {
    // Prepare
    const events = cluster.kubeConfig().makeApiClient(EventsV1Api);
    const prefix = `${'w'.repeat(70)}-`;
    const body = {
      metadata: { generateName: prefix }, eventTime: new V1MicroTime(), type: 'Normal', reason: 'Tested', action: 'Test', note: 'long',
      reportingController: 'metal3.io/test', reportingInstance: 'test-0', regarding: { apiVersion: WIDGETS.apiVersion, kind: WIDGETS.kind, name: 'a', namespace: ns },
    };
    // Act
    const created = await events.createNamespacedEvent({ namespace: ns, body });
    // Assess
    expect(created.metadata?.name).toMatch(new RegExp(`^${'w'.repeat(58)}[bcdfghjklmnpqrstvwxz2456789]{5}$`));
  });

  it('lets an informer see add, update and one delete after a finalizer is released', async () => {
    // Prepare
    const seen: string[] = [];
    const path = `/apis/${WIDGETS.group}/${WIDGETS.version}/namespaces/${ns}/${WIDGETS.plural}`;
    const informer = makeInformer<Widget>(cluster.kubeConfig(), path, () => custom.listNamespacedCustomObject({ ...where(), labelSelector: 'inf=1' }) as never, 'inf=1');
    informer.on('add', (o) => seen.push(`add ${o.metadata?.name}`));
    informer.on('update', (o) => seen.push(`update ${o.metadata?.name} ${o.metadata?.deletionTimestamp ? 'deleting' : `size=${String(o.spec?.size)}`}`));
    informer.on('delete', (o) => seen.push(`delete ${o.metadata?.name}`));
    await informer.start();
    try {
      // Act
      await create('inf', { size: 1 }, { labels: { inf: '1' }, finalizers: ['test.metal3.io/hold'] });
      await eventually(() => seen.includes('add inf'));
      await custom.patchNamespacedCustomObject({ ...where(), name: 'inf', body: { spec: { size: 2 } } }, merge);
      await custom.deleteNamespacedCustomObject({ ...where(), name: 'inf' });
      await custom.patchNamespacedCustomObject({ ...where(), name: 'inf', body: { metadata: { finalizers: null } } }, merge);
      await eventually(() => seen.includes('delete inf'));
      // Assess
      await new Promise((r) => setTimeout(r, 300));
      expect(seen).toEqual(['add inf', 'update inf size=2', 'update inf deleting', 'delete inf']);
    } finally {
      await informer.stop();
    }
  });

  itFixture('keeps an informer current across cut watch streams and a forced 410 relist', async () => {
    // Prepare
    const fixture = cluster.fixture!;
    const sizes = new Map<string, unknown>();
    const deleted: string[] = [];
    const path = `/apis/${WIDGETS.group}/${WIDGETS.version}/namespaces/${ns}/${WIDGETS.plural}`;
    const informer = makeInformer<Widget>(cluster.kubeConfig(), path, () => custom.listNamespacedCustomObject({ ...where(), labelSelector: 'res=1' }) as never, 'res=1');
    informer.on('add', (o) => sizes.set(o.metadata!.name!, o.spec?.size));
    informer.on('update', (o) => sizes.set(o.metadata!.name!, o.spec?.size));
    informer.on('delete', (o) => deleted.push(o.metadata!.name!));
    await create('res-a', { size: 1 }, { labels: { res: '1' } });
    await create('res-b', { size: 1 }, { labels: { res: '1' } });
    await informer.start();
    try {
      await eventually(() => sizes.size === 2);
      const lists = () => fixture.control.requests.filter((r) => r.path === path && r.verb === 'list').length;
      const listsBefore = lists();
      // Act 1: the stream is cut; the informer re-watches from its last RV
      fixture.control.closeWatches();
      await custom.patchNamespacedCustomObject({ ...where(), name: 'res-a', body: { spec: { size: 2 } } }, merge);
      await eventually(() => sizes.get('res-a') === 2);
      // Act 2: history expires while it is cut; the resume answers 410 and the informer relists
      fixture.control.expireHistory();
      fixture.control.closeWatches();
      await custom.deleteNamespacedCustomObject({ ...where(), name: 'res-b' });
      await custom.patchNamespacedCustomObject({ ...where(), name: 'res-a', body: { spec: { size: 3 } } }, merge);
      // Assess
      await eventually(() => sizes.get('res-a') === 3 && deleted.includes('res-b'), { timeoutMs: 20_000 });
      expect(lists()).toBeGreaterThan(listsBefore);
      expect(informer.list().map((o) => o.metadata?.name)).toEqual(['res-a']);
    } finally {
      await informer.stop();
    }
  });

  itFixture('sends a BOOKMARK with the resource\'s newest resourceVersion once it moved on, and none before', async () => {
    // Prepare
    const fixture = cluster.fixture!;
    const elsewhere = `${ns}-bm`;
    fixture.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: elsewhere } });
    const bookmarks: string[] = [];
    const watch = new Watch(cluster.kubeConfig());
    const path = `/apis/${WIDGETS.group}/${WIDGETS.version}/namespaces/${ns}/${WIDGETS.plural}`;
    const ctrl = await watch.watch(path, { allowWatchBookmarks: true, resourceVersion: fixture.control.resourceVersion() },
      (type, obj: Widget) => { if (type === 'BOOKMARK') bookmarks.push(obj.metadata!.resourceVersion!); }, () => undefined);
    try {
      await new Promise((r) => setTimeout(r, 600)); // three bookmark periods with nothing new
      const quiet = bookmarks.length;
      // Act: a widget in another namespace, outside this watch
      const other = fixture.create({ apiVersion: `${WIDGETS.group}/${WIDGETS.version}`, kind: 'Widget', metadata: { name: 'other', namespace: elsewhere }, spec: { size: 1 } });
      await eventually(() => bookmarks.length > quiet);
      // Assess
      expect(quiet).toBe(0);
      expect(bookmarks).toEqual([other.metadata.resourceVersion]);
    } finally {
      ctrl.abort();
    }
  });

  itFixture('answers injected failures with a Status of that code, then serves normally', async () => {
    const fixture = cluster.fixture!;
    fixture.control.failNext({ method: 'GET', pathPrefix: `/apis/${WIDGETS.group}`, status: 500, times: 1 });
    await create('flaky');
    const first = await failure(get('flaky'));
    const second = await get('flaky');
    expect(first.code).toBe(500);
    expect(first.status.reason).toBe('InternalError');
    expect(second.metadata?.name).toBe('flaky');
  });

  itFixture('rejects protobuf request bodies with 415', async () => {
    const fixture = cluster.fixture!;
    const res = await fetch(`${fixture.url}/api/v1/namespaces/${ns}/secrets`, { method: 'POST', headers: { 'content-type': 'application/vnd.kubernetes.protobuf' }, body: 'k8s\0' });
    const body = (await res.json()) as { reason: string };
    expect(res.status).toBe(415);
    expect(body.reason).toBe('UnsupportedMediaType');
  });
});
