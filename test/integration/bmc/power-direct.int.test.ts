/**
 * power on real parts: hosts with an Ironic node are powered through Ironic
 * only (we send the BMC nothing); a detached host is never powered, neither
 * through Ironic nor its BMC (ipmi_sim, the Redfish emulator), whatever its
 * spec says, and its deletion releases it without a power off; a managed host
 * whose node is missing is an error, not a reason to talk to its BMC.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { buildRequestedEvent } from '../../../events/src/build.ts';
import { Annotation, HOST_FINALIZER } from '../../../shared/src/state-machine/states.ts';
import { inError, REDFISH_PASSWORD, REDFISH_USER, startBmcBed, inState } from './bmc-bed.ts';
import type { BmcBed } from './bmc-bed.ts';

const T = () => new Date().toISOString();

describe('power › Ironic or the BMC, never both', () => {
  let bed: BmcBed;

  beforeAll(async () => {
    bed = await startBmcBed({ ipmiBmcs: 3, redfish: { systems: 1 } });
    const [managed, detached, deleted] = bed.bmcs;
    await bed.createSecret('managed', { username: managed!.username, password: managed!.password });
    await bed.createSecret('detached-ipmi', { username: detached!.username, password: detached!.password });
    await bed.createSecret('deleted', { username: deleted!.username, password: deleted!.password });
    await bed.createSecret('detached-redfish', { username: REDFISH_USER, password: REDFISH_PASSWORD });
  }, 180_000);

  afterAll(async () => {
    await bed?.stop();
  }, 60_000);

  /** A host as it stands after detaching: provisioned, finalizer on, no Ironic node. */
  async function detachedHost(name: string, address: string, { online, poweredOn, detached = true }: { online: boolean; poweredOn: boolean; detached?: boolean }) {
    await bed.createHost(name, { online, bootMACAddress: '52:54:00:0c:00:01', bmc: { address, credentialsName: name }, image: { url: bed.files.urls['/images/live.iso'], format: 'live-iso' } }, {
      finalizers: [HOST_FINALIZER], annotations: detached ? { [Annotation.Detached]: '' } : {},
    });
    return bed.replaceStatus(name, {
      provisioning: { state: 'provisioned', ID: '', image: { url: bed.files.urls['/images/live.iso'], format: 'live-iso' } },
      operationalStatus: detached ? 'detached' : 'OK', errorMessage: '', errorCount: 0, poweredOn, provisioningFailCount: 0, lastUpdated: T(),
    });
  }

  const callsFor = (name: string) => bed.bmcCalls.filter((c) => c.host === `${bed.namespace}/${name}`);

  it('powers a host with an Ironic node through Ironic only: no direct BMC command from us', async () => {
    // Prepare: registered through Ironic (the enroll pre-check is our only BMC contact)
    const sim = bed.bmcs[0]!;
    await bed.createHost('managed', { online: false, inspectionMode: 'disabled', automatedCleaningMode: 'disabled', bootMACAddress: '52:54:00:0c:00:02', bmc: { address: sim.address, credentialsName: 'managed' } });
    await bed.drive('managed', inState('available'), 120_000);
    const afterEnroll = callsFor('managed').map((c) => c.op);
    await bed.mergeHost('managed', { spec: { online: true } });
    // Act
    const host = await bed.drive('managed', (h) => h?.status?.poweredOn === true, 60_000);
    // Assess
    expect(afterEnroll).toEqual(['forHost', 'powerState']);
    expect(callsFor('managed').map((c) => c.op)).toEqual(afterEnroll);
    const node = await bed.nodeOf('managed');
    expect(bed.ironicCalls.some((c) => c.method === 'PUT' && c.path === `/v1/nodes/${node!.uuid}/states/power`)).toBe(true);
    expect(await sim.power()).toBe('on');
    expect(host?.status?.provisioning?.state).toBe('available');
  }, 240_000);

  /** What a forged or stale power event does to a detached host: nothing. */
  async function forcedPowerEvent(name: string) {
    const host = (await bed.getHost(name))!;
    return bed.handlers.power.processEvent(buildRequestedEvent({ host, transition: 'power', reason: 'external', source: '/metal3/watcher/bmc-integration-test' }));
  }

  it('never powers a detached IPMI host: online flips and power events change nothing, at the BMC or in Ironic', async () => {
    // Prepare
    const sim = bed.bmcs[1]!;
    await sim.setPower(false);
    await detachedHost('detached-ipmi', sim.address, { online: true, poweredOn: false });
    const ironicBefore = bed.ironicCalls.length;
    const simCallsBefore = (await sim.calls()).length;
    // Act
    const nothingDue = await bed.deliver('detached-ipmi');
    const forced = await forcedPowerEvent('detached-ipmi');
    await bed.mergeHost('detached-ipmi', { spec: { online: false } });
    const stillNothing = await bed.deliver('detached-ipmi');
    // Assess
    expect(nothingDue).toBeUndefined();
    expect(stillNothing).toBeUndefined();
    expect(forced).toMatchObject({ kind: 'noop' });
    expect(await sim.power()).toBe('off');
    expect((await sim.calls()).length).toBe(simCallsBefore);
    expect(callsFor('detached-ipmi')).toEqual([]);
    expect(bed.ironicCalls.slice(ironicBefore).filter((c) => c.method !== 'GET')).toEqual([]);
    expect((await bed.getHost('detached-ipmi'))?.status).toMatchObject({ operationalStatus: 'detached', poweredOn: false, provisioning: { state: 'provisioned' } });
  }, 90_000);

  it('never powers a detached Redfish host: the emulator gets no ComputerSystem.Reset', async () => {
    // Prepare
    const rf = bed.redfish!;
    const system = rf.systems[0]!;
    rf.setPower(system.id, 'Off');
    await detachedHost('detached-redfish', system.address, { online: true, poweredOn: false });
    const before = rf.requests.length;
    // Act
    const due = await bed.deliver('detached-redfish');
    const forced = await forcedPowerEvent('detached-redfish');
    // Assess
    expect(due).toBeUndefined();
    expect(forced).toMatchObject({ kind: 'noop' });
    expect(rf.state(system.id).power).toBe('Off');
    expect(rf.requests.slice(before)).toEqual([]);
    expect(callsFor('detached-redfish')).toEqual([]);
  }, 90_000);

  it('records a power management error for a managed host whose node is missing, without touching its BMC', async () => {
    // Prepare: not detached, yet no node
    const sim = bed.bmcs[2]!;
    await sim.setPower(false);
    await detachedHost('deleted', sim.address, { online: true, poweredOn: false, detached: false });
    const simCallsBefore = (await sim.calls()).length;
    // Act
    const host = await bed.drive('deleted', inError('power management error'), 30_000);
    // Assess
    expect(host?.status?.errorMessage).toMatch(/no Ironic node for this host: power goes through Ironic; it must be registered again/);
    expect(callsFor('deleted')).toEqual([]);
    expect((await sim.calls()).length).toBe(simCallsBefore);
    expect(await sim.power()).toBe('off');
  }, 60_000);

  it('releases a deleted detached host without powering it off: finalizer gone, BMC and Ironic untouched', async () => {
    // Prepare: the detached IPMI host, left powered on by whoever runs it now
    const sim = bed.bmcs[1]!;
    await sim.setPower(true);
    const ironicBefore = bed.ironicCalls.length;
    const simCallsBefore = (await sim.calls()).length;
    // Act
    await bed.deleteHost('detached-ipmi');
    await bed.drive('detached-ipmi', (h) => h === undefined, 60_000);
    // Assess
    expect(await sim.power()).toBe('on');
    expect((await sim.calls()).length).toBe(simCallsBefore);
    expect(callsFor('detached-ipmi')).toEqual([]);
    expect(bed.ironicCalls.slice(ironicBefore).filter((c) => c.method !== 'GET')).toEqual([]);
  }, 90_000);
});
