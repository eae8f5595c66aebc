/**
 * The shell's provisioning limit on FakeIronic + FakeHostStore: a host that would enter a limited
 * state while PROVISIONING_LIMIT hosts are busy stays where it is, `delayed`, touches nothing in
 * Ironic, and goes on once a slot frees.
 */
import { describe, expect, it } from '@jest/globals';
import { aHost } from '../../../test/builders/host.ts';
import { FakeHostStore } from '../../../test/fakes/fake-host-store.ts';
import { FakeIronic } from '../../../test/fakes/fake-ironic.ts';
import { testConfig } from '../../../test/fakes/transition-harness.ts';
import { buildRequestedEvent } from '../../../events/src/build.ts';
import { power } from '../../../functions/power/src/transition.ts';
import { provision } from '../../../functions/provision/src/transition.ts';
import { nodeNameFor } from '../ironic/lookup.ts';
import { dueFor } from '../state-machine/guard.ts';
import { createLogger } from '../log.ts';
import { createMetrics } from '../metrics/metrics.ts';
import { createHandler } from './create-handler.ts';
import type { TransitionFunction } from './types.ts';

const NS = 'metal3';
const IMG = 'http://images/os.qcow2';

function setUp(limit: string) {
  const hosts = new FakeHostStore()
    .withHost(aHost('provisioning').named('busy-0').withImage(IMG).withOnline(true).build())
    .withHost(aHost('provisioning').named('busy-1').withImage(IMG).withOnline(true).build())
    .withHost(aHost('available').named('waiting').withImage(IMG).withOnline(true).build())
    .withSecret(NS, 'waiting-bmc', { username: 'admin', password: 'pw' });
  const ironic = new FakeIronic();
  const metrics = createMetrics({ defaultMetrics: false });
  const handler = createHandler(provision as unknown as TransitionFunction<never>, {
    hosts, ironic, config: testConfig({ PROVISIONING_LIMIT: limit }), log: createLogger({ level: 'silent' }), metrics,
  });
  const send = () => handler.processEvent(buildRequestedEvent({ host: hosts.peek(NS, 'waiting')!, transition: 'provision', reason: 'spec-changed', source: '/metal3/watcher/test' }));
  return { hosts, ironic, metrics, send };
}

describe('provisioning limit in the shell', () => {
  it('holds a host at the limit as delayed, with no Ironic call, no error and one Delayed Event', async () => {
    // Prepare
    const { hosts, ironic, metrics, send } = setUp('2');
    // Act: two deliveries (the watcher's resync retries)
    const first = await send();
    const second = await send();
    // Assess
    expect(first).toMatchObject({ kind: 'progressed', state: 'available' });
    expect(second).toMatchObject({ kind: 'progressed', state: 'available' });
    const host = hosts.peek(NS, 'waiting')!;
    expect(host.status).toMatchObject({ operationalStatus: 'delayed', errorCount: 0, provisioning: { state: 'available' } });
    expect(host.status?.errorType).toBeUndefined();
    expect(ironic.calls.filter((c) => c.method !== 'GET')).toEqual([]);
    expect(hosts.events.filter((e) => e.reason === 'Delayed')).toHaveLength(1);
    expect(await metrics.registry.getSingleMetricAsString('metal3_delayed__provisioning_total')).toContain('host="waiting"');
  });

  it('lets the host in once a slot frees: delayed → provisioning', async () => {
    // Prepare
    const { hosts, send } = setUp('2');
    await send();
    const done = hosts.peek(NS, 'busy-0')!;
    await hosts.replaceStatus(done, { ...done.status, provisioning: { ...(done.status?.provisioning as object), state: 'provisioned' } });
    // Act
    await send();
    // Assess: it entered provisioning (FakeIronic holds no node for it, so the attempt then fails on)
    expect(hosts.events.filter((e) => e.host === `${NS}/waiting`).map((e) => e.reason)).toEqual(['Delayed', 'Provisioning', 'ProvisioningError']);
  });

  it('does not limit with PROVISIONING_LIMIT 0', async () => {
    const { hosts, send } = setUp('0');
    await send();
    expect(hosts.events.filter((e) => e.host === `${NS}/waiting`).map((e) => e.reason)).toContain('Provisioning');
    expect(hosts.events.map((e) => e.reason)).not.toContain('Delayed');
  });

  it('clears a delay whose intent went away: power looks at the host, changes nothing, and writes OK', async () => {
    // Prepare: a delayed host whose image was removed while it waited; its node is available and on, as spec.online asks
    const host = aHost('available').named('waiting').withOnline(true).withPoweredOn(true).build();
    host.status = { ...host.status, operationalStatus: 'delayed' } as typeof host.status;
    const hosts = new FakeHostStore().withHost(host);
    const ironic = new FakeIronic().withNode({ name: nodeNameFor(host), provisionState: 'available', powerState: 'power on' });
    const stored = hosts.peek(NS, 'waiting')!;
    await hosts.replaceStatus(stored, { ...stored.status, provisioning: { ...(stored.status?.provisioning as object), ID: ironic.nodes[0]!.uuid } });
    const due = dueFor(hosts.peek(NS, 'waiting')!, { now: Date.now() });
    const handler = createHandler(power as unknown as TransitionFunction<never>, { hosts, ironic, config: testConfig({ PROVISIONING_LIMIT: '2' }), log: createLogger({ level: 'silent' }) });
    // Act
    await handler.processEvent(buildRequestedEvent({ host: hosts.peek(NS, 'waiting')!, transition: 'power', reason: 'resync', source: '/metal3/watcher/test' }));
    // Assess
    expect(due).toMatchObject({ kind: 'maintain', by: 'power', edge: { when: 'delayLifted' } });
    expect(hosts.peek(NS, 'waiting')!.status).toMatchObject({ operationalStatus: 'OK', provisioning: { state: 'available' } });
    expect(ironic.calls.filter((c) => c.method !== 'GET')).toEqual([]);
  });
});
