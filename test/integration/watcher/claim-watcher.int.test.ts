/**
 * The watcher as deployed (`startWatcher`, the ContainerSource entry point) sends claim events to
 * its sink: for a new claim, and for pending claims when a host becomes available and free. The
 * sink is a plain HTTP server recording the CloudEvents (binary mode) it receives.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { startWatcher } from '../../../functions/watcher/src/index.ts';
import type { RunningWatcher } from '../../../functions/watcher/src/index.ts';
import { ClaimEventType } from '../../../events/src/types.ts';
import { buildBareMetalHostCrd, buildHardwareDataCrd, buildHostClaimCrd, buildHostDeployPolicyCrd } from '../../../shared/src/api/crd.ts';
import { silentLogger } from '../../../shared/src/log.ts';
import { connectCluster } from '../../bed/cluster.ts';
import type { ClusterHandle } from '../../bed/cluster.ts';
import { freeTcpPort } from '../../bed/ports.ts';

let cluster: ClusterHandle;
let sink: Server;
let watcher: RunningWatcher;
const received: { type: string; subject: string; reason: string }[] = [];
const tenant = `w-tenant-${Math.random().toString(36).slice(2, 7)}`;

beforeAll(async () => {
  cluster = await connectCluster({ crds: [buildBareMetalHostCrd(), buildHardwareDataCrd(), buildHostClaimCrd(), buildHostDeployPolicyCrd()], namespacePrefix: 'wclaims' });
  await cluster.kubeConfig().makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: tenant } } });
  sink = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => { body += c.toString(); });
    req.on('end', () => {
      const data = JSON.parse(body || '{}') as { reason?: string };
      received.push({ type: String(req.headers['ce-type']), subject: String(req.headers['ce-subject']), reason: data.reason ?? '' });
      res.writeHead(202).end();
    });
  });
  await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
  const port = (sink.address() as { port: number }).port;
  watcher = await startWatcher({
    K_SINK: `http://127.0.0.1:${port}/`, IRONIC_URL: `http://127.0.0.1:${await freeTcpPort()}`, WATCH_NAMESPACE: cluster.namespace,
    METRICS_PORT: 'off', POLL_IDLE_MS: '60000', RESYNC_MS: '600000',
  }, { kubeConfig: cluster.kubeConfig(), log: silentLogger });
}, 60_000);

afterAll(async () => {
  await watcher?.stop();
  await new Promise<void>((r) => (sink ? sink.close(() => r()) : r()));
  await cluster?.kubeConfig().makeApiClient(CoreV1Api).deleteNamespace({ name: tenant }).catch(() => undefined);
  await cluster?.stop();
});

async function eventually(what: string, ok: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms; received ${JSON.stringify(received)}`);
    await sleep(50);
  }
}

describe('startWatcher and HostClaims', () => {
  it('sends a claim event for a new claim, and again for a pending claim when a host becomes free', async () => {
    // Prepare
    const custom = cluster.kubeConfig().makeApiClient(CustomObjectsApi);
    const claimEvents = () => received.filter((e) => e.type === ClaimEventType.claim && e.subject === `${tenant}/c`);
    // Act 1: a claim appears
    await custom.createNamespacedCustomObject({ group: 'metal3.io', version: 'v1alpha1', plural: 'hostclaims', namespace: tenant, body: { apiVersion: 'metal3.io/v1alpha1', kind: 'HostClaim', metadata: { name: 'c' }, spec: { online: false } } });
    // Assess 1
    await eventually('claim event for the new claim', () => claimEvents().length === 1);

    // Act 2: it is Pending (as the claim function would leave it); then a host becomes available
    await custom.patchNamespacedCustomObjectStatus({ group: 'metal3.io', version: 'v1alpha1', plural: 'hostclaims', namespace: tenant, name: 'c', body: { status: { phase: 'Pending' } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    await eventually('claim event for the phase change', () => claimEvents().length === 2);
    await custom.createNamespacedCustomObject({ group: 'metal3.io', version: 'v1alpha1', plural: 'baremetalhosts', namespace: cluster.namespace, body: { apiVersion: 'metal3.io/v1alpha1', kind: 'BareMetalHost', metadata: { name: 'h' }, spec: { online: false } } });
    await custom.patchNamespacedCustomObjectStatus({ group: 'metal3.io', version: 'v1alpha1', plural: 'baremetalhosts', namespace: cluster.namespace, name: 'h', body: { status: {
      operationalStatus: 'OK', errorType: '', errorMessage: '', errorCount: 0, provisioningFailCount: 0, poweredOn: false, provisioning: { state: 'available', ID: '' },
    } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));

    // Assess 2
    await eventually('claim event for the free host', () => claimEvents().length === 3);
    expect(claimEvents().map((e) => e.reason)).toEqual(['spec-changed', 'state-changed', 'state-changed']);
  });
});
