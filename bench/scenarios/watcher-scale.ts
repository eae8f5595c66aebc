/**
 * @module bench/scenarios/watcher-scale: the watcher over many settled
 * BareMetalHosts (default 10,000, created directly in the API fixture as
 * provisioned, powered on, online): initial list time, memory held, events
 * on the initial list and on a resync (must be 0 when nothing changed), and
 * time to notice one changed host (spec.online → false) among them.
 *
 * The watcher's Ironic side is a stub answering an empty node list (one
 * call per poll, measured on real Ironic in the lifecycle scenario); what is
 * measured here is the informer and the watcher's per-host evaluation.
 */
import { CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { buildBareMetalHostCrd, buildHardwareDataCrd } from '../../shared/src/api/crd.ts';
import type { IronicClient } from '../../shared/src/ironic/types.ts';
import { silentLogger } from '../../shared/src/log.ts';
import { HOST_FINALIZER } from '../../shared/src/state-machine/states.ts';
import { createHostInformer } from '../../functions/watcher/src/informer.ts';
import { createWatcher } from '../../functions/watcher/src/watcher.ts';
import { startKubeApi } from '../../test/bed/kube-api/index.ts';
import { G, macFor, NAMESPACE, pool } from './hosts.ts';


export interface WatcherScaleResult {
  hosts: number;
  /** creating the hosts and writing their status in the fixture */
  createMs: number;
  initialListMs: number;
  /** heap and RSS growth of the process after the initial list (fixture objects included: same process) */
  heapMiB: number;
  rssMiB: number;
  eventsOnInitialList: number;
  eventsOnResync: number;
  resyncMs: number;
  noticeOneChangeMs: number;
  eventsForOneChange: number;
}

export async function runWatcherScale({ hosts = 10_000 }: { hosts?: number } = {}): Promise<WatcherScaleResult> {
  const api = await startKubeApi({ crds: [buildBareMetalHostCrd(), buildHardwareDataCrd()], namespaces: ['default', NAMESPACE], maxRequestLog: 100 });
  try {
    const t0 = performance.now();
    const status = {
      provisioning: { ID: '00000000-0000-4000-8000-000000000000', state: 'provisioned', bootMode: 'UEFI', image: { url: 'http://127.0.0.1/img' } }, poweredOn: true, operationalStatus: 'OK',
      errorMessage: '', errorCount: 0, provisioningFailCount: 0,
    };
    for (let i = 0; i < hosts; i++) {
      api.create({
        apiVersion: 'metal3.io/v1alpha1', kind: 'BareMetalHost',
        metadata: { name: `w-${i}`, namespace: NAMESPACE, finalizers: [HOST_FINALIZER] },
        spec: { online: true, bootMACAddress: macFor(i), image: { url: 'http://127.0.0.1/img', checksum: 'x', checksumType: 'md5' }, bmc: { address: `fake://w-${i}`, credentialsName: 'bmc' } },
      });
    }
    // the status subresource: create ignores status, as a real API server does
    const custom = api.kubeConfig().makeApiClient(CustomObjectsApi);
    await pool(Array.from({ length: hosts }, (_, i) => i), 32, (i) => custom.patchNamespacedCustomObjectStatus({ ...G, name: `w-${i}`, body: { status } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch)));
    const createMs = performance.now() - t0;
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    const before = process.memoryUsage();
    const emitted: { at: number; subject: string }[] = [];
    const ironic = { listNodes: async () => [] } as unknown as IronicClient;
    const watcher = createWatcher({ ironic, log: silentLogger, emit: async (e) => { emitted.push({ at: performance.now(), subject: e.subject ?? '' }); }, pollActiveMs: 500, pollIdleMs: 1_000, resyncMs: 3_600_000 });
    const kubeConfig = api.kubeConfig();
    const informer = createHostInformer({ kubeConfig, namespace: NAMESPACE, onEvent: watcher.onInformerEvent, log: silentLogger });
    try {
      const tList = performance.now();
      await informer.start();
      const initialListMs = performance.now() - tList;
      watcher.start();
      const eventsOnInitialList = emitted.length;
      await new Promise((r) => setTimeout(r, 1_500));
      gc?.();
      const after = process.memoryUsage();
      const beforeResync = emitted.length;
      const tResync = performance.now();
      watcher.resync();
      const resyncMs = performance.now() - tResync;
      const eventsOnResync = emitted.length - beforeResync;

      const target = `w-${Math.floor(hosts / 2)}`;
      const beforeChange = emitted.length;
      const tChange = performance.now();
      await custom.patchNamespacedCustomObject({ ...G, name: target, body: { spec: { online: false } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
      const until = performance.now() + 30_000;
      while (!emitted.slice(beforeChange).some((e) => e.subject.endsWith(`/${target}`)) && performance.now() < until) await new Promise((r) => setTimeout(r, 2));
      const hit = emitted.slice(beforeChange).find((e) => e.subject.endsWith(`/${target}`));
      await new Promise((r) => setTimeout(r, 500));
      return {
        hosts, createMs: Math.round(createMs), initialListMs: Math.round(initialListMs),
        heapMiB: Math.round(((after.heapUsed - before.heapUsed) / 2 ** 20) * 10) / 10,
        rssMiB: Math.round(((after.rss - before.rss) / 2 ** 20) * 10) / 10,
        eventsOnInitialList, eventsOnResync, resyncMs: Math.round(resyncMs * 10) / 10,
        noticeOneChangeMs: hit ? Math.round((hit.at - tChange) * 10) / 10 : Number.NaN,
        eventsForOneChange: emitted.length - beforeChange,
      };
    } finally {
      watcher.stop();
      await informer.stop();
    }
  } finally {
    await api.stop();
  }
}
