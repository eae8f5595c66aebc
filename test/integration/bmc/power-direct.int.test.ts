/**
 * power on real parts: hosts with an Ironic node are powered through Ironic
 * only (we send the BMC nothing); detached hosts without a node are powered
 * through the BMC (ipmi_sim over RMCP+, the Redfish emulator); a managed host
 * whose node is missing is an error, not a reason to talk to its BMC; and a
 * detached host being deleted is powered off through the BMC before the
 * finalizer goes.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Annotation, HOST_FINALIZER } from '../../../shared/src/state-machine/states.ts';
import { inError, inState, REDFISH_PASSWORD, REDFISH_USER, startBmcBed } from './bmc-bed.ts';
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

  it('powers a detached IPMI host through the BMC: ipmi_sim changes, Ironic is not asked to', async () => {
    // Prepare
    const sim = bed.bmcs[1]!;
    await sim.setPower(false);
    await detachedHost('detached-ipmi', sim.address, { online: true, poweredOn: false });
    const ironicBefore = bed.ironicCalls.length;
    // Act
    const on = await bed.drive('detached-ipmi', (h) => h?.status?.poweredOn === true, 30_000);
    const simOn = await sim.power();
    await bed.mergeHost('detached-ipmi', { spec: { online: false } });
    const off = await bed.drive('detached-ipmi', (h) => h?.status?.poweredOn === false, 30_000);
    // Assess
    expect(simOn).toBe('on');
    expect(await sim.power()).toBe('off');
    expect(callsFor('detached-ipmi').filter((c) => c.op === 'setPower').map((c) => c.arg)).toEqual(['on', 'off']);
    expect(bed.ironicCalls.slice(ironicBefore).filter((c) => c.method !== 'GET')).toEqual([]);
    expect(on?.status?.operationalStatus).not.toBe('error');
    expect(off?.status?.provisioning?.state).toBe('provisioned');
  }, 90_000);

  it('powers a detached Redfish host through the BMC: the emulator gets our ComputerSystem.Reset', async () => {
    // Prepare
    const rf = bed.redfish!;
    const system = rf.systems[0]!;
    rf.setPower(system.id, 'Off');
    await detachedHost('detached-redfish', system.address, { online: true, poweredOn: false });
    const before = rf.requests.length;
    // Act
    await bed.drive('detached-redfish', (h) => h?.status?.poweredOn === true, 30_000);
    // Assess
    expect(rf.state(system.id).power).toMatch(/^(On|PoweringOn)$/);
    const resets = rf.requests.slice(before).filter((r) => r.method === 'POST' && r.path.endsWith('/Actions/ComputerSystem.Reset'));
    expect(resets.map((r) => (r.body as { ResetType?: string }).ResetType)).toEqual(['On']);
    expect(callsFor('detached-redfish').filter((c) => c.op === 'setPower').map((c) => c.arg)).toEqual(['on']);
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
    expect(host?.status?.errorMessage).toMatch(/no Ironic node for this host.*detached/);
    expect(callsFor('deleted')).toEqual([]);
    expect((await sim.calls()).length).toBe(simCallsBefore);
    expect(await sim.power()).toBe('off');
  }, 60_000);

  it('powers a detached host off through the BMC before delete, then releases it', async () => {
    // Prepare: the detached IPMI host, switched on again
    const sim = bed.bmcs[1]!;
    await bed.mergeHost('detached-ipmi', { spec: { online: true } });
    await bed.drive('detached-ipmi', (h) => h?.status?.poweredOn === true, 30_000);
    expect(await sim.power()).toBe('on');
    // Act
    await bed.deleteHost('detached-ipmi');
    await bed.drive('detached-ipmi', (h) => h === undefined, 60_000);
    // Assess
    expect(await sim.power()).toBe('off');
    expect(callsFor('detached-ipmi').filter((c) => c.op === 'setPower').map((c) => c.arg)).toEqual(['on', 'off', 'on', 'off']);
  }, 90_000);
});
