/**
 * watcher: a HostFirmwareSettings edit wakes its host (inspect, for an available host) with the
 * `firmwareChange` hint; a spec already judged invalid, or a provisioned host without an allowing
 * HostUpdatePolicy, wakes nothing; with one, the provisioned host is serviced while it reboots.
 */
import { describe, expect, it } from '@jest/globals';
import type { CloudEvent } from 'cloudevents';
import type { RequestedData } from '../../../events/src/schemas.ts';
import type { StoredFirmwareSettings } from '../../../shared/src/api/firmware.ts';
import { nodeNameFor } from '../../../shared/src/ironic/lookup.ts';
import { silentLogger } from '../../../shared/src/log.ts';
import { aHost } from '../../../test/builders/host.ts';
import { FakeIronic } from '../../../test/fakes/fake-ironic.ts';
import { createWatcher } from '../src/watcher.ts';

const settings = (name: string, desired: Record<string, string>, valid?: { status: 'True' | 'False'; generation: number }, generation = 1): StoredFirmwareSettings => ({
  metadata: { name, namespace: 'metal3', generation },
  spec: { settings: desired },
  status: {
    settings: { ProcTurboMode: 'Enabled' },
    ...(valid ? { conditions: [{ type: 'Valid', status: valid.status, reason: 'ConfigurationError', message: '', lastTransitionTime: '2026-01-01T00:00:00Z', observedGeneration: valid.generation }] } : {}),
  },
});

function watch(host: ReturnType<ReturnType<typeof aHost>['build']>, nodeState: string) {
  const ironic = new FakeIronic().withNode({ name: nodeNameFor(host), provisionState: nodeState, powerState: 'power off' });
  const emitted: CloudEvent<RequestedData>[] = [];
  const watcher = createWatcher({ ironic, log: silentLogger, emit: async (e) => { emitted.push(e as CloudEvent<RequestedData>); }, resyncMs: 3_600_000 });
  watcher.onInformerEvent({ type: 'upsert', host });
  return { watcher, emitted };
}

describe('watcher and the firmware kinds', () => {
  it('wakes an available host with inspect when its desired settings change, and not for a spec already found invalid', () => {
    // Prepare
    const host = aHost('available').withOnline(false).withPoweredOn(false).build();
    const { watcher, emitted } = watch(host, 'available');
    const quiet = emitted.length;
    // Act
    watcher.onFirmwareSettingsEvent({ type: 'upsert', settings: settings(host.metadata.name, { ProcTurboMode: 'Disabled' }) });
    const afterChange = emitted.slice(quiet);
    watcher.onFirmwareSettingsEvent({ type: 'upsert', settings: settings(host.metadata.name, { ProcTurboMode: 'Off' }, { status: 'False', generation: 2 }, 2) });
    // Assess
    expect(quiet).toBe(0);
    expect(afterChange.map((e) => [e.type, e.data?.observed.firmwareChange])).toEqual([['io.metal3.baremetalhost.inspect.requested', true]]);
    expect(emitted).toHaveLength(1);
    watcher.stop();
  });

  it('services a provisioned host being rebooted only once a HostUpdatePolicy allows firmware settings', () => {
    // Prepare: provisioned, powered off by a reboot, should come on
    const host = aHost('provisioned').withImage('http://images/os.qcow2').withDeployedImage('http://images/os.qcow2').withOnline(true).withPoweredOn(false).build();
    const { watcher, emitted } = watch(host, 'active');
    const before = emitted.map((e) => e.type);
    // Act
    watcher.onFirmwareSettingsEvent({ type: 'upsert', settings: settings(host.metadata.name, { ProcTurboMode: 'Disabled' }) });
    const withoutPolicy = emitted.map((e) => e.type);
    watcher.onUpdatePolicyEvent({ type: 'upsert', policy: { metadata: { name: host.metadata.name, namespace: 'metal3' }, spec: { firmwareSettings: 'onReboot' } } });
    // Assess: power would turn it on; with the policy, provision services it first
    expect(before).toEqual(['io.metal3.baremetalhost.power.requested']);
    expect(withoutPolicy).toEqual(before);
    expect(emitted.at(-1)?.type).toBe('io.metal3.baremetalhost.provision.requested');
    expect(emitted.at(-1)?.data?.observed.firmwareChange).toBe(true);
    watcher.stop();
  });

  it('wakes an available host when its HostFirmwareComponents lists updates not yet started, and not once they were', () => {
    // Prepare
    const host = aHost('available').withOnline(false).withPoweredOn(false).build();
    const { watcher, emitted } = watch(host, 'available');
    const update = { component: 'bios', url: 'http://fw/bios-2.20.0.img' };
    // Act
    watcher.onFirmwareComponentsEvent({ type: 'upsert', components: { metadata: { name: host.metadata.name, namespace: 'metal3', generation: 1 }, spec: { updates: [update] } } });
    const afterListing = emitted.length;
    watcher.onFirmwareComponentsEvent({ type: 'upsert', components: { metadata: { name: host.metadata.name, namespace: 'metal3', generation: 1 }, spec: { updates: [update] }, status: { updates: [update] } } });
    // Assess
    expect(emitted.map((e) => [e.type, e.data?.observed.firmwareChange])).toEqual([['io.metal3.baremetalhost.inspect.requested', true]]);
    expect(afterListing).toBe(1);
    watcher.stop();
  });

  it('services a provisioned host being rebooted for a firmware update only under firmwareUpdates: onReboot', () => {
    // Prepare: provisioned, powered off by a reboot, should come on; an update listed
    const host = aHost('provisioned').withImage('http://images/os.qcow2').withDeployedImage('http://images/os.qcow2').withOnline(true).withPoweredOn(false).build();
    const { watcher, emitted } = watch(host, 'active');
    watcher.onFirmwareComponentsEvent({ type: 'upsert', components: { metadata: { name: host.metadata.name, namespace: 'metal3', generation: 1 }, spec: { updates: [{ component: 'bios', url: 'http://fw/b.img' }] } } });
    // Act: a policy for settings only, then one for updates
    watcher.onUpdatePolicyEvent({ type: 'upsert', policy: { metadata: { name: host.metadata.name, namespace: 'metal3' }, spec: { firmwareSettings: 'onReboot' } } });
    const settingsOnly = emitted.map((e) => e.type);
    watcher.onUpdatePolicyEvent({ type: 'upsert', policy: { metadata: { name: host.metadata.name, namespace: 'metal3' }, spec: { firmwareUpdates: 'onReboot' } } });
    // Assess
    expect(settingsOnly).toEqual(['io.metal3.baremetalhost.power.requested']);
    expect(emitted.at(-1)?.type).toBe('io.metal3.baremetalhost.provision.requested');
    watcher.stop();
  });
});
