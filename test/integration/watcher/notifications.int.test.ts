/**
 * Ironic's versioned notifications on real parts: a real Ironic (fake-hardware) publishing to a
 * real RabbitMQ, our AMQP consumer and the watcher following them. A settled fleet costs Ironic no
 * request between the minute's lists; a power drift Ironic announces is listed and sent on within a
 * second; with the bus gone the watcher probes Ironic again.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { CloudEvent } from 'cloudevents';
import { createWatcher } from '../../../functions/watcher/src/watcher.ts';
import type { RequestedData } from '../../../events/src/schemas.ts';
import { createIronicClient } from '../../../shared/src/ironic/client.ts';
import type { IronicRequestInfo } from '../../../shared/src/ironic/client.ts';
import { nodeNameFor } from '../../../shared/src/ironic/lookup.ts';
import { followIronicNotifications, startIronicNotificationFeed } from '../../../shared/src/ironic/notifications.ts';
import type { IronicNotification } from '../../../shared/src/ironic/notifications.ts';
import { silentLogger } from '../../../shared/src/log.ts';
import { aHost } from '../../builders/host.ts';
import { startIronic } from '../../bed/ironic.ts';
import type { IronicInstance } from '../../bed/ironic.ts';
import { rabbitTransportUrl, startRabbitMq } from '../../bed/rabbitmq.ts';
import type { RabbitMqInstance } from '../../bed/rabbitmq.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function eventually(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

describe('Ironic notifications (real Ironic publishing to a real RabbitMQ)', () => {
  let bus: RabbitMqInstance;
  let ironicBed: IronicInstance;
  const admin = () => createIronicClient({ url: ironicBed.url });
  const hosts = ['note-a', 'note-b', 'note-c'].map((name) => aHost('available', name).withOnline(true).withPoweredOn(true).build());
  const uuids = new Map<string, string>();

  beforeAll(async () => {
    bus = await startRabbitMq();
    ironicBed = await startIronic({ hardwareTypes: ['fake-hardware'], notificationsTransportUrl: rabbitTransportUrl(bus) });
    const ironic = admin();
    for (const host of hosts) {
      const node = await ironic.createNode({
        name: nodeNameFor(host), driver: 'fake-hardware', driver_info: {},
        boot_interface: 'fake', deploy_interface: 'fake', inspect_interface: 'fake', power_interface: 'fake', management_interface: 'fake',
        network_interface: 'noop', vendor_interface: 'fake', automated_clean: false,
      } as Parameters<typeof ironic.createNode>[0]);
      uuids.set(host.metadata.name, node.uuid);
      await ironic.setProvisionState(node.uuid, 'manage');
    }
    for (let i = 0; i < 200 && (await ironic.listNodes({ fields: ['provision_state'] })).some((n) => n.provision_state !== 'manageable'); i++) await sleep(100);
    for (const uuid of uuids.values()) await ironic.setProvisionState(uuid, 'provide');
    for (let i = 0; i < 200 && (await ironic.listNodes({ fields: ['provision_state'] })).some((n) => n.provision_state !== 'available'); i++) await sleep(100);
    for (const uuid of uuids.values()) await ironic.setPowerState(uuid, 'power on');
    for (let i = 0; i < 200 && (await ironic.listNodes({ fields: ['power_state'] })).some((n) => n.power_state !== 'power on'); i++) await sleep(100);
  }, 180_000);

  afterAll(async () => {
    await ironicBed?.stop();
    await bus?.stop();
  });

  it('a power change made through Ironic\'s API arrives as power_set.start and .end naming the node', async () => {
    // Prepare
    const got: IronicNotification[] = [];
    const feed = startIronicNotificationFeed({ url: bus.url, onNotification: (n) => { if (n) got.push(n); }, onConnected: () => undefined, log: silentLogger });
    await eventually(() => feed.connected(), 'the subscription');
    const uuid = uuids.get('note-a')!;
    // Act
    await admin().setPowerState(uuid, 'power off');
    await eventually(() => got.some((n) => n.eventType === 'baremetal.node.power_set.end' && n.nodeUuid === uuid), 'power_set.end');
    await admin().setPowerState(uuid, 'power on');
    await eventually(() => got.filter((n) => n.eventType === 'baremetal.node.power_set.end' && n.nodeUuid === uuid).length === 2, 'the second power_set.end');
    await feed.stop();
    // Assess
    const forNode = got.filter((n) => n.nodeUuid === uuid).map((n) => n.eventType);
    expect(forNode).toEqual(['baremetal.node.power_set.start', 'baremetal.node.power_set.end', 'baremetal.node.power_set.start', 'baremetal.node.power_set.end']);
  }, 60_000);

  it('following them, a settled watcher makes no Ironic request until a drift is announced, then one list and the power event; without the bus it probes again', async () => {
    // Prepare
    const calls: IronicRequestInfo[] = [];
    const emitted: CloudEvent<RequestedData>[] = [];
    const ironic = createIronicClient({ url: ironicBed.url, onRequest: (i) => calls.push(i) });
    const watcher = createWatcher({ ironic, emit: async (e) => { emitted.push(e as CloudEvent<RequestedData>); }, log: silentLogger, resyncMs: 3_600_000 });
    for (const host of hosts) watcher.onInformerEvent({ type: 'upsert', host });
    watcher.start();
    const feed = followIronicNotifications(watcher, { url: bus.url, log: silentLogger, retryMs: { first: 200, max: 1_000 } });
    await eventually(() => feed.connected() && watcher.stats.polls >= 1 && !watcher.busy(), 'a settled, subscribed watcher');
    await sleep(500);
    const kinds = () => calls.map((c) => `${c.method} ${c.path.split('?')[0]}${/[?&]limit=1&sort_key=updated_at/.test(c.path) ? ' (probe)' : ''}`);
    calls.length = 0;
    const emittedBefore = emitted.length;

    // Act 1: 8 s with nothing written (the idle probe would have asked 1-2 times at this size)
    await sleep(8_000);
    const quiet = kinds();
    // Act 2: a drift behind the watcher's back, announced by Ironic
    const driftAt = Date.now();
    await admin().setPowerState(uuids.get('note-b')!, 'power off');
    await eventually(() => emitted.length > emittedBefore, 'the power event');
    const seenAfterMs = Date.now() - driftAt;
    const afterDrift = kinds();

    // Assess
    expect(quiet).toEqual([]);
    expect(afterDrift.filter((k) => k === 'GET /v1/nodes')).not.toHaveLength(0);
    expect(afterDrift).not.toContain('GET /v1/nodes (probe)');
    expect(emitted.slice(emittedBefore).map((e) => [e.type, e.data?.host.name])).toEqual([['io.metal3.baremetalhost.power.requested', 'note-b']]);
    expect(seenAfterMs).toBeLessThan(3_000);
    expect(watcher.stats.notificationPolls).toBeGreaterThanOrEqual(1);

    // Act 3: the host is put right (as the power function would), then the bus goes away; the
    // watcher falls back to its change probe (3 hosts: every 20 s)
    await admin().setPowerState(uuids.get('note-b')!, 'power on');
    await eventually(() => !watcher.busy(), 'the watcher idle again');
    await bus.stop();
    await eventually(() => !feed.connected(), 'the lost subscription');
    calls.length = 0;
    await eventually(() => kinds().includes('GET /v1/nodes (probe)'), 'a change probe', 45_000);
    await feed.stop();
    watcher.stop();
  }, 120_000);
});
