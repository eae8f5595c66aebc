/** capacityFor: upstream's provisioning limit, counted from the hosts the API lists. */
import { describe, expect, it } from '@jest/globals';
import { aHost } from '../../../test/builders/host.ts';
import { capacityFor } from './capacity.ts';
import { ProvisioningState as S } from './states.ts';
import type { ProvisioningState } from './states.ts';

const busy = (n: number, state: ProvisioningState = S.Provisioning) => Array.from({ length: n }, (_, i) => aHost(state).named(`busy-${i}`).build());

describe('capacityFor', () => {
  it.each([
    { case: 'a free slot: 1 of 2 busy → provisioning', others: busy(1), to: S.Provisioning, state: S.Available, limit: 2, ok: true },
    { case: 'limit reached: 2 of 2 busy → provisioning waits', others: busy(2), to: S.Provisioning, state: S.Available, limit: 2, ok: false },
    { case: 'limit reached → inspecting waits', others: busy(2), to: S.Inspecting, state: S.Registering, limit: 2, ok: false },
    { case: 'limit reached → deprovisioning waits', others: busy(2), to: S.Deprovisioning, state: S.Provisioned, limit: 2, ok: false },
    { case: 'preparing hosts count (Ironic cleaning)', others: busy(2, S.Preparing), to: S.Provisioning, state: S.Available, limit: 2, ok: false },
    { case: 'inspecting hosts count', others: busy(2, S.Inspecting), to: S.Provisioning, state: S.Available, limit: 2, ok: false },
    { case: 'registering hosts do not count (Ironic verifying/manageable)', others: busy(2, S.Registering), to: S.Provisioning, state: S.Available, limit: 2, ok: true },
    { case: 'deleting hosts do not count (Ironic node delete, not undeploy)', others: busy(2, S.Deleting), to: S.Provisioning, state: S.Available, limit: 2, ok: true },
    { case: 'a host already counted passes (provisioning → deprovisioning)', others: busy(2), to: S.Deprovisioning, state: S.Provisioning, limit: 2, ok: true },
    { case: 'preparing is not a limited target', others: busy(5), to: S.Preparing, state: S.Inspecting, limit: 2, ok: true },
    { case: 'powering off before delete is not limited', others: busy(5), to: S.PoweringOffBeforeDelete, state: S.Available, limit: 2, ok: true },
    { case: 'limit 0 disables the check', others: busy(50), to: S.Provisioning, state: S.Available, limit: 0, ok: true },
  ])('$case', ({ others, to, state, limit, ok }) => {
    // Prepare
    const host = aHost(state).named('me').build();
    // Act
    const verdict = capacityFor(host, to, [...others, host], limit);
    // Assess
    expect(verdict.ok).toBe(ok);
  });

  it('never counts the host itself, even when the list already shows it busy', () => {
    const me = aHost(S.Available).named('me').build();
    const listedBusy = aHost(S.Provisioning).named('me').build();
    expect(capacityFor(me, S.Provisioning, [...busy(1), listedBusy], 2)).toMatchObject({ ok: true, busy: 1 });
  });

  it('exempts virtual-media hosts, and does not count them (upstream: no DHCP, one shared image)', () => {
    const vm = aHost(S.Available).named('vm').withBmc('redfish-virtualmedia://10.0.0.1/redfish/v1/Systems/1').build();
    expect(capacityFor(vm, S.Provisioning, busy(5), 2).ok).toBe(true);
    const vmBusy = Array.from({ length: 5 }, (_, i) => aHost(S.Provisioning).named(`vm-${i}`).withBmc('idrac-virtualmedia://10.0.0.2/redfish/v1/Systems/1').build());
    expect(capacityFor(aHost(S.Available).named('me').build(), S.Provisioning, vmBusy, 2)).toMatchObject({ ok: true, busy: 0 });
  });
});
