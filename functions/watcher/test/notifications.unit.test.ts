/**
 * watcher: subscribed to Ironic's notifications, a settled fleet is listed once a minute and a
 * notification brings the next poll forward (a hint only: the list decides). Unsubscribed, the
 * idle poll probes as before.
 */
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import type { CloudEvent } from 'cloudevents';
import type { RequestedData } from '../../../events/src/schemas.ts';
import { nodeNameFor } from '../../../shared/src/ironic/lookup.ts';
import { silentLogger } from '../../../shared/src/log.ts';
import { aHost } from '../../../test/builders/host.ts';
import { FakeIronic } from '../../../test/fakes/fake-ironic.ts';
import { createWatcher, DEFAULT_POLL_ACTIVE_MS, UPSTREAM_STEADY_POLL_MS } from '../src/watcher.ts';

const POWER_SET = { eventType: 'baremetal.node.power_set.end', nodeUuid: 'any' };

/** 3 provisioned hosts powered on as asked, the watcher started and settled after its first list. */
async function startedFleet() {
  const ironic = new FakeIronic();
  const image = 'http://images/os.qcow2';
  const hosts = Array.from({ length: 3 }, (_, i) => aHost('provisioned', `h${i}`).withImage(image).withDeployedImage(image).withOnline(true).withPoweredOn(true).build());
  for (const host of hosts) ironic.withNode({ name: nodeNameFor(host), provisionState: 'active', powerState: 'power on' });
  const emitted: CloudEvent<RequestedData>[] = [];
  const watcher = createWatcher({ ironic, log: silentLogger, emit: async (e) => { emitted.push(e as CloudEvent<RequestedData>); }, resyncMs: 3_600_000 });
  for (const host of hosts) watcher.onInformerEvent({ type: 'upsert', host });
  watcher.start();
  await jest.advanceTimersByTimeAsync(1);
  expect(watcher.busy()).toBe(false);
  const since = (mark: number) => ironic.calls.slice(mark).map((c) => c.op);
  return { ironic, hosts, watcher, emitted, since };
}

describe('watcher with Ironic notifications', () => {
  beforeEach(() => { jest.useFakeTimers({ now: Date.parse('2026-12-07T10:00:00.000Z') }); });
  afterEach(() => { jest.useRealTimers(); });

  it('subscribed and idle, lists once a minute and never probes', async () => {
    // Prepare
    const t = await startedFleet();
    t.watcher.setNotificationsConnected(true);
    const mark = t.ironic.calls.length;
    // Act
    await jest.advanceTimersByTimeAsync(UPSTREAM_STEADY_POLL_MS * 3);
    // Assess
    expect(t.watcher.nextPollDelay()).toBe(UPSTREAM_STEADY_POLL_MS);
    expect(t.since(mark)).toEqual(['listNodes', 'listNodes', 'listNodes']);
    t.watcher.stop();
  });

  it('a notification brings the poll forward: the drift is listed and its power event sent at once', async () => {
    // Prepare
    const t = await startedFleet();
    t.watcher.setNotificationsConnected(true);
    await jest.advanceTimersByTimeAsync(10_000);
    const mark = t.ironic.calls.length;
    const emittedBefore = t.emitted.length;
    // Act: the node goes off, Ironic announces it
    await t.ironic.setPowerState(nodeNameFor(t.hosts[2]!), 'power off');
    t.watcher.onIronicNotification(POWER_SET);
    await jest.advanceTimersByTimeAsync(1);
    // Assess: listed at once (the last poll is long past); the host is then busy and polled at the active rate
    expect(t.since(mark)).toEqual(['setPowerState', 'listNodes']);
    const fresh = t.emitted.slice(emittedBefore);
    expect(fresh.map((e) => [e.type, e.data?.host.name])).toEqual([['io.metal3.baremetalhost.power.requested', 'h2']]);
    expect(t.watcher.stats.notificationPolls).toBe(1);
    t.watcher.stop();
  });

  it('a notification that names no real change costs one list and emits nothing', async () => {
    // Prepare
    const t = await startedFleet();
    t.watcher.setNotificationsConnected(true);
    await jest.advanceTimersByTimeAsync(10_000);
    const mark = t.ironic.calls.length;
    const emittedBefore = t.emitted.length;
    // Act: a stale or forged message
    t.watcher.onIronicNotification({ eventType: 'baremetal.node.power_set.end', nodeUuid: 'not-a-node' });
    await jest.advanceTimersByTimeAsync(DEFAULT_POLL_ACTIVE_MS);
    // Assess
    expect(t.since(mark)).toEqual(['listNodes']);
    expect(t.emitted.length).toBe(emittedBefore);
    t.watcher.stop();
  });

  it('a burst of notifications brings polls no closer together than the active rate', async () => {
    // Prepare
    const t = await startedFleet();
    t.watcher.setNotificationsConnected(true);
    await jest.advanceTimersByTimeAsync(10_000);
    const mark = t.ironic.calls.length;
    // Act: 20 notifications over 2 s
    for (let i = 0; i < 20; i++) {
      t.watcher.onIronicNotification(POWER_SET);
      await jest.advanceTimersByTimeAsync(100);
    }
    await jest.advanceTimersByTimeAsync(DEFAULT_POLL_ACTIVE_MS);
    // Assess: at most one list per active period in 2.5 s, and the last notification is covered by a list after it
    const lists = t.since(mark).filter((op) => op === 'listNodes').length;
    expect(lists).toBeGreaterThanOrEqual(2);
    expect(lists).toBeLessThanOrEqual(Math.ceil(2_500 / DEFAULT_POLL_ACTIVE_MS));
    expect(t.watcher.stats.notifications).toBe(20);
    t.watcher.stop();
  });

  it('a notification while a list is in flight gets one more list after it, however many came', async () => {
    // Prepare: Ironic answers lists after 200 ms
    const t = await startedFleet();
    const slow = new Proxy(t.ironic, {
      get(target, key) {
        if (key === 'listNodes') return async (...args: Parameters<FakeIronic['listNodes']>) => { await new Promise((r) => setTimeout(r, 200)); return target.listNodes(...args); };
        const value = Reflect.get(target, key, target) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const watcher = createWatcher({ ironic: slow, log: silentLogger, emit: async () => undefined, resyncMs: 3_600_000 });
    for (const host of t.hosts) watcher.onInformerEvent({ type: 'upsert', host });
    watcher.start();
    watcher.setNotificationsConnected(true);
    await jest.advanceTimersByTimeAsync(10_000);
    t.watcher.stop();
    watcher.onIronicNotification(POWER_SET);
    await jest.advanceTimersByTimeAsync(50);
    const mark = t.ironic.calls.length;
    // Act: three notifications while that list is in flight
    for (let i = 0; i < 3; i++) watcher.onIronicNotification(POWER_SET);
    await jest.advanceTimersByTimeAsync(150 + DEFAULT_POLL_ACTIVE_MS + 200 + 10);
    // Assess: the list in flight, then exactly one more
    expect(t.since(mark)).toEqual(['listNodes', 'listNodes']);
    expect(watcher.stats.notificationPolls).toBe(2);
    await jest.advanceTimersByTimeAsync(30_000);
    expect(t.since(mark)).toEqual(['listNodes', 'listNodes']);
    watcher.stop();
  });

  it('a malformed message brings nothing forward', async () => {
    // Prepare
    const t = await startedFleet();
    t.watcher.setNotificationsConnected(true);
    await jest.advanceTimersByTimeAsync(10_000);
    const mark = t.ironic.calls.length;
    // Act
    t.watcher.onIronicNotification(undefined);
    await jest.advanceTimersByTimeAsync(5_000);
    // Assess
    expect(t.since(mark)).toEqual([]);
    expect(t.watcher.stats.notifications).toBe(1);
    expect(t.watcher.stats.notificationPolls).toBe(0);
    t.watcher.stop();
  });

  it('losing the subscription lists soon and then probes at the idle rate again', async () => {
    // Prepare
    const t = await startedFleet();
    t.watcher.setNotificationsConnected(true);
    await jest.advanceTimersByTimeAsync(10_000);
    const mark = t.ironic.calls.length;
    // Act
    t.watcher.setNotificationsConnected(false);
    await jest.advanceTimersByTimeAsync(30_000);
    // Assess: 3 hosts → 20 s idle period (60 s / 3, at least 5 s): a list, then a probe
    expect(t.since(mark)).toEqual(['listNodes', 'lastWrittenNode']);
    t.watcher.stop();
  });
});
