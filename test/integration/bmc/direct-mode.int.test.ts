/**
 * MANAGEMENT_MODE=direct on real BMCs and NO Ironic at all (IRONIC_URL points
 * at a closed port): registration is the BMC check, inspection is the BMC's
 * own inventory (Redfish) or none (IPMI), power goes to the BMC, and deletion
 * powers off through the BMC and releases the host.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { inError, inState, REDFISH_PASSWORD, REDFISH_USER, startBmcBed } from './bmc-bed.ts';
import type { BmcBed } from './bmc-bed.ts';

describe('MANAGEMENT_MODE=direct › power and inventory through the BMC, no Ironic', () => {
  let bed: BmcBed;

  beforeAll(async () => {
    bed = await startBmcBed({ ipmiBmcs: 1, redfish: { systems: 1 }, ironic: false, env: { MANAGEMENT_MODE: 'direct' } });
    const sim = bed.bmcs[0]!;
    await bed.createSecret('ipmi-creds', { username: sim.username, password: sim.password });
    await bed.createSecret('rf-creds', { username: REDFISH_USER, password: REDFISH_PASSWORD });
    await bed.createSecret('rf-wrong', { username: REDFISH_USER, password: 'definitely-wrong' });
  }, 120_000);

  afterAll(async () => {
    await bed?.stop();
  }, 60_000);

  it('registers, inventories and powers on a Redfish host through the BMC alone', async () => {
    // Prepare
    const rf = bed.redfish!;
    rf.setPower(rf.systems[0]!.id, 'Off');
    await bed.createHost('rf-direct', { online: true, bmc: { address: rf.systems[0]!.address, credentialsName: 'rf-creds' } });
    // Act
    const host = await bed.drive('rf-direct', (h) => inState('available')(h) && h?.status?.poweredOn === true, 60_000);
    // Assess
    expect(host!.status?.hardware).toMatchObject({ cpu: { count: 32 }, ramMebibytes: 65536 });
    expect((await bed.hardwareDataOf('rf-direct'))?.spec).toMatchObject({ hardware: { ramMebibytes: 65536 } });
    expect(rf.state(rf.systems[0]!.id).power).toMatch(/^(On|PoweringOn)$/);
    expect(bed.ironicCalls).toEqual([]);
    expect(bed.bmcCalls.filter((c) => c.host.endsWith('/rf-direct')).map((c) => c.op)).toEqual(
      ['forHost', 'powerState', 'forHost', 'inventory', 'forHost', 'powerState', 'forHost', 'setPower'],
    );
  }, 90_000);

  it('registers an IPMI host without inventory, powers it on and off through ipmi_sim, and deletes it', async () => {
    // Prepare
    const sim = bed.bmcs[0]!;
    await sim.setPower(false);
    await bed.createHost('ipmi-direct', { online: true, bmc: { address: sim.address, credentialsName: 'ipmi-creds' } });
    // Act
    const on = await bed.drive('ipmi-direct', (h) => inState('available')(h) && h?.status?.poweredOn === true, 60_000);
    const simOn = await sim.power();
    await bed.mergeHost('ipmi-direct', { spec: { online: false } });
    await bed.drive('ipmi-direct', (h) => h?.status?.poweredOn === false, 30_000);
    const simOff = await sim.power();
    await bed.mergeHost('ipmi-direct', { spec: { online: true } });
    await bed.drive('ipmi-direct', (h) => h?.status?.poweredOn === true, 30_000);
    await bed.deleteHost('ipmi-direct');
    await bed.drive('ipmi-direct', (h) => h === undefined, 60_000);
    // Assess
    expect(on!.status?.hardware).toBeUndefined();
    expect([simOn, simOff, await sim.power()]).toEqual(['on', 'off', 'off']);
    expect(bed.bmcCalls.filter((c) => c.host.endsWith('/ipmi-direct') && c.op === 'setPower').map((c) => c.arg)).toEqual(['on', 'off', 'on', 'off']);
    expect(bed.ironicCalls).toEqual([]);
  }, 120_000);

  it('records a registration error for a wrong Redfish password', async () => {
    // Prepare
    await bed.createHost('rf-wrong', { online: true, bmc: { address: bed.redfish!.systems[0]!.address, credentialsName: 'rf-wrong' } });
    // Act
    const host = await bed.drive('rf-wrong', inError('registration error'), 30_000);
    // Assess
    expect(host!.status?.errorMessage).toMatch(/check failed: .*401/);
    expect(JSON.stringify(host!.status)).not.toContain('definitely-wrong');
  }, 60_000);
});
