/**
 * Scale: the fixture holds 10,000 custom objects, lists them quickly over HTTP and fans one change
 * out to several watchers. Bounds are generous (a loaded 2-core machine); they catch O(n²) regressions.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CustomObjectsApi, Watch } from '@kubernetes/client-node';
import { WIDGETS, widgetCrd } from './fixtures/widget-crd.ts';
import { type KubeApiFixture, startKubeApi } from './index.ts';
import { eventually } from './kubectl-runner.ts';

const COUNT = 10_000;

describe('kube-api fixture at scale', () => {
  let fixture: KubeApiFixture;

  beforeAll(async () => {
    fixture = await startKubeApi({ crds: [widgetCrd()] });
    for (let i = 0; i < COUNT; i++) {
      fixture.create({ apiVersion: WIDGETS.apiVersion, kind: WIDGETS.kind, metadata: { name: `host-${String(i).padStart(5, '0')}`, namespace: 'default', labels: { rack: `r${i % 10}` } }, spec: { size: 1 + (i % 100) } });
    }
  });

  afterAll(async () => {
    await fixture?.stop();
  });

  it('lists 10,000 objects through client-node in well under a few seconds', async () => {
    // Prepare
    const api = fixture.kubeConfig().makeApiClient(CustomObjectsApi);
    // Act
    const started = performance.now();
    const list = (await api.listNamespacedCustomObject({ group: WIDGETS.group, version: WIDGETS.version, plural: WIDGETS.plural, namespace: 'default' })) as { items: unknown[] };
    const elapsed = performance.now() - started;
    const selected = (await api.listNamespacedCustomObject({ group: WIDGETS.group, version: WIDGETS.version, plural: WIDGETS.plural, namespace: 'default', labelSelector: 'rack=r3' })) as { items: unknown[] };
    // Assess
    expect(fixture.control.objectCount()).toBeGreaterThanOrEqual(COUNT);
    expect(list.items).toHaveLength(COUNT);
    expect(selected.items).toHaveLength(COUNT / 10);
    expect(elapsed).toBeLessThan(3000);
  });

  it('pages a large list with limit/continue and loses nothing', async () => {
    const api = fixture.kubeConfig().makeApiClient(CustomObjectsApi);
    const names: string[] = [];
    let token: string | undefined;
    do {
      const page = (await api.listNamespacedCustomObject({ group: WIDGETS.group, version: WIDGETS.version, plural: WIDGETS.plural, namespace: 'default', limit: 3000, ...(token ? { _continue: token } : {}) })) as { items: { metadata: { name: string } }[]; metadata: { continue?: string } };
      names.push(...page.items.map((i) => i.metadata.name));
      token = page.metadata.continue || undefined;
    } while (token);
    expect(names).toHaveLength(COUNT);
    expect(new Set(names).size).toBe(COUNT);
  });

  it('fans one change out to every open watcher', async () => {
    // Prepare: 8 watchers from the current resourceVersion
    const watch = new Watch(fixture.kubeConfig());
    const path = `/apis/${WIDGETS.group}/${WIDGETS.version}/namespaces/default/${WIDGETS.plural}`;
    const seen = new Array<number>(8).fill(0);
    const rv = fixture.control.resourceVersion();
    const ctrls = await Promise.all(seen.map((_, i) => watch.watch(path, { resourceVersion: rv }, (type) => { if (type === 'MODIFIED') seen[i]!++; }, () => undefined)));
    try {
      // Act
      const api = fixture.kubeConfig().makeApiClient(CustomObjectsApi);
      await api.patchNamespacedCustomObject({ group: WIDGETS.group, version: WIDGETS.version, plural: WIDGETS.plural, namespace: 'default', name: 'host-00042', body: [{ op: 'replace', path: '/spec/size', value: 77 }] });
      // Assess
      await eventually(() => seen.every((n) => n === 1));
      expect(fixture.control.openWatchCount()).toBe(8);
    } finally {
      for (const c of ctrls) c.abort();
    }
  });
});
