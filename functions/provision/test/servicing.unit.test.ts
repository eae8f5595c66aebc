/** provision › servicing: observe + decide over Ironic's service states, the policy and the desired settings. */
import { describe, expect, it } from '@jest/globals';
import type { IronicBiosSetting } from '../../../shared/src/ironic/types.ts';
import { dueFor } from '../../../shared/src/state-machine/guard.ts';
import { ErrorType } from '../../../shared/src/state-machine/states.ts';
import { aHost, T0 } from '../../../test/builders/host.ts';
import type { HostBuilder } from '../../../test/builders/host.ts';
import { FakeHostStore } from '../../../test/fakes/fake-host-store.ts';
import { FakeIronic } from '../../../test/fakes/fake-ironic.ts';
import type { FakeNodeSeed } from '../../../test/fakes/fake-ironic.ts';
import { decideOnce } from '../../../test/fakes/transition-harness.ts';
import { provision } from '../src/transition.ts';

const NAME = 'metal3~host-0';
const BIOS: IronicBiosSetting[] = [{ name: 'ProcTurboMode', value: 'Enabled', attribute_type: 'Enumeration', allowable_values: ['Enabled', 'Disabled'] }];
const rebooting = () => aHost('provisioned').withImage('http://images/os.qcow2').withDeployedImage('http://images/os.qcow2').withOnline(true).withPoweredOn(false);

interface Row { case: string; host: HostBuilder; node: FakeNodeSeed; desired?: Record<string, string>; policy?: 'onReboot' | 'onPreparing'; expected: string | RegExp; message?: RegExp }

async function run({ host, node, desired, policy }: Row) {
  const ironic = new FakeIronic();
  ironic.withNode({ name: NAME, ...node });
  ironic.biosSettings.set((await ironic.getNode(NAME))!.uuid, BIOS);
  const hosts = new FakeHostStore();
  const built = host.build();
  const key = `${built.metadata.namespace}/${built.metadata.name}`;
  if (desired) hosts.firmwareSettings.set(key, { metadata: { name: built.metadata.name, generation: 1 }, spec: { settings: desired } });
  if (policy) hosts.updatePolicies.set(key, { metadata: { name: built.metadata.name }, spec: { firmwareSettings: policy } });
  return decideOnce(provision, built, { ironic, hosts });
}

const rows: Row[] = [
  { case: 'active, a change and a policy onReboot → status written, `service` with the bios step, servicing', host: rebooting(), node: { provisionState: 'active' }, desired: { ProcTurboMode: 'Disabled' }, policy: 'onReboot', expected: /^continue: write HostFirmwareSettings status \(schema \S+\) \+ provision node :node → service$/ },
  { case: 'active, a change, no policy → nothing sent, complete', host: rebooting(), node: { provisionState: 'active' }, desired: { ProcTurboMode: 'Disabled' }, expected: /^complete: write HostFirmwareSettings status \(schema \S+\)$/ },
  { case: 'active, a change, a policy onPreparing only → nothing sent', host: rebooting(), node: { provisionState: 'active' }, desired: { ProcTurboMode: 'Disabled' }, policy: 'onPreparing', expected: /^complete: write HostFirmwareSettings status/ },
  { case: 'servicing, node `service wait` → wait', host: rebooting().withStatus({ operationalStatus: 'servicing' }), node: { provisionState: 'service wait' }, expected: 'continue: (none)' },
  { case: 'servicing, node `active` again with the settings in place → complete', host: rebooting().withStatus({ operationalStatus: 'servicing' }), node: { provisionState: 'active' }, desired: { ProcTurboMode: 'Enabled' }, policy: 'onReboot', expected: /^complete: write HostFirmwareSettings status/ },
  { case: 'node `service failed` first seen → servicing error', host: rebooting().withStatus({ operationalStatus: 'servicing' }), node: { provisionState: 'service failed', last_error: 'Attributes are not updated' }, expected: 'fail: (none)', message: /^servicing failed: Attributes are not updated$/ },
  {
    case: 'node `service failed` recorded, nothing left to apply → an empty `service` ends it',
    host: rebooting().withError({ errorType: ErrorType.Servicing }), node: { provisionState: 'service failed', last_error: 'x', updated_at: new Date(T0.getTime() - 1).toISOString() },
    desired: { ProcTurboMode: 'Enabled' }, policy: 'onReboot', expected: /provision node :node → service$/,
  },
];

describe('decideServicing', () => {
  it.each(rows)('$case', async (row) => {
    // Act
    const { outcome, summary } = await run(row);
    // Assess
    expect(summary).toMatch(row.expected);
    if (row.message) expect((outcome as { message: string }).message).toMatch(row.message);
  });

  it('sends the out-of-band bios step as a service step and marks the host servicing', async () => {
    // Act
    const { outcome } = await run(rows[0]!);
    // Assess
    expect(outcome.actions.at(-1)).toEqual({
      do: 'provision', node: expect.any(String), target: 'service',
      extras: { service_steps: [{ interface: 'bios', step: 'apply_configuration', args: { settings: [{ name: 'ProcTurboMode', value: 'Disabled' }] } }], disable_ramdisk: true },
    });
    expect(outcome.status).toEqual({ operationalStatus: 'servicing' });
  });
});

describe('servicingRequested (the guard)', () => {
  const now = T0.getTime();
  it.each([
    { case: 'off, should be on, a change allowed → provision services', host: rebooting(), facts: { firmwareChangeRequested: true, servicingAllowed: true }, expected: 'maintain:provision' },
    { case: 'off, should be on, no policy → power turns it on', host: rebooting(), facts: { firmwareChangeRequested: true }, expected: 'maintain:power' },
    { case: 'on, a change allowed → nothing (servicing waits for a reboot)', host: rebooting().withPoweredOn(true), facts: { firmwareChangeRequested: true, servicingAllowed: true }, expected: 'none' },
    { case: 'servicing under way, no facts → provision goes on', host: rebooting().withStatus({ operationalStatus: 'servicing' }), facts: {}, expected: 'maintain:provision' },
    { case: 'paused → nothing', host: rebooting().withAnnotation('baremetalhost.metal3.io/paused', ''), facts: { firmwareChangeRequested: true, servicingAllowed: true }, expected: 'none' },
  ])('$case', ({ host, facts, expected }) => {
    // Act
    const due = dueFor(host.build(), { now, facts });
    // Assess
    expect(due.kind === 'none' ? 'none' : `${due.kind}:${due.by}`).toBe(expected);
  });
});

describe('decideServicing › firmware updates', () => {
  const UPDATE = { component: 'bios', url: 'http://127.0.0.1:8080/bios-2.20.0.img' };

  async function service(policy: Record<string, string> | undefined, node: FakeNodeSeed = { provisionState: 'active' }, hfcStatus?: Record<string, unknown>, host = rebooting()) {
    const ironic = new FakeIronic();
    ironic.withNode({ name: NAME, firmware_interface: 'redfish', ...node } as FakeNodeSeed);
    ironic.firmwareComponents.set((await ironic.getNode(NAME))!.uuid, [{ component: 'bios', initial_version: '2.19.1', current_version: '2.19.1' }]);
    const hosts = new FakeHostStore();
    const built = host.build();
    const key = `${built.metadata.namespace}/${built.metadata.name}`;
    hosts.firmwareComponents.set(key, { metadata: { name: built.metadata.name, generation: 1 }, spec: { updates: [UPDATE] }, ...(hfcStatus ? { status: hfcStatus } : {}) });
    if (policy) hosts.updatePolicies.set(key, { metadata: { name: built.metadata.name }, spec: policy });
    return decideOnce(provision, built, { ironic, hosts });
  }

  it('sends firmware.update as a service step, without a ramdisk, when the policy allows firmware updates', async () => {
    // Act
    const { outcome, summary } = await service({ firmwareUpdates: 'onReboot' });
    // Assess
    expect(summary).toBe('continue: write HostFirmwareComponents status + provision node :node → service');
    expect(outcome.actions.at(-1)).toEqual({
      do: 'provision', node: expect.any(String), target: 'service',
      extras: { service_steps: [{ interface: 'firmware', step: 'update', args: { settings: [UPDATE] } }], disable_ramdisk: true },
    });
    expect(outcome.actions[0]).toMatchObject({ do: 'firmwareComponents', status: { updates: [UPDATE] } });
  });

  it.each<{ case: string; policy: Record<string, string> | undefined }>([
    { case: 'no policy', policy: undefined },
    { case: 'a policy for firmware settings only', policy: { firmwareSettings: 'onReboot' } },
    { case: 'firmware updates onPreparing only', policy: { firmwareUpdates: 'onPreparing' } },
  ])('sends nothing with $case', async ({ policy }) => {
    // Act
    const { summary } = await service(policy);
    // Assess
    expect(summary).toBe('complete: write HostFirmwareComponents status');
  });

  it('forgets the updates recorded as started when servicing failed', async () => {
    // Act
    const { outcome } = await service({ firmwareUpdates: 'onReboot' }, { provisionState: 'service failed', last_error: 'image is not a firmware image' }, { updates: [UPDATE] },
      rebooting().withStatus({ operationalStatus: 'servicing' }));
    // Assess
    expect(outcome.kind === 'fail' && outcome.message).toBe('servicing failed: image is not a firmware image');
    expect(outcome.actions).toEqual([{ do: 'firmwareComponents', status: expect.not.objectContaining({ updates: expect.anything() }) }]);
  });
});
