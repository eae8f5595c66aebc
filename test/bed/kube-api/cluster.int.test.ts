/**
 * connectCluster(): without KUBECONFIG it starts the fixture; with a kubeconfig it treats the target as a
 * real cluster. The real-cluster path is exercised here against a second fixture standing in for one.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { connectCluster } from '../cluster.ts';
import { WIDGETS, WIDGET_CRD_PATH } from './fixtures/widget-crd.ts';
import { type KubeApiFixture, startKubeApi } from './index.ts';

describe('connectCluster', () => {
  let standIn: KubeApiFixture;
  let kubeconfig: string;

  beforeAll(async () => {
    standIn = await startKubeApi();
    kubeconfig = await standIn.writeKubeconfig();
  });

  afterAll(async () => {
    await standIn?.stop();
  });

  it('starts the fixture with the CRDs and a fresh namespace when no kubeconfig is named', async () => {
    const cluster = await connectCluster({ kubeconfig: undefined, crds: [WIDGET_CRD_PATH], namespacePrefix: 'fx' });
    try {
      const ns = await cluster.kubeConfig().makeApiClient(CoreV1Api).readNamespace({ name: cluster.namespace });
      const list = await cluster.kubeConfig().makeApiClient(CustomObjectsApi).listNamespacedCustomObject({ ...WIDGETS, namespace: cluster.namespace });
      expect(cluster.kind).toBe('fixture');
      expect(cluster.namespace).toMatch(/^fx-[0-9a-f]{8}$/);
      expect(ns.status?.phase).toBe('Active');
      expect((list as { items: unknown[] }).items).toEqual([]);
    } finally {
      await cluster.stop();
    }
  });

  it('applies CRDs unaltered, waits for Established and removes only its namespace on a named cluster', async () => {
    // Act
    const cluster = await connectCluster({ kubeconfig, crds: [WIDGET_CRD_PATH], namespacePrefix: 'real' });
    const crd = (await cluster.kubeConfig().makeApiClient(CustomObjectsApi).getClusterCustomObject({
      group: 'apiextensions.k8s.io', version: 'v1', plural: 'customresourcedefinitions', name: 'widgets.test.metal3.io',
    })) as { spec: { versions: { schema: { openAPIV3Schema: { properties: { spec: { properties: Record<string, Record<string, unknown>> } } } } }[] } };
    const namespaces = async () => (await cluster.kubeConfig().makeApiClient(CoreV1Api).listNamespace()).items.map((n) => n.metadata?.name);
    const before = await namespaces();
    await cluster.stop();
    const after = await namespaces();
    // Assess
    expect(cluster.kind).toBe('real');
    const props = crd.spec.versions[0]!.schema.openAPIV3Schema.properties.spec.properties;
    expect(props.color!.enum).toEqual(['red', 'green', 'blue']);
    expect(props.extra!['x-kubernetes-preserve-unknown-fields']).toBe(true);
    expect(before).toContain(cluster.namespace);
    expect(after).not.toContain(cluster.namespace);
    expect(after).toContain('default');
  });
});
