/** Wire-level behaviour of the fixture over raw HTTP: discovery, OpenAPI, Status errors, Tables and watch streams. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { WIDGETS, widgetCrd } from './fixtures/widget-crd.ts';
import { type KubeApiFixture, startKubeApi } from './index.ts';

const COLLECTION = `/apis/${WIDGETS.group}/${WIDGETS.version}/namespaces/default/${WIDGETS.plural}`;

describe('kube-api fixture wire protocol', () => {
  let fixture: KubeApiFixture;
  const call = (path: string, init: RequestInit = {}) => fetch(`${fixture.url}${path}`, init);
  const post = (path: string, body: unknown) => call(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const widget = (metadata: object) => ({ apiVersion: WIDGETS.apiVersion, kind: WIDGETS.kind, metadata, spec: { size: 1 } });

  /** Read NDJSON lines of a watch until `n` lines arrived or the stream ended. */
  async function lines(res: Response, n: number): Promise<{ type: string; object: Record<string, any> }[]> {
    const reader = res.body!.getReader();
    const out: { type: string; object: Record<string, any> }[] = [];
    let buf = '';
    while (out.length < n) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += Buffer.from(value).toString();
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        out.push(JSON.parse(buf.slice(0, i)));
        buf = buf.slice(i + 1);
      }
    }
    await reader.cancel();
    return out;
  }

  beforeAll(async () => {
    fixture = await startKubeApi({ crds: [widgetCrd()] });
  });

  afterAll(async () => {
    await fixture?.stop();
  });

  it('serves legacy and aggregated discovery, and an OpenAPI v3 PATCH operation with fieldValidation', async () => {
    const groups = (await (await call('/apis')).json()) as { groups: { name: string }[] };
    const aggregated = await call('/apis', { headers: { accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json' } });
    const root = (await (await call('/openapi/v3')).json()) as { paths: Record<string, { serverRelativeURL: string }> };
    const gv = (await (await call(root.paths[`apis/${WIDGETS.group}/${WIDGETS.version}`]!.serverRelativeURL)).json()) as { paths: Record<string, { patch?: { parameters: { name: string }[] } }> };
    expect(groups.groups.map((g) => g.name)).toEqual(expect.arrayContaining([WIDGETS.group, 'events.k8s.io', 'rbac.authorization.k8s.io', 'apiextensions.k8s.io']));
    expect(aggregated.headers.get('content-type')).toBe('application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
    expect(((await aggregated.json()) as { kind: string }).kind).toBe('APIGroupDiscoveryList');
    const op = gv.paths[`/apis/${WIDGETS.group}/${WIDGETS.version}/namespaces/{namespace}/${WIDGETS.plural}/{name}`]!.patch!;
    expect(op.parameters.map((p) => p.name)).toContain('fieldValidation');
  });

  it.each([
    { case: 'unknown path', method: 'GET', path: '/apis/nope.io/v1/things', code: 404, reason: 'NotFound', message: 'the server could not find the requested resource' },
    { case: 'POST to an item', method: 'POST', path: `${COLLECTION}/x`, code: 405, reason: 'MethodNotAllowed' },
    { case: 'missing namespace', method: 'POST', path: `/apis/${WIDGETS.group}/${WIDGETS.version}/namespaces/ghost/${WIDGETS.plural}`, code: 404, reason: 'NotFound', message: 'namespaces "ghost" not found' },
    { case: 'bad field selector', method: 'GET', path: `${COLLECTION}?fieldSelector=spec.size%3D1`, code: 400, reason: 'BadRequest', message: 'field label not supported: spec.size' },
  ])('answers a Status $code $reason for $case', async ({ method, path, code, reason, message }) => {
    const res = await call(path, method === 'POST' ? { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(widget({ name: 'x' })) } : { method });
    const body = (await res.json()) as Record<string, unknown>;
    expect(res.status).toBe(code);
    expect(body).toMatchObject({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason, code });
    if (message) expect(body.message).toBe(message);
  });

  it('answers 409 AlreadyExists to a duplicate create, and names generateName objects', async () => {
    await post(COLLECTION, widget({ name: 'dup' }));
    const dup = await post(COLLECTION, widget({ name: 'dup' }));
    const generated = (await (await post(COLLECTION, widget({ generateName: 'host-' }))).json()) as { metadata: { name: string } };
    expect(dup.status).toBe(409);
    expect(((await dup.json()) as { reason: string }).reason).toBe('AlreadyExists');
    expect(generated.metadata.name).toMatch(/^host-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  });

  it('flushes watch headers before any event and streams ADDED for a new object', async () => {
    // Act: headers arrive although nothing happened yet
    const res = await call(`${COLLECTION}?watch=true&resourceVersion=${fixture.control.resourceVersion()}`);
    expect(res.status).toBe(200);
    await post(COLLECTION, widget({ name: 'streamed' }));
    const [ev] = await lines(res, 1);
    // Assess
    expect(ev!.type).toBe('ADDED');
    expect(ev!.object.metadata.name).toBe('streamed');
  });

  it('sends a single ERROR 410 Expired event and ends the stream for a compacted resourceVersion', async () => {
    const old = fixture.control.resourceVersion();
    await post(COLLECTION, widget({ name: 'after-old' }));
    fixture.control.expireHistory();
    const res = await call(`${COLLECTION}?watch=true&resourceVersion=${old}`);
    const evs = await lines(res, 5);
    expect(res.status).toBe(200);
    expect(evs).toHaveLength(1);
    expect(evs[0]).toMatchObject({ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired' } });
  });

  it('ends a watch cleanly after timeoutSeconds', async () => {
    const started = Date.now();
    const res = await call(`${COLLECTION}?watch=true&timeoutSeconds=1&resourceVersion=${fixture.control.resourceVersion()}`);
    const evs = await lines(res, 1);
    expect(evs).toEqual([]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('renders a Table when the Accept header asks for one', async () => {
    const res = await call(COLLECTION, { headers: { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json' } });
    const table = (await res.json()) as { kind: string; rows: { cells: unknown[] }[] };
    expect(table.kind).toBe('Table');
    expect(table.rows.map((r) => r.cells[0])).toContain('dup');
  });

  it('deletes a collection by label selector, leaving the rest', async () => {
    await post(COLLECTION, widget({ name: 'dc-1', labels: { batch: 'x' } }));
    await post(COLLECTION, widget({ name: 'dc-2', labels: { batch: 'x' } }));
    await post(COLLECTION, widget({ name: 'dc-3', labels: { batch: 'y' } }));
    const res = await call(`${COLLECTION}?labelSelector=batch`, { method: 'DELETE' });
    const left = (await (await call(`${COLLECTION}?labelSelector=batch`)).json()) as { items: { metadata: { name: string } }[] };
    expect(res.status).toBe(200);
    expect(left.items).toEqual([]);
    await post(COLLECTION, widget({ name: 'dc-4', labels: { batch: 'z' } }));
    const stillThere = await call(`${COLLECTION}/dup`);
    expect(stillThere.status).toBe(200);
  });

  it('lists and watches across namespaces on the cluster-wide path', async () => {
    // Prepare
    await post('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'other' } });
    const watch = await call(`/apis/${WIDGETS.group}/${WIDGETS.version}/${WIDGETS.plural}?watch=1&resourceVersion=${fixture.control.resourceVersion()}`);
    // Act
    await post(`/apis/${WIDGETS.group}/${WIDGETS.version}/namespaces/other/${WIDGETS.plural}`, widget({ name: 'elsewhere' }));
    const [ev] = await lines(watch, 1);
    const all = (await (await call(`/apis/${WIDGETS.group}/${WIDGETS.version}/${WIDGETS.plural}?fieldSelector=metadata.namespace%3Dother`)).json()) as { items: { metadata: { name: string } }[] };
    // Assess
    expect(ev).toMatchObject({ type: 'ADDED', object: { metadata: { name: 'elsewhere', namespace: 'other' } } });
    expect(all.items.map((i) => i.metadata.name)).toEqual(['elsewhere']);
  });

  it('holds a request for delayNext before serving it', async () => {
    fixture.control.delayNext({ method: 'GET', pathPrefix: '/version', ms: 300 });
    const started = Date.now();
    const res = await call('/version');
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
  });

  it('fails the next matching request once for failNext, and counts it', async () => {
    const before = fixture.control.faultStats.fired[503] ?? 0;
    fixture.control.failNext({ method: 'GET', pathPrefix: '/version', status: 503, message: 'injected' });
    expect(fixture.control.pendingFaults()).toBe(1);
    const failed = await call('/version');
    expect(failed.status).toBe(503);
    expect(((await failed.json()) as { message: string }).message).toBe('injected');
    expect((await call('/version')).status).toBe(200);
    expect(fixture.control.faultStats.fired[503]).toBe(before + 1);
    expect(fixture.control.pendingFaults()).toBe(0);
  });

  it('forgets a failNext rule that met no request within withinMs, so timed faults cannot pile up', async () => {
    const expiredBefore = fixture.control.faultStats.expired;
    for (let i = 0; i < 5; i++) fixture.control.failNext({ method: 'GET', pathPrefix: '/version', status: 500, withinMs: 100 });
    expect(fixture.control.pendingFaults()).toBe(5);
    await new Promise((r) => setTimeout(r, 150));
    expect((await call('/version')).status).toBe(200);
    expect(fixture.control.pendingFaults()).toBe(0);
    expect(fixture.control.faultStats.expired).toBe(expiredBefore + 5);
  });

  it('disarms every rule on clearFaults', async () => {
    fixture.control.failNext({ method: 'GET', pathPrefix: '/version', status: 500, times: 3 });
    fixture.control.clearFaults();
    expect(fixture.control.pendingFaults()).toBe(0);
    expect((await call('/version')).status).toBe(200);
  });
});
