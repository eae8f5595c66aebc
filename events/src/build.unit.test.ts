/** buildRequestedEvent: deterministic ids, our extensions, and payloads that carry references only. */
import { describe, expect, it } from '@jest/globals';
import { aHost } from '../../test/builders/host.ts';
import type { IronicNode } from '../../shared/src/ironic/types.ts';
import { TRANSITION_NAMES } from '../../shared/src/state-machine/states.ts';
import { buildRequestedEvent, changeFingerprint, newTraceparent, observeIronicNode } from './build.ts';
import { EXTENSION_NAME, Extension, TRACEPARENT } from './attributes.ts';
import { EventType } from './types.ts';

const node = (p: Partial<IronicNode> = {}): IronicNode => ({
  uuid: 'node-1', name: 'metal3~host-0', driver: 'ipmi', provision_state: 'deploying', target_provision_state: 'active',
  power_state: 'power on', target_power_state: null, last_error: null, maintenance: false, reservation: null, instance_uuid: null, ...p,
});

const provisioning = () => aHost('provisioning').withImage('http://images/os.qcow2').withOnline(true).withNode('node-1');
const build = (host = provisioning().build(), extra: Partial<Parameters<typeof buildRequestedEvent>[0]> = {}) =>
  buildRequestedEvent({ host, transition: 'provision', reason: 'state-changed', source: '/metal3/watcher/default', ...extra });

describe('buildRequestedEvent', () => {
  it('builds a CloudEvent 1.0 of the transition\'s type with subject <ns>/<name> and our extensions', () => {
    // Act
    const ev = build();
    // Assess
    expect(ev).toMatchObject({
      specversion: '1.0', type: EventType.provision, subject: 'metal3/host-0', source: '/metal3/watcher/default', datacontenttype: 'application/json',
      bmhuid: ev.data?.host.uid, bmhgeneration: 1, partitionkey: ev.data?.host.uid,
    });
    expect(ev.traceparent).toMatch(TRACEPARENT);
    expect(ev.data).toEqual({
      host: { namespace: 'metal3', name: 'host-0', uid: ev.data?.host.uid, generation: 1, resourceVersion: '1' },
      observed: { provisioningState: 'provisioning', errorCount: 0 },
      reason: 'state-changed',
    });
  });

  it('propagates a given traceparent', () => {
    const tp = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    expect(build(undefined, { traceparent: tp }).traceparent).toBe(tp);
  });

  it('names its extensions by the CloudEvents rule (lowercase alphanumerics, ≤ 20)', () => {
    for (const name of Object.values(Extension)) expect(name).toMatch(EXTENSION_NAME);
  });

  it('makes a fresh W3C traceparent when none is given', () => {
    expect(newTraceparent()).toMatch(TRACEPARENT);
    expect(newTraceparent()).not.toBe(newTraceparent());
  });

  describe('ids', () => {
    it('are the same for the same host change (watch and resync, two watcher replicas)', () => {
      // Prepare
      const host = provisioning().build();
      // Act: different time, reason and trace; same change
      const a = build(host, { now: () => new Date('2026-01-01T00:00:00Z'), reason: 'state-changed', ironic: node() });
      const b = build(host, { now: () => new Date('2026-01-01T00:05:00Z'), reason: 'resync', ironic: node() });
      // Assess
      expect(a.id).toBe(b.id);
      expect(a.time).not.toBe(b.time);
    });

    it('ignore writes that change nothing due (resourceVersion, lastUpdated)', () => {
      const a = build(provisioning().withResourceVersion('10').build());
      const b = build(provisioning().withResourceVersion('11').withStatus({ lastUpdated: '2026-02-02T00:00:00Z' }).build());
      expect(a.id).toBe(b.id);
    });

    it.each([
      { case: 'provisioning state', other: () => build(aHost('provisioned').withImage('http://images/os.qcow2').withOnline(true).withNode('node-1').build()) },
      { case: 'spec generation', other: () => build(provisioning().withGeneration(2).build()) },
      { case: 'errorCount', other: () => build(provisioning().withStatus({ errorCount: 1 }).build()) },
      { case: 'deletion', other: () => build(provisioning().deleted().build()) },
      { case: 'Ironic provision state', other: () => build(undefined, { ironic: node({ provision_state: 'wait call-back' }) }) },
      { case: 'Ironic power state', other: () => build(undefined, { ironic: node({ power_state: 'power off' }) }) },
      { case: 'Ironic last_error', other: () => build(undefined, { ironic: node({ last_error: 'boom' }) }) },
      { case: 'transition', other: () => buildRequestedEvent({ host: provisioning().build(), transition: 'deprovision', reason: 'state-changed', source: '/s' }) },
      { case: 'host uid (re-created host)', other: () => build(provisioning().withUid('another-uid').build()) },
    ])('differ when the $case differs', ({ other }) => {
      // Prepare
      const base = build(undefined, { ironic: node() });
      // Act + Assess
      expect(other().id).not.toBe(base.id);
    });

    it('start with the host uid and the transition, for readable logs', () => {
      const host = provisioning().build();
      expect(build(host).id).toBe(`${host.metadata.uid}.provision.${changeFingerprint(host, 'provision')}`);
    });
  });

  describe('payloads', () => {
    it('never carry spec contents, credentials, user data or driver secrets', () => {
      // Prepare: a host full of things that must not leave Kubernetes
      const host = aHost('provisioning')
        .withBmc('ipmi://10.1.2.3:6230', 'very-secret-bmc-creds')
        .withImage({ url: 'http://images/secret-os.qcow2', checksum: 'deadbeefcafe', checksumType: 'sha256', format: 'qcow2' })
        .withSpec({ userData: { name: 'user-data-secret' }, networkData: { name: 'net-data-secret' }, rootDeviceHints: { deviceName: '/dev/sda' } })
        .withStatus({ hardware: { systemVendor: { serialNumber: 'SN-12345' } } })
        .build();
      const ironic = node({
        driver_info: { ipmi_password: 'hunter2hunter2', ipmi_username: 'admin' },
        instance_info: { configdrive: { user_data: '#cloud-config password: s3cr3t' }, image_source: 'http://images/secret-os.qcow2' },
        properties: { cpus: 4 },
      });
      // Act
      const text = JSON.stringify(build(host, { ironic }));
      // Assess
      for (const secret of ['10.1.2.3', 'very-secret-bmc-creds', 'secret-os', 'deadbeefcafe', 'user-data-secret', 'net-data-secret', '/dev/sda', 'SN-12345', 'hunter2hunter2', 'admin', 's3cr3t', 'cloud-config']) {
        expect(text).not.toContain(secret);
      }
    });

    it('observe only the Ironic node\'s progress', () => {
      // Act
      const observed = observeIronicNode(node({ driver_info: { ipmi_password: 'x' }, last_error: 'e'.repeat(5000) }));
      // Assess
      expect(Object.keys(observed).sort()).toEqual(['lastError', 'powerState', 'provisionState', 'targetPowerState', 'targetProvisionState', 'uuid']);
      expect(observed.lastError).toHaveLength(2048);
    });

    it.each(TRANSITION_NAMES.map((t) => ({ case: t, t })))('defaults a host without namespace or status for $case', ({ t }) => {
      // Prepare
      const host = aHost('').build();
      delete host.metadata.namespace;
      // Act
      const ev = buildRequestedEvent({ host, transition: t, reason: 'resync', source: '/s' });
      // Assess
      expect(ev.subject).toBe('default/host-0');
      expect(ev.data?.observed).toEqual({ provisioningState: '', errorCount: 0 });
    });
  });
});
