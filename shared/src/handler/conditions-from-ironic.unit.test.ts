/**
 * The shell feeds what a function observed of the Ironic node into upstream's conditions: a power
 * fault makes Manageable False/PowerFailure and node.health sets Healthy; both clear when Ironic
 * clears them. On FakeIronic + FakeHostStore, with the power function.
 */
import { describe, expect, it } from '@jest/globals';
import { aHost } from '../../../test/builders/host.ts';
import { FakeHostStore } from '../../../test/fakes/fake-host-store.ts';
import { FakeIronic } from '../../../test/fakes/fake-ironic.ts';
import { testConfig } from '../../../test/fakes/transition-harness.ts';
import { buildRequestedEvent } from '../../../events/src/build.ts';
import { power } from '../../../functions/power/src/transition.ts';
import { nodeNameFor } from '../ironic/lookup.ts';
import type { StoredHost } from '../k8s/host-store.ts';
import { createLogger } from '../log.ts';
import { createHandler } from './create-handler.ts';
import type { TransitionFunction } from './types.ts';

const NS = 'metal3';
const conditionsOf = (h: StoredHost | undefined) => Object.fromEntries(((h?.status?.conditions as Array<{ type: string; status: string; reason: string }> | undefined) ?? [])
  .filter((c) => c.type === 'Manageable' || c.type === 'Healthy').map((c) => [c.type, `${c.status}/${c.reason}`]));

async function setUp(node: { fault?: string | null; health?: string | null }) {
  const host = aHost('provisioned').named('h').withImage('http://images/os.qcow2').withDeployedImage('http://images/os.qcow2').withOnline(true).withPoweredOn(false).build();
  const hosts = new FakeHostStore().withHost(host);
  const ironic = new FakeIronic().withNode({ name: nodeNameFor(host), provisionState: 'active', powerState: 'power on', ...node });
  const stored = hosts.peek(NS, 'h')!;
  await hosts.replaceStatus(stored, { ...stored.status, provisioning: { ...(stored.status?.provisioning as object), ID: ironic.nodes[0]!.uuid } });
  const handler = createHandler(power as unknown as TransitionFunction<never>, { hosts, ironic, config: testConfig(), log: createLogger({ level: 'silent' }) });
  const send = () => handler.processEvent(buildRequestedEvent({ host: hosts.peek(NS, 'h')!, transition: 'power', reason: 'ironic-progress', source: '/metal3/watcher/test' }));
  return { hosts, ironic, send };
}

describe('conditions from the observed Ironic node', () => {
  it.each([
    { case: 'a power fault and a Warning health', node: { fault: 'power failure', health: 'Warning' }, expected: { Manageable: 'False/PowerFailure', Healthy: 'False/Warning' } },
    { case: 'a Critical health', node: { fault: null, health: 'Critical' }, expected: { Manageable: 'True/Manageable', Healthy: 'False/CriticalError' } },
    { case: 'a healthy node', node: { fault: null, health: 'OK' }, expected: { Manageable: 'True/Manageable', Healthy: 'True/Healthy' } },
    { case: 'a node that reports no health (older Ironic, fake hardware)', node: { fault: null }, expected: { Manageable: 'True/Manageable', Healthy: 'Unknown/Unknown' } },
    { case: 'another fault (not a power failure)', node: { fault: 'clean failure', health: null }, expected: { Manageable: 'True/Manageable', Healthy: 'Unknown/Unknown' } },
  ])('$case', async ({ node, expected }) => {
    // Prepare
    const { hosts, send } = await setUp(node);
    // Act
    await send();
    // Assess
    expect(conditionsOf(hosts.peek(NS, 'h'))).toEqual(expected);
  });

  it('clears PowerFailure and updates Healthy when Ironic clears the fault', async () => {
    // Prepare: the fault is recorded first
    const { hosts, ironic, send } = await setUp({ fault: 'power failure', health: 'Warning' });
    await send();
    // Act: Ironic clears the fault; power is already as spec.online asks
    await ironic.patchNode(ironic.nodes[0]!.uuid, [{ op: 'replace', path: '/fault', value: null }, { op: 'replace', path: '/health', value: 'OK' }]);
    const host = hosts.peek(NS, 'h')!;
    await hosts.replaceStatus(host, { ...host.status, poweredOn: false });
    await send();
    // Assess
    expect(conditionsOf(hosts.peek(NS, 'h'))).toEqual({ Manageable: 'True/Manageable', Healthy: 'True/Healthy' });
  });
});
