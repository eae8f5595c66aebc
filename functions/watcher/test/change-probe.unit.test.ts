/**
 * watcher: on a settled fleet an idle poll first asks Ironic for the node written last and lists only
 * when that answer moved, when a full list is due (`listEveryMs`), after work in flight, or when the
 * probe failed. A drift must still be seen at the next idle poll.
 */
import { describe, expect, it } from '@jest/globals';
import type { CloudEvent } from 'cloudevents';
import type { RequestedData } from '../../../events/src/schemas.ts';
import { IronicRequestError, IronicUnavailableError } from '../../../shared/src/errors.ts';
import { nodeNameFor } from '../../../shared/src/ironic/lookup.ts';
import { silentLogger } from '../../../shared/src/log.ts';
import { aHost } from '../../../test/builders/host.ts';
import { FakeIronic } from '../../../test/fakes/fake-ironic.ts';
import { createWatcher } from '../src/watcher.ts';

const START = Date.parse('2026-12-06T10:00:00.000Z');

/** `count` provisioned hosts, powered on as asked; every node written once (as enrolment and deployment do). */
async function settledFleet(count = 3) {
  const ironic = new FakeIronic();
  const image = 'http://images/os.qcow2';
  const hosts = Array.from({ length: count }, (_, i) => aHost('provisioned', `h${i}`).withImage(image).withDeployedImage(image).withOnline(true).withPoweredOn(true).build());
  for (const host of hosts) ironic.withNode({ name: nodeNameFor(host), provisionState: 'active', powerState: 'power on' });
  await ironic.listNodes(); // Ironic's rows as first read: never written since creation
  for (const node of ironic.nodes) await ironic.patchNode(node.uuid, [{ op: 'add', path: '/extra/written', value: 'yes' }]);
  const emitted: CloudEvent<RequestedData>[] = [];
  let clock = START;
  const watcher = createWatcher({
    ironic, log: silentLogger, emit: async (e) => { emitted.push(e as CloudEvent<RequestedData>); }, resyncMs: 3_600_000, now: () => clock,
  });
  for (const host of hosts) watcher.onInformerEvent({ type: 'upsert', host });
  const calls = () => ironic.calls.map((c) => c.op);
  /** `count` idle polls 6 s apart (the idle poll of 10 hosts); the Ironic calls they made */
  const idlePolls = async (count: number) => {
    const before = ironic.calls.length;
    for (let i = 0; i < count; i++) {
      clock += 6_000;
      await watcher.poll();
    }
    return calls().slice(before);
  };
  return { ironic, hosts, watcher, emitted, calls, idlePolls, advance: (ms: number) => { clock += ms; } };
}

describe('watcher change probe', () => {
  it('an idle poll after a list makes one probe call and no list while no node was written', async () => {
    // Prepare
    const t = await settledFleet();
    await t.watcher.poll();
    expect(t.watcher.busy()).toBe(false);
    // Act
    const calls = await t.idlePolls(2);
    // Assess
    expect(calls).toEqual(['lastWrittenNode', 'lastWrittenNode']);
    expect(t.watcher.stats.listsSkipped).toBe(2);
    expect(t.watcher.stats.polls).toBe(3);
  });

  it('a power drift written by Ironic moves the probe: the same poll lists and asks for the power fix', async () => {
    // Prepare
    const t = await settledFleet();
    await t.watcher.poll();
    await t.idlePolls(1);
    const emittedBefore = t.emitted.length;
    // Act: the node goes off, and Ironic writes that to its row
    await t.ironic.setPowerState(nodeNameFor(t.hosts[1]!), 'power off');
    const calls = await t.idlePolls(1);
    // Assess
    expect(calls).toEqual(['lastWrittenNode', 'listNodes']);
    const fresh = t.emitted.slice(emittedBefore);
    expect(fresh.map((e) => [e.type, e.data?.host.name])).toEqual([['io.metal3.baremetalhost.power.requested', 'h1']]);
    expect(fresh[0]?.data?.observed.ironic?.powerState).toBe('power off');
  });

  it('lists once listEveryMs (upstream\'s 60 s) has passed since the last list, probe unchanged or not', async () => {
    // Prepare
    const t = await settledFleet();
    await t.watcher.poll();
    const before = t.ironic.calls.length;
    // Act
    t.advance(59_999);
    await t.watcher.poll();
    t.advance(1);
    await t.watcher.poll();
    // Assess: no probe before the list that is due
    expect(t.calls().slice(before)).toEqual(['lastWrittenNode', 'listNodes']);
  });

  it('sees a node deleted behind its back at the next full list (a delete writes no other row)', async () => {
    // Prepare: h0 in maintenance (so it may be deleted), then h1 written after it
    const t = await settledFleet();
    const gone = t.ironic.node(nodeNameFor(t.hosts[0]!))!;
    await t.ironic.setMaintenance(gone.uuid, true, 'retired');
    await t.ironic.patchNode(nodeNameFor(t.hosts[1]!), [{ op: 'add', path: '/extra/later', value: 'yes' }]);
    await t.watcher.poll();
    await t.ironic.deleteNode(gone.uuid);
    // Act
    const probed = await t.idlePolls(1);
    t.advance(54_000);
    const listed = await t.idlePolls(1);
    // Assess: the newest write is still h1's, so the probe alone cannot tell; the full list a minute on does
    expect([...probed, ...listed]).toEqual(['lastWrittenNode', 'listNodes']);
    expect((await t.ironic.listNodes()).map((n) => n.uuid)).not.toContain(gone.uuid);
    expect(t.watcher.stats.lastListSize).toBe(2);
  });

  it('after work in flight, the first idle poll lists even when the probe answers as before', async () => {
    // Prepare: a probe answer taken, then a host at work (its lists leave no mark), then done
    const t = await settledFleet();
    await t.watcher.poll();
    const working = aHost('deprovisioning', 'h9').build();
    t.watcher.onInformerEvent({ type: 'upsert', host: working });
    await t.watcher.poll();
    t.watcher.onInformerEvent({ type: 'delete', host: working });
    expect(t.watcher.busy()).toBe(false);
    // Act
    const calls = await t.idlePolls(2);
    // Assess
    expect(calls).toEqual(['lastWrittenNode', 'listNodes', 'lastWrittenNode']);
  });

  it('lists without probing while a host has work in flight', async () => {
    // Prepare
    const t = await settledFleet(1);
    await t.watcher.poll();
    t.watcher.onInformerEvent({ type: 'upsert', host: aHost('deprovisioning', 'h9').build() });
    expect(t.watcher.busy()).toBe(true);
    const before = t.ironic.calls.length;
    // Act
    await t.watcher.poll();
    // Assess
    expect(t.calls().slice(before)).toEqual(['listNodes']);
  });

  it('an Ironic that refuses the probe (400) is listed at every poll from then on', async () => {
    // Prepare
    const t = await settledFleet();
    await t.watcher.poll();
    t.ironic.failNext('lastWrittenNode', new IronicRequestError('GET /v1/nodes failed: 400 Invalid sort key', 400));
    // Act
    const calls = await t.idlePolls(2);
    // Assess
    expect(calls).toEqual(['lastWrittenNode', 'listNodes', 'listNodes']);
  });

  it('a probe that failed for another reason lists this time and probes again next time', async () => {
    // Prepare
    const t = await settledFleet();
    await t.watcher.poll();
    t.ironic.failNext('lastWrittenNode', new IronicUnavailableError('GET /v1/nodes: connection reset'));
    // Act
    const calls = await t.idlePolls(2);
    // Assess
    expect(calls).toEqual(['lastWrittenNode', 'listNodes', 'lastWrittenNode']);
  });
});
