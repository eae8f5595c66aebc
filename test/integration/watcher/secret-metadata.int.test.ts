/**
 * The watcher reads no Secret data: its Secret informer lists and watches the hosts' namespace asking
 * for metadata only (PartialObjectMetadataList / PartialObjectMetadata), and still notices every
 * change of a Secret's resourceVersion, which is all it needs to see changed BMC credentials.
 * Runs on the API fixture and, with KUBECONFIG, on a real kube-apiserver.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { createSecretVersionInformer, METADATA_LIST_ACCEPT, METADATA_WATCH_ACCEPT } from '../../../functions/watcher/src/informer.ts';
import type { SecretVersion } from '../../../functions/watcher/src/informer.ts';
import { silentLogger } from '../../../shared/src/log.ts';
import { type ClusterHandle, connectCluster } from '../../bed/cluster.ts';

const onFixture = !process.env.KUBECONFIG;
const itFixture = onFixture ? it : it.skip;

async function eventually(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('watcher: Secrets as metadata only', () => {
  let cluster: ClusterHandle;
  let core: CoreV1Api;
  const seen: Array<{ type: string; secret: SecretVersion }> = [];
  let informer: ReturnType<typeof createSecretVersionInformer>;

  beforeAll(async () => {
    cluster = await connectCluster({ namespacePrefix: 'secret-meta' });
    core = cluster.kubeConfig().makeApiClient(CoreV1Api);
    // unlabelled, as a user creates it: nothing has to label a Secret for the watcher to see it
    await core.createNamespacedSecret({ namespace: cluster.namespace, body: { metadata: { name: 'bmc-0' }, stringData: { username: 'admin', password: 'meta-pass-5521' } } });
    cluster.fixture?.control.clearRequests();
    informer = createSecretVersionInformer({ kubeConfig: cluster.kubeConfig(), namespace: cluster.namespace, onChange: (e) => seen.push(e), log: silentLogger });
    await informer.start();
  });

  afterAll(async () => {
    await informer?.stop();
    await cluster?.stop();
  });

  it('lists the Secrets with their resourceVersions and nothing else', async () => {
    const listed = informer.list().find((s) => s.metadata.name === 'bmc-0')!;
    const current = await core.readNamespacedSecret({ namespace: cluster.namespace, name: 'bmc-0' });
    expect(listed).toEqual({ metadata: { name: 'bmc-0', namespace: cluster.namespace, resourceVersion: current.metadata!.resourceVersion } });
    expect(JSON.stringify(seen)).not.toContain('meta-pass-5521');
  });

  it('notices a changed Secret and a deleted one through the metadata watch', async () => {
    // Act
    const updated = await core.replaceNamespacedSecret({ namespace: cluster.namespace, name: 'bmc-0', body: { metadata: { name: 'bmc-0' }, stringData: { username: 'admin', password: 'meta-pass-7783' } } });
    await eventually(() => seen.some((e) => e.type === 'upsert' && e.secret.metadata.resourceVersion === updated.metadata!.resourceVersion), 'the update');
    await core.deleteNamespacedSecret({ namespace: cluster.namespace, name: 'bmc-0' });
    await eventually(() => seen.some((e) => e.type === 'delete' && e.secret.metadata.name === 'bmc-0'), 'the delete');
    // Assess
    expect(informer.list().map((s) => s.metadata.name)).not.toContain('bmc-0');
    expect(JSON.stringify(seen)).not.toMatch(/meta-pass|"data"/);
  });

  // the request log is the fixture's: it shows what was asked for and answered
  itFixture('asks for metadata only on every Secret list and watch, and is answered', () => {
    const requests = cluster.fixture!.control.requests.filter((r) => r.path.endsWith('/secrets'));
    const lists = requests.filter((r) => r.verb === 'list');
    const watches = requests.filter((r) => r.verb === 'watch');
    expect(lists.length).toBeGreaterThanOrEqual(1);
    expect(watches.length).toBeGreaterThanOrEqual(1);
    for (const r of lists) expect([r.accept, r.status]).toEqual([METADATA_LIST_ACCEPT, 200]);
    for (const r of watches) expect([r.accept, r.status]).toEqual([METADATA_WATCH_ACCEPT, 200]);
  });

  it('refuses a list answer that is not metadata only (a server that ignores the Accept header)', async () => {
    // Prepare: a server that answers every list with whole Secrets
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({
        kind: 'SecretList', apiVersion: 'v1', metadata: { resourceVersion: '1' },
        items: [{ metadata: { name: 'bmc-0', namespace: 'x', resourceVersion: '1' }, data: { password: Buffer.from('whole-secret-9931').toString('base64') } }],
      }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'c', server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, skipTLSVerify: true }],
      users: [{ name: 'u', token: 'unused' }], contexts: [{ name: 'x', cluster: 'c', user: 'u' }], currentContext: 'x',
    });
    const got: SecretVersion[] = [];
    const refusing = createSecretVersionInformer({ kubeConfig: kc, namespace: 'x', onChange: (e) => got.push(e.secret), log: silentLogger });
    try {
      // Act + Assess
      await expect(refusing.start()).rejects.toThrow('list secrets: the API server answered SecretList, not metadata only; refusing it');
      expect(got).toEqual([]);
      expect(refusing.list()).toEqual([]);
    } finally {
      await refusing.stop();
      server.close();
    }
  });

  // A real server answers 429 "storage is (re)initializing" (Retry-After: 1) for a moment after a CRD
  // changes; the fixture injects the same answer, which a real server cannot be made to give on cue.
  itFixture('waits out 429s with Retry-After on its first list, and fails at once on 403', async () => {
    const control = cluster.fixture!.control;
    const fired = control.faultStats.fired[429] ?? 0;
    control.failNext({ method: 'GET', pathPrefix: `/api/v1/namespaces/${cluster.namespace}/secrets`, status: 429, message: 'storage is (re)initializing', retryAfterSeconds: 1, times: 2 });
    const patient = createSecretVersionInformer({ kubeConfig: cluster.kubeConfig(), namespace: cluster.namespace, onChange: () => undefined, log: silentLogger });
    const started = Date.now();
    try {
      await patient.start();
      expect(control.faultStats.fired[429]).toBe(fired + 2);
      expect(Date.now() - started).toBeGreaterThanOrEqual(1_900); // two Retry-After seconds honoured
      expect(patient.stats.lists).toBe(3);
    } finally {
      await patient.stop();
    }
    control.failNext({ method: 'GET', pathPrefix: `/api/v1/namespaces/${cluster.namespace}/secrets`, status: 403, times: 5 });
    const refused = createSecretVersionInformer({ kubeConfig: cluster.kubeConfig(), namespace: cluster.namespace, onChange: () => undefined, log: silentLogger });
    try {
      await expect(refused.start()).rejects.toMatchObject({ code: 403 });
      expect(refused.stats.lists).toBe(1);
    } finally {
      await refused.stop();
      control.clearFaults();
    }
  });
});
