/**
 * Where a real kube-apiserver 1.32 and the fixture must answer alike: the same requests, asserted the
 * same way, run against the fixture (`npm test`) and against the real server (`npm run test:real-kube`,
 * KUBECONFIG). Each case is a behaviour the fixture once got wrong: CRD defaulting, nulls on
 * non-nullable fields, 410 for a resourceVersion from before a resource's history, BOOKMARK timing,
 * namespace termination, YAML request bodies, aggregated discovery, metadata-only (PartialObjectMetadata) answers.
 *
 * Raw HTTP on purpose: clients smooth over exactly the differences this suite is about.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { kubeconfigConnection } from '../../../shared/src/k8s/kube-connection.ts';
import type { KubeConnection } from '../../../shared/src/k8s/kube-connection.ts';
import { type ClusterHandle, connectCluster } from '../cluster.ts';
import { PROJECT_CRDS } from '../real-kube/index.ts';

interface Answer {
  status: number;
  contentType: string;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- wire JSON, asserted field by field
}

interface WatchFrame {
  atMs: number;
  type: string;
  object: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- wire JSON
}

const onFixture = !process.env.KUBECONFIG;
const itFixture = onFixture ? it : it.skip;
const BMH = '/apis/metal3.io/v1alpha1';
const METADATA_LIST = 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1';
const METADATA = 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1';
const AGGREGATED = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json';

describe('fixture fidelity: answers a real kube-apiserver 1.32 gives', () => {
  let cluster: ClusterHandle;
  let conn: KubeConnection;
  let ns: string;
  const extraNamespaces: string[] = [];

  function send(method: string, path: string, options: { body?: string; contentType?: string; accept?: string } = {}): Promise<Answer> {
    return open(method, path, options, (res, resolve) => {
      let raw = '';
      res.on('data', (c: Buffer) => { raw += c.toString(); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), body: raw ? JSON.parse(raw) : undefined }));
    });
  }

  /** Every frame of one watch until the server ends it, with its arrival time. */
  function watch(path: string, accept?: string): Promise<WatchFrame[]> {
    const start = Date.now();
    return open('GET', path, accept ? { accept } : {}, (res, resolve) => {
      const frames: WatchFrame[] = [];
      let buf = '';
      res.on('data', (c: Buffer) => {
        buf += c.toString();
        for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
          const line = buf.slice(0, i).trim();
          buf = buf.slice(i + 1);
          if (line) frames.push({ atMs: Date.now() - start, ...(JSON.parse(line) as { type: string; object: unknown }) });
        }
      });
      res.on('end', () => resolve(frames));
    });
  }

  async function open<T>(
    method: string, path: string, options: { body?: string; contentType?: string; accept?: string },
    collect: (res: import('node:http').IncomingMessage, resolve: (v: T) => void) => void,
  ): Promise<T> {
    const token = await conn.bearerToken();
    const url = new URL(path, conn.server);
    const headers: Record<string, string> = { Accept: options.accept ?? 'application/json' };
    if (token) headers.Authorization = `Bearer ${token}`;
    if (options.body !== undefined) headers['Content-Type'] = options.contentType ?? 'application/json';
    const req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, { method, headers, ...conn.tls });
    return new Promise<T>((resolve, reject) => {
      req.on('response', (res) => collect(res, resolve));
      req.on('error', reject);
      req.end(options.body);
    });
  }

  const host = (name: string, spec: Record<string, unknown>, metadata: Record<string, unknown> = {}) =>
    JSON.stringify({ apiVersion: 'metal3.io/v1alpha1', kind: 'BareMetalHost', metadata: { name, ...metadata }, spec });

  async function newNamespace(prefix: string): Promise<string> {
    const name = `${prefix}-${ns.split('-')[1]}`;
    expect((await send('POST', '/api/v1/namespaces', { body: JSON.stringify({ metadata: { name } }) })).status).toBe(201);
    extraNamespaces.push(name);
    return name;
  }

  beforeAll(async () => {
    cluster = await connectCluster({ crds: PROJECT_CRDS, namespacePrefix: 'fidelity' });
    ns = cluster.namespace;
    conn = await kubeconfigConnection([await cluster.kubeconfigPath()]);
  });

  afterAll(async () => {
    for (const name of extraNamespaces) await send('DELETE', `/api/v1/namespaces/${name}`).catch(() => undefined);
    await cluster?.stop();
  });

  it('fills CRD defaults where the parent object exists: spec on create, status on a status write', async () => {
    // Act
    const created = await send('POST', `${BMH}/namespaces/${ns}/baremetalhosts`, { body: host('defaults', { online: false }) });
    const patched = await send('PATCH', `${BMH}/namespaces/${ns}/baremetalhosts/defaults/status`, {
      body: JSON.stringify({ status: { operationalStatus: 'discovered', errorMessage: '', poweredOn: false, provisioning: { state: 'unmanaged', ID: '' } } }), contentType: 'application/merge-patch+json',
    });
    // Assess
    expect(created.status).toBe(201);
    expect(created.body.spec).toEqual({ online: false, automatedCleaningMode: 'metadata' });
    expect(created.body.status).toBeUndefined();
    expect(patched.status).toBe(200);
    expect(patched.body.status.errorCount).toBe(0);
    expect(patched.body.status.operationalStatus).toBe('discovered');
  });

  it('drops a null on a field that is not nullable (200), where it once answered 422', async () => {
    const created = await send('POST', `${BMH}/namespaces/${ns}/baremetalhosts`, { body: host('nulls', { online: true, description: null, bmc: null }) });
    expect(created.status).toBe(201);
    expect(created.body.spec).toEqual({ online: true, automatedCleaningMode: 'metadata' });
  });

  it('answers a watch from before the resource\'s history with one ERROR 410 Expired event', async () => {
    const frames = await watch(`${BMH}/namespaces/${ns}/baremetalhosts?watch=true&resourceVersion=1&timeoutSeconds=5`);
    expect(frames).toHaveLength(1);
    expect(frames[0]!.type).toBe('ERROR');
    expect(frames[0]!.object).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'Expired', code: 410 });
    expect(frames[0]!.object.message).toMatch(/^too old resource version: 1 \(\d+\)$/);
  });

  it('ends the initial events of a watch without a resourceVersion with the initial-events-end BOOKMARK', async () => {
    // Prepare
    await send('POST', `${BMH}/namespaces/${ns}/baremetalhosts`, { body: host('initial', { online: false }) });
    // Act
    const frames = await watch(`${BMH}/namespaces/${ns}/baremetalhosts?watch=true&allowWatchBookmarks=true&timeoutSeconds=3`);
    // Assess
    expect(frames.map((f) => f.type)).toEqual([...frames.slice(0, -1).map(() => 'ADDED'), 'BOOKMARK']);
    expect(frames.filter((f) => f.type === 'ADDED').map((f) => f.object.metadata.name)).toContain('initial');
    const end = frames.at(-1)!.object;
    expect(end.metadata.annotations['k8s.io/initial-events-end']).toBe('true');
    expect(JSON.parse(Buffer.from(end.metadata.annotations['kubernetes.io/initial-events-list-blueprint'], 'base64').toString())).toEqual({
      apiVersion: 'metal3.io/v1alpha1', items: [], kind: 'BareMetalHostList',
    });
  });

  it('sends a BOOKMARK only 2 s before the deadline (not every few seconds), and only when the resource moved on', async () => {
    // Prepare: a watch resumed from now, in this namespace; a change to the same resource elsewhere
    const other = await newNamespace('fidelity-other');
    const rv = (await send('GET', `${BMH}/namespaces/${ns}/baremetalhosts`)).body.metadata.resourceVersion as string;
    const quiet = watch(`/api/v1/namespaces/${ns}/secrets?watch=true&allowWatchBookmarks=true&timeoutSeconds=6&resourceVersion=${rv}`);
    const moved = watch(`${BMH}/namespaces/${ns}/baremetalhosts?watch=true&allowWatchBookmarks=true&timeoutSeconds=6&resourceVersion=${rv}`);
    await new Promise((r) => setTimeout(r, 500));
    // Act
    const elsewhere = await send('POST', `${BMH}/namespaces/${other}/baremetalhosts`, { body: host('elsewhere', { online: false }) });
    const [quietFrames, movedFrames] = await Promise.all([quiet, moved]);
    // Assess: the out-of-scope change is not delivered; its resourceVersion arrives as the pre-deadline bookmark
    // on a shared real server other suites move Secrets and hosts too: more bookmarks may come, never events
    if (onFixture) {
      expect(quietFrames).toEqual([]);
      expect(movedFrames.map((f) => f.type)).toEqual(['BOOKMARK']);
    } else {
      expect(quietFrames.every((f) => f.type === 'BOOKMARK' && f.atMs > 3000)).toBe(true);
      expect(movedFrames.length).toBeGreaterThanOrEqual(1);
      expect(movedFrames.every((f) => f.type === 'BOOKMARK')).toBe(true);
    }
    // a real server's cache may also have heard of later revisions from etcd: at least the change's
    expect(Number(movedFrames[0]!.object.metadata.resourceVersion)).toBeGreaterThanOrEqual(Number(elsewhere.body.metadata.resourceVersion));
    expect(movedFrames[0]!.atMs).toBeGreaterThan(3000);
    expect(movedFrames[0]!.atMs).toBeLessThan(6000);
  }, 20_000);

  it('accepts a YAML request body', async () => {
    const created = await send('POST', `/api/v1/namespaces/${ns}/secrets`, {
      body: 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: from-yaml\nstringData:\n  username: admin\n', contentType: 'application/yaml',
    });
    expect(created.status).toBe(201);
    expect(created.body.data).toEqual({ username: Buffer.from('admin').toString('base64') });
  });

  it('answers metadata only when asked: a PartialObjectMetadataList for a list, a PartialObjectMetadata for a get and each watch event', async () => {
    // Prepare: a Secret whose data must never be on the wire
    const password = 'never-on-the-wire';
    const created = await send('POST', `/api/v1/namespaces/${ns}/secrets`, { body: JSON.stringify({ metadata: { name: 'metadata-only', labels: { a: 'b' } }, stringData: { password } }) });
    expect(created.status).toBe(201);
    const leaks = (body: unknown) => [password, Buffer.from(password).toString('base64'), '"data"', '"type"'].filter((s) => JSON.stringify(body).includes(s));
    // Act
    const list = await send('GET', `/api/v1/namespaces/${ns}/secrets`, { accept: METADATA_LIST });
    const get = await send('GET', `/api/v1/namespaces/${ns}/secrets/metadata-only`, { accept: METADATA });
    const frames = await watch(`/api/v1/namespaces/${ns}/secrets?watch=true&allowWatchBookmarks=true&timeoutSeconds=2`, METADATA);
    // Assess: the list
    expect(list.status).toBe(200);
    expect(list.contentType).toBe('application/json');
    expect(list.body).toMatchObject({ kind: 'PartialObjectMetadataList', apiVersion: 'meta.k8s.io/v1', metadata: { resourceVersion: expect.any(String) } });
    const item = list.body.items.find((i: { metadata: { name: string } }) => i.metadata.name === 'metadata-only');
    expect(Object.keys(item)).toEqual(['kind', 'apiVersion', 'metadata']);
    expect(item).toMatchObject({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: { name: 'metadata-only', namespace: ns, labels: { a: 'b' }, resourceVersion: created.body.metadata.resourceVersion, uid: created.body.metadata.uid } });
    expect(leaks(list.body)).toEqual([]);
    // the get
    expect(get.status).toBe(200);
    expect(Object.keys(get.body)).toEqual(['kind', 'apiVersion', 'metadata']);
    expect(get.body).toMatchObject({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: { name: 'metadata-only', resourceVersion: created.body.metadata.resourceVersion } });
    expect(leaks(get.body)).toEqual([]);
    // the watch: metadata per event, then the initial-events-end bookmark with a metadata-list blueprint
    expect(frames.map((f) => f.type)).toEqual([...frames.slice(0, -1).map(() => 'ADDED'), 'BOOKMARK']);
    const added = frames.find((f) => f.type === 'ADDED' && f.object.metadata.name === 'metadata-only')!;
    expect(Object.keys(added.object)).toEqual(['kind', 'apiVersion', 'metadata']);
    expect(added.object).toMatchObject({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1' });
    const end = frames.at(-1)!.object;
    expect(end).toMatchObject({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: { annotations: { 'k8s.io/initial-events-end': 'true' } } });
    expect(JSON.parse(Buffer.from(end.metadata.annotations['kubernetes.io/initial-events-list-blueprint'], 'base64').toString())).toEqual({
      kind: 'PartialObjectMetadataList', apiVersion: 'meta.k8s.io/v1', metadata: {}, items: null,
    });
    expect(leaks(frames.map((f) => f.object))).toEqual([]);
  });

  it('answers an empty metadata-only list with items: null, as the real server does', async () => {
    const list = await send('GET', `/api/v1/namespaces/${ns}/configmaps?labelSelector=nothing%3Dmatches`, { accept: METADATA_LIST });
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({ kind: 'PartialObjectMetadataList', items: null });
  });

  it('refuses the metadata form that does not fit with 406 NotAcceptable (an object form on a list, a list form on a get)', async () => {
    await send('POST', `/api/v1/namespaces/${ns}/secrets`, { body: JSON.stringify({ metadata: { name: 'metadata-form' }, stringData: { a: 'b' } }) });
    const list = await send('GET', `/api/v1/namespaces/${ns}/secrets`, { accept: METADATA });
    const get = await send('GET', `/api/v1/namespaces/${ns}/secrets/metadata-form`, { accept: METADATA_LIST });
    expect(list.status).toBe(406);
    expect(list.body).toMatchObject({ kind: 'Status', reason: 'NotAcceptable', code: 406, message: 'you requested PartialObjectMetadata, but the requested object is a list (*core.SecretList)' });
    expect(get.status).toBe(406);
    expect(get.body).toMatchObject({ kind: 'Status', reason: 'NotAcceptable', code: 406, message: 'you requested PartialObjectMetadataList, but the requested object is not a list (*core.Secret)' });
  });

  it('serves aggregated discovery (v2) with the project\'s resources, verbs, short names and subresources', async () => {
    const apis = await send('GET', '/apis', { accept: AGGREGATED });
    expect(apis.status).toBe(200);
    expect(apis.contentType).toBe('application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
    expect(apis.body).toMatchObject({ kind: 'APIGroupDiscoveryList', apiVersion: 'apidiscovery.k8s.io/v2' });
    const metal3 = apis.body.items.find((g: { metadata: { name: string } }) => g.metadata.name === 'metal3.io');
    const bmh = metal3.versions[0].resources.find((r: { resource: string }) => r.resource === 'baremetalhosts');
    expect(metal3.versions[0]).toMatchObject({ version: 'v1alpha1', freshness: 'Current' });
    expect(bmh).toMatchObject({
      responseKind: { group: 'metal3.io', version: 'v1alpha1', kind: 'BareMetalHost' },
      scope: 'Namespaced', singularResource: 'baremetalhost', shortNames: ['bmh', 'bmhost'],
      subresources: [{ subresource: 'status', verbs: ['get', 'patch', 'update'] }],
    });
    expect([...bmh.verbs].sort()).toEqual(['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch']);
    const core = await send('GET', '/api', { accept: AGGREGATED });
    expect(core.body.items.map((g: { metadata: { name?: string } }) => g.metadata.name ?? '')).toEqual(['']);
  });

  it('refuses a CRD whose schema holds unknown fields under Strict, and drops them otherwise', async () => {
    // Prepare: the shape a generated client's renamed model gives (`_default`), as a plain object
    const plural = `probes${ns.split('-')[1]}`;
    const crd = (name: string, extra: Record<string, unknown>) => JSON.stringify({
      apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: `${name}.fidelity.metal3.io` },
      spec: {
        group: 'fidelity.metal3.io', scope: 'Namespaced', names: { plural: name, singular: name.slice(0, -1), kind: `Probe${name.slice(6)}`, listKind: `Probe${name.slice(6)}List` },
        versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { mode: { type: 'string', ...extra } } } } } } }],
      },
    });
    // Act
    const strict = await send('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions?fieldValidation=Strict', { body: crd(plural, { _default: 'a' }) });
    const lax = await send('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions?fieldValidation=Ignore', { body: crd(`${plural}x`, { _default: 'a' }) });
    await send('DELETE', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${plural}x.fidelity.metal3.io`);
    // Assess
    expect(strict.status).toBe(400);
    expect(strict.body.message).toBe('CustomResourceDefinition in version "v1" cannot be handled as a CustomResourceDefinition: '
      + 'strict decoding error: unknown field "spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.mode._default"');
    expect(lax.status).toBe(201);
    expect(lax.body.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.mode).toEqual({ type: 'string' });
  });

  describe('namespace termination', () => {
    let doomed: string;
    let deleted: Answer;

    beforeAll(async () => {
      doomed = await newNamespace('fidelity-doomed');
      await send('POST', `${BMH}/namespaces/${doomed}/baremetalhosts`, { body: host('held', { online: false }, { finalizers: ['example.com/hold'] }) });
      await send('POST', `/api/v1/namespaces/${doomed}/secrets`, { body: JSON.stringify({ metadata: { name: 'loose' }, stringData: { a: 'b' } }) });
      deleted = await send('DELETE', `/api/v1/namespaces/${doomed}`);
    });

    it('marks the namespace Terminating and keeps the kubernetes finalizer and name label', () => {
      expect(deleted.status).toBe(200);
      expect(deleted.body.metadata.deletionTimestamp).toEqual(expect.any(String));
      expect(deleted.body.status.phase).toBe('Terminating');
      expect(deleted.body.spec.finalizers).toEqual(['kubernetes']);
      expect(deleted.body.metadata.labels['kubernetes.io/metadata.name']).toBe(doomed);
    });

    it('refuses new content with 403 NamespaceTerminating but still lets existing objects change', async () => {
      const create = await send('POST', `/api/v1/namespaces/${doomed}/secrets`, { body: JSON.stringify({ metadata: { name: 'late' } }) });
      const update = await send('PATCH', `${BMH}/namespaces/${doomed}/baremetalhosts/held`, {
        body: JSON.stringify({ metadata: { labels: { touched: 'yes' } } }), contentType: 'application/merge-patch+json',
      });
      expect(create.status).toBe(403);
      expect(create.body).toMatchObject({
        reason: 'Forbidden',
        message: `secrets "late" is forbidden: unable to create new content in namespace ${doomed} because it is being terminated`,
        details: { name: 'late', kind: 'secrets', causes: [{ reason: 'NamespaceTerminating', message: `namespace ${doomed} is being terminated`, field: 'metadata.namespace' }] },
      });
      expect(update.status).toBe(200);
    });

    // the namespace controller lives in kube-controller-manager, which the real bed does not run
    itFixture('empties it as the namespace controller does: finalizers hold their objects, then the namespace goes', async () => {
      const gone = async (path: string) => (await send('GET', path)).status === 404;
      await eventually(() => gone(`/api/v1/namespaces/${doomed}/secrets/loose`));
      const held = await send('GET', `${BMH}/namespaces/${doomed}/baremetalhosts/held`);
      expect(held.body.metadata.deletionTimestamp).toEqual(expect.any(String));
      expect((await send('GET', `/api/v1/namespaces/${doomed}`)).body.status.phase).toBe('Terminating');
      // Act: the last finalizer goes
      await send('PATCH', `${BMH}/namespaces/${doomed}/baremetalhosts/held`, { body: JSON.stringify({ metadata: { finalizers: null } }), contentType: 'application/merge-patch+json' });
      // Assess
      await eventually(() => gone(`/api/v1/namespaces/${doomed}`));
    });
  });
});

async function eventually(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
