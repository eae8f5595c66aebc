/**
 * The watcher on real parts: its informer against the Kubernetes API fixture
 * (410 relist, restart after a 500, bookmarks) and its Ironic poller against a
 * real Ironic (one list call per poll, drift → power event), with emission
 * rules checked on the events it hands to `emit`.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { CloudEvent } from 'cloudevents';
import { createHostInformer, startInformers } from '../../../functions/watcher/src/informer.ts';
import type { HostInformer } from '../../../functions/watcher/src/informer.ts';
import { createWatcher } from '../../../functions/watcher/src/watcher.ts';
import type { Watcher } from '../../../functions/watcher/src/watcher.ts';
import { createIronicClient } from '../../../shared/src/ironic/client.ts';
import type { IronicRequestInfo } from '../../../shared/src/ironic/client.ts';
import { silentLogger } from '../../../shared/src/log.ts';
import { EventType } from '../../../events/src/types.ts';
import { drive, driveTo, sleep } from '../support/drive.ts';
import { startFunctionsBed } from '../support/functions-bed.ts';
import type { FunctionsBed } from '../support/functions-bed.ts';

const onFixture = !process.env.KUBECONFIG;
const itFixture = onFixture ? it : it.skip;

async function eventually(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe('watcher (informer on the Kubernetes API, poller on a real Ironic)', () => {
  let bed: FunctionsBed;
  const ironicCalls: IronicRequestInfo[] = [];
  let running: { informer: HostInformer; watcher: Watcher; emitted: CloudEvent<unknown>[] }[] = [];

  /** A watcher + informer on the test namespace; the poller runs only when the test calls poll(). */
  async function startWatching(): Promise<{ informer: HostInformer; watcher: Watcher; emitted: CloudEvent<unknown>[] }> {
    const emitted: CloudEvent<unknown>[] = [];
    const ironic = createIronicClient({ url: bed.ironicEndpoint.url, onRequest: (i) => ironicCalls.push(i) });
    const watcher = createWatcher({ ironic, emit: async (e) => { emitted.push(e); }, log: silentLogger, backoffBaseMs: bed.config.BACKOFF_BASE_MS, resyncMs: 60_000 });
    const informer = createHostInformer({ kubeConfig: bed.cluster.kubeConfig(), namespace: bed.namespace, onEvent: watcher.onInformerEvent, log: silentLogger, maxBackoffMs: 1_000 });
    await informer.start();
    const r = { informer, watcher, emitted };
    running.push(r);
    return r;
  }

  beforeAll(async () => {
    bed = await startFunctionsBed({ namespacePrefix: 'watch', fixtureOptions: { bookmarkIntervalMs: 200 }, allCrds: true });
    await bed.createSecret('creds', { username: 'admin', password: 'watch-pass-7731' });
  }, 120_000);

  afterEach(async () => {
    for (const r of running) { r.watcher.stop(); await r.informer.stop(); }
    running = [];
  });

  afterAll(async () => {
    await bed?.stop();
  });

  it('emits exactly one event for a spec change, with the same id when two watchers observe it', async () => {
    // Prepare
    const a = await startWatching();
    const b = await startWatching();
    await bed.createHost('spec-1', { online: true, bmc: { address: 'fake://spec-1', credentialsName: 'creds' } });
    await eventually(() => a.emitted.length >= 1 && b.emitted.length >= 1, 'the enroll event');
    await sleep(300);

    // Assess
    expect(a.emitted).toHaveLength(1);
    expect(b.emitted).toHaveLength(1);
    expect(a.emitted[0]!.type).toBe(EventType.enroll);
    expect(a.emitted[0]!.subject).toBe(`${bed.namespace}/spec-1`);
    expect(a.emitted[0]!.id).toBe(b.emitted[0]!.id);
  });

  it('wakes an available host with inspect when its HostFirmwareComponents lists an update (the components informer), with the hint', async () => {
    // Prepare: an available host, the watcher's own informer wiring
    await bed.createHost('fw-1', { online: false, bmc: { address: 'fake://fw-1', credentialsName: 'creds' } });
    await driveTo(bed, 'fw-1', 'available');
    const emitted: CloudEvent<unknown>[] = [];
    const ironic = createIronicClient({ url: bed.ironicEndpoint.url });
    const watcher = createWatcher({ ironic, emit: async (e) => { emitted.push(e); }, log: silentLogger, backoffBaseMs: bed.config.BACKOFF_BASE_MS, resyncMs: 60_000 });
    const informers = await startInformers({ kubeConfig: bed.cluster.kubeConfig(), namespace: bed.namespace, log: silentLogger, claimResyncMs: 60_000, watcher });
    try {
      await sleep(300);
      // other hosts of the namespace (earlier tests) may have work of their own: only this host's events count
      const ofHost = () => emitted.filter((e) => e.subject === `${bed.namespace}/fw-1`);
      const quiet = ofHost().length;
      // Act
      await bed.custom.createNamespacedCustomObject({
        group: 'metal3.io', version: 'v1alpha1', plural: 'hostfirmwarecomponents', namespace: bed.namespace,
        body: { apiVersion: 'metal3.io/v1alpha1', kind: 'HostFirmwareComponents', metadata: { name: 'fw-1' }, spec: { updates: [{ component: 'bios', url: 'http://127.0.0.1:9/bios.img' }] } },
      });
      await eventually(() => ofHost().length > quiet, 'the inspect event');
      // Assess
      expect(quiet).toBe(0);
      const woke = ofHost().at(-1) as CloudEvent<{ observed: { firmwareChange?: boolean } }>;
      expect(woke.type).toBe(EventType.inspect);
      expect(woke.data?.observed.firmwareChange).toBe(true);
    } finally {
      watcher.stop();
      await informers.stop();
    }
  });

  it('emits nothing for status-only writes (lastUpdated) and nothing on a resync when nothing changed', async () => {
    // Prepare: a host with nothing due (unmanaged: no BMC)
    const w = await startWatching();
    await bed.createHost('quiet', { online: false });
    const { host } = await driveTo(bed, 'quiet', 'unmanaged');
    await eventually(() => w.informer.list().some((h) => h.metadata.name === 'quiet' && h.status?.provisioning?.state === 'unmanaged'), 'the informer to see unmanaged');
    const before = w.emitted.length;

    // Act
    await bed.deps.hosts.replaceStatus(host!, { ...host!.status, lastUpdated: new Date(Date.now() + 1000).toISOString() });
    await eventually(async () => w.informer.list().find((h) => h.metadata.name === 'quiet')?.status?.lastUpdated !== host!.status?.lastUpdated, 'the status write to arrive');
    w.watcher.resync();
    await sleep(200);

    // Assess
    expect(w.emitted.slice(before).filter((e) => e.subject === `${bed.namespace}/quiet`)).toHaveLength(0);
    expect(w.watcher.stats.resyncEmits).toBe(0);
  });

  itFixture('relists after 410 Gone and sees changes made while it was disconnected', async () => {
    // Prepare
    const w = await startWatching();
    const listsBefore = w.informer.stats.lists;

    // Act: the stream is cut and its reconnect held back while a host is created and the
    // history forgotten: resuming from the old resourceVersion then answers 410
    const control = bed.cluster.fixture!.control;
    control.delayNext({ method: 'GET', pathPrefix: `/apis/metal3.io/v1alpha1/namespaces/${bed.namespace}/baremetalhosts`, ms: 800 });
    control.closeWatches();
    await bed.createHost('after-410', { online: true, bmc: { address: 'fake://after-410', credentialsName: 'creds' } });
    control.expireHistory();

    // Assess
    await eventually(() => w.informer.list().some((h) => h.metadata.name === 'after-410'), 'the relist to find the new host');
    expect(w.informer.stats.lists).toBeGreaterThan(listsBefore);
    expect(w.informer.stats.gone).toBeGreaterThanOrEqual(1);
    await eventually(() => w.emitted.some((e) => e.subject === `${bed.namespace}/after-410`), 'an event for the new host');
  });

  itFixture('reconnects after the API answers 500 and keeps receiving changes', async () => {
    // Prepare
    const w = await startWatching();
    const watchesBefore = w.informer.stats.watches;

    // Act: the next watch (and list) requests fail with 500
    bed.cluster.fixture!.control.failNext({ method: 'GET', pathPrefix: `/apis/metal3.io/v1alpha1/namespaces/${bed.namespace}/baremetalhosts`, status: 500, times: 2 });
    bed.cluster.fixture!.control.closeWatches();
    await sleep(300);
    await bed.createHost('after-500', { online: true, bmc: { address: 'fake://after-500', credentialsName: 'creds' } });

    // Assess
    await eventually(() => w.informer.list().some((h) => h.metadata.name === 'after-500'), 'the informer to recover', 20_000);
    expect(w.informer.stats.watches).toBeGreaterThanOrEqual(watchesBefore + 2);
    expect(bed.cluster.fixture!.control.requests.filter((r) => r.status === 500 && r.path.includes(bed.namespace)).length).toBeGreaterThanOrEqual(1);
  });

  itFixture('receives BOOKMARK events on its watch when hosts change outside its namespace', async () => {
    // Prepare: bookmarks carry the resource's newest revision, so something must change out of scope
    const fixture = bed.cluster.fixture!;
    const elsewhere = `${bed.namespace}-elsewhere`;
    fixture.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: elsewhere } });
    const w = await startWatching();
    const before = w.informer.stats.bookmarks;
    // Act
    fixture.create({ apiVersion: 'metal3.io/v1alpha1', kind: 'BareMetalHost', metadata: { name: 'out-of-scope', namespace: elsewhere }, spec: { online: false } });
    // Assess
    await eventually(() => w.informer.stats.bookmarks > before, 'a bookmark', 10_000);
    expect(w.emitted.map((e) => e.subject)).not.toContain(`${elsewhere}/out-of-scope`);
  });

  it('polls Ironic with one list call per poll, whatever the number of hosts; settled, with one change probe and no list until a node is written', async () => {
    // Prepare: three hosts with Ironic nodes
    for (const name of ['poll-a', 'poll-b', 'poll-c']) {
      await bed.createHost(name, { online: true, automatedCleaningMode: 'disabled', bmc: { address: `fake://${name}`, credentialsName: 'creds' } });
      await driveTo(bed, name, 'available');
    }
    // the probe's case is a settled fleet: this watcher is told of these three hosts only (other tests leave hosts at work)
    const settled = [];
    for (const name of ['poll-a', 'poll-b', 'poll-c']) {
      await drive(bed, name, { until: (h) => h?.status?.provisioning?.state === 'available' && h.status.poweredOn === true });
      settled.push((await bed.getHost(name))!);
    }
    const ironic = createIronicClient({ url: bed.ironicEndpoint.url, onRequest: (i) => ironicCalls.push(i) });
    const w = { watcher: createWatcher({ ironic, emit: async () => undefined, log: silentLogger, backoffBaseMs: bed.config.BACKOFF_BASE_MS, resyncMs: 60_000 }) };
    for (const host of settled) w.watcher.onInformerEvent({ type: 'upsert', host });
    await w.watcher.poll(); // the client's one-time microversion negotiation (GET /) happens here
    expect(w.watcher.busy()).toBe(false);
    const calls = () => ironicCalls.map((c) => `${c.method} ${c.path.split('?')[0]}${/[?&]limit=1&sort_key=updated_at/.test(c.path) ? ' (probe)' : ''}`);
    ironicCalls.length = 0;

    // Act: two idle polls, nothing written
    await w.watcher.poll();
    await w.watcher.poll();
    const idle = calls();
    ironicCalls.length = 0;
    // a write to one node (Ironic sets its updated_at), then a poll
    const node = (await bed.nodeOf('poll-b'))!;
    await bed.ironic.patchNode(node.uuid, [{ op: 'add', path: '/extra/note', value: 'touched' }]);
    await w.watcher.poll();

    // Assess
    expect(idle).toEqual(['GET /v1/nodes (probe)', 'GET /v1/nodes (probe)']);
    expect(w.watcher.stats.listsSkipped).toBe(2);
    expect(calls()).toEqual(['GET /v1/nodes (probe)', 'GET /v1/nodes']);
    expect(ironicCalls[1]!.path).toMatch(/fields=.*provision_state.*power_state.*updated_at/);
    // busy: one list per poll, no probe
    w.watcher.onInformerEvent({ type: 'upsert', host: { ...(await bed.getHost('poll-c'))!, status: { provisioning: { state: 'inspecting' } } } as never });
    ironicCalls.length = 0;
    await w.watcher.poll();
    expect(calls()).toEqual(['GET /v1/nodes']);
  });

  it('emits a power event carrying Ironic\'s observation when a node is powered off behind our back', async () => {
    // Prepare: poll-a is available with spec.online true; power brings status.poweredOn to true
    await drive(bed, 'poll-a', { until: (h) => h?.status?.provisioning?.state === 'available' && h.status.poweredOn === true });
    const w = await startWatching();
    await w.watcher.poll();
    const node = (await bed.nodeOf('poll-a'))!;
    const host = (await bed.getHost('poll-a'))!;
    expect(host.status?.poweredOn).toBe(true);
    const before = w.emitted.length;

    // Act: someone powers the node off directly in Ironic
    await bed.ironic.setPowerState(node.uuid, 'power off');
    await eventually(async () => (await bed.nodeOf('poll-a'))?.power_state === 'power off', 'Ironic to report power off');
    await w.watcher.poll();

    // Assess
    const fresh = w.emitted.slice(before).filter((e) => e.subject === `${bed.namespace}/poll-a`);
    expect(fresh.map((e) => e.type)).toEqual([EventType.power]);
    expect((fresh[0]!.data as { observed: { ironic?: { powerState?: string } }; reason: string })).toMatchObject({ reason: 'ironic-progress', observed: { ironic: { powerState: 'power off' } } });
    // the same observation polled again emits nothing more
    await w.watcher.poll();
    expect(w.emitted.slice(before).filter((e) => e.subject === `${bed.namespace}/poll-a`)).toHaveLength(1);
  });
});
