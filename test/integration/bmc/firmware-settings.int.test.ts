/**
 * BIOS settings of a `redfish-virtualmedia://` host through OUR inspect function, a real Ironic
 * (its redfish `bios` interface, sushy) and our Redfish emulator: after registration the settings
 * Ironic cached land in the HostFirmwareSettings status and a shared FirmwareSchema; desired
 * settings are applied by Ironic manual cleaning while the host is prepared; settings the schema
 * refuses are reported (Valid=False, an Event) and never reach the BMC; a setting the firmware
 * refuses at boot ends as a preparation error and recovers once the spec is fixed.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { StoredFirmwareSettings } from '../../../shared/src/api/firmware.ts';
import { firmwareChangeRequested } from '../../../shared/src/firmware/change.ts';
import { isSushyAvailable } from '../../bed/ironic.ts';
import { inError, inState, REDFISH_PASSWORD, REDFISH_USER, SHORT_STEP_TIMEOUTS, startBmcBed } from './bmc-bed.ts';
import type { BmcBed } from './bmc-bed.ts';

const sushy = await isSushyAvailable();
const describeIfSushy = sushy ? describe : describe.skip;

const conditionOf = (hfs: StoredFirmwareSettings | undefined, type: string) => hfs?.status?.conditions?.find((c) => c.type === type);
const biosWrites = (bed: BmcBed, systemId: string) =>
  bed.redfish!.requests.filter((r) => r.method === 'PATCH' && r.path.startsWith(`/redfish/v1/Systems/${systemId}/Bios`));

describeIfSushy('HostFirmwareSettings on a redfish host › our inspect function, real Ironic, our Redfish emulator', () => {
  let bed: BmcBed;
  const address = (i: number) => bed.redfish!.systems[i]!.address.replace(/^redfish:/, 'redfish-virtualmedia:');
  const systemId = (i: number) => bed.redfish!.systems[i]!.id;
  const newHost = (name: string, i: number) =>
    bed.createHost(name, { online: false, automatedCleaningMode: 'disabled', bmc: { address: address(i), credentialsName: 'rf-creds' } });

  beforeAll(async () => {
    bed = await startBmcBed({ redfish: { systems: [{}, {}, {}] } });
    await bed.createSecret('rf-creds', { username: REDFISH_USER, password: REDFISH_PASSWORD });
  }, 180_000);

  afterAll(async () => {
    await bed?.stop();
  }, 60_000);

  it('applies desired settings by manual cleaning while preparing, then reports them with the shared schema', async () => {
    // Prepare: desired settings written before the host is registered
    await bed.setDesiredFirmwareSettings('fw-0', { ProcTurboMode: 'Disabled', NumaNodesPerSocket: 2 });
    await newHost('fw-0', 0);
    // Act
    await bed.drive('fw-0', inState('available'), 240_000);
    // Assess: the BMC has the values in effect
    expect(bed.redfish!.state(systemId(0)).bios.current).toMatchObject({ ProcTurboMode: 'Disabled', NumaNodesPerSocket: 2 });
    const hfs = await bed.firmwareSettingsOf('fw-0');
    expect(hfs?.status?.settings).toMatchObject({ ProcTurboMode: 'Disabled', NumaNodesPerSocket: '2', BootMode: 'Uefi' });
    expect(conditionOf(hfs, 'Valid')).toMatchObject({ status: 'True', reason: 'Success' });
    expect(conditionOf(hfs, 'ChangeDetected')).toMatchObject({ status: 'False' });
    const schema = await bed.firmwareSchemaOf(hfs!.status!.schema!.name);
    expect(hfs!.status!.schema!.namespace).toBe(bed.namespace);
    expect(schema?.spec.schema).toMatchObject({
      ProcTurboMode: { attributeType: 'Enumeration', allowableValues: ['Enabled', 'Disabled'] },
      NumaNodesPerSocket: { attributeType: 'Integer', lowerBound: 1, upperBound: 4 },
      SystemBiosVendor: { readOnly: true },
    });
  }, 300_000);

  it('shares one FirmwareSchema between hosts of the same hardware, and writes nothing to a BMC whose settings already match', async () => {
    // Prepare
    await newHost('fw-1', 1);
    // Act
    await bed.drive('fw-1', inState('available'), 240_000);
    // Assess
    const [a, b] = [await bed.firmwareSettingsOf('fw-0'), await bed.firmwareSettingsOf('fw-1')];
    expect(b?.status?.schema).toEqual(a?.status?.schema);
    expect(b?.spec?.settings).toEqual({});
    expect(conditionOf(b, 'ChangeDetected')).toMatchObject({ status: 'False' });
    expect(biosWrites(bed, systemId(1))).toEqual([]);
  }, 300_000);

  it('refuses settings the schema does not allow: Valid=False with the reason, an Event, nothing sent to the BMC', async () => {
    // Prepare
    await bed.setDesiredFirmwareSettings('fw-2', { NoSuchSetting: 'x', NumaNodesPerSocket: 9, SystemBiosVendor: 'Other' });
    await newHost('fw-2', 2);
    // Act
    await bed.drive('fw-2', inState('available'), 240_000);
    // Assess
    const hfs = await bed.firmwareSettingsOf('fw-2');
    expect(conditionOf(hfs, 'Valid')).toMatchObject({ status: 'False', reason: 'ConfigurationError' });
    expect(conditionOf(hfs, 'Valid')?.message).toBe(
      'Setting NoSuchSetting is invalid, it is not in the associated schema; Setting NumaNodesPerSocket is invalid, integer 9 is above maximum value 4; Setting SystemBiosVendor is invalid, it is ReadOnly',
    );
    expect((await bed.eventsOf('fw-2')).filter((e) => e.reason === 'InvalidFirmwareSettings')).toHaveLength(1);
    expect(biosWrites(bed, systemId(2))).toEqual([]);
    expect(bed.redfish!.state(systemId(2)).bios.current).toMatchObject({ NumaNodesPerSocket: 1, SystemBiosVendor: 'Contoso' });
  }, 300_000);
});

describeIfSushy('spec.firmware on a redfish host and an IPMI host', () => {
  let bed: BmcBed;

  beforeAll(async () => {
    bed = await startBmcBed({ redfish: { systems: [{}] }, ipmiBmcs: 1 });
    await bed.createSecret('rf-creds', { username: REDFISH_USER, password: REDFISH_PASSWORD });
    await bed.createSecret('ipmi-creds', { username: bed.bmcs[0]!.username, password: bed.bmcs[0]!.password });
  }, 180_000);

  afterAll(async () => {
    await bed?.stop();
  }, 60_000);

  it('applies SR-IOV and virtualization as the BIOS settings the registry names, while preparing', async () => {
    // Prepare
    const id = bed.redfish!.systems[0]!.id;
    await bed.createHost('fw-spec', {
      online: false, automatedCleaningMode: 'disabled', firmware: { sriovEnabled: true, virtualizationEnabled: false },
      bmc: { address: bed.redfish!.systems[0]!.address.replace(/^redfish:/, 'redfish-virtualmedia:'), credentialsName: 'rf-creds' },
    });
    // Act
    await bed.drive('fw-spec', inState('available'), 300_000);
    // Assess
    expect(bed.redfish!.state(id).bios.current).toMatchObject({ SriovGlobalEnable: 'Enabled', ProcVirtualization: 'Disabled' });
    expect((await bed.firmwareSettingsOf('fw-spec'))?.status?.settings).toMatchObject({ SriovGlobalEnable: 'Enabled', ProcVirtualization: 'Disabled' });
  }, 360_000);

  it('refuses spec.firmware on a host whose BMC reports no BIOS settings, with the reason', async () => {
    // Prepare
    await bed.createHost('fw-ipmi', { online: false, automatedCleaningMode: 'disabled', inspectionMode: 'disabled', bootMACAddress: '52:54:00:f1:00:01', firmware: { sriovEnabled: true }, bmc: { address: bed.bmcs[0]!.address, credentialsName: 'ipmi-creds' } });
    // Act
    const failed = await bed.drive('fw-ipmi', inError('preparation error'), 240_000);
    // Assess
    expect(failed!.status?.errorMessage).toBe('spec.firmware needs BIOS settings Ironic can read (a Redfish BMC); this host reports none');
  }, 300_000);
});

describeIfSushy('HostFirmwareSettings on a redfish host › a setting the firmware refuses at boot', () => {
  let bed: BmcBed;

  beforeAll(async () => {
    // the firmware refuses SerialConsoleEnabled at boot although the registry allows it
    bed = await startBmcBed({ redfish: { systems: [{}], quirks: { biosRejectAtApply: ['SerialConsoleEnabled'] } }, ironicOptions: SHORT_STEP_TIMEOUTS });
    await bed.createSecret('rf-creds', { username: REDFISH_USER, password: REDFISH_PASSWORD });
  }, 180_000);

  afterAll(async () => {
    await bed?.stop();
  }, 60_000);

  it('ends as a preparation error with an Event, and recovers once the spec no longer asks for it', async () => {
    // Prepare
    const id = bed.redfish!.systems[0]!.id;
    await bed.setDesiredFirmwareSettings('fw-bad', { SerialConsoleEnabled: 'true' });
    await bed.createHost('fw-bad', {
      online: false, automatedCleaningMode: 'disabled',
      bmc: { address: bed.redfish!.systems[0]!.address.replace(/^redfish:/, 'redfish-virtualmedia:'), credentialsName: 'rf-creds' },
    });
    // Act
    const failed = await bed.drive('fw-bad', inError('preparation error'), 240_000);
    // Assess
    expect(failed!.status?.errorMessage).toMatch(/SerialConsoleEnabled/);
    expect((await bed.eventsOf('fw-bad')).some((e) => e.type === 'Warning' && /SerialConsoleEnabled/.test(e.note))).toBe(true);
    expect(bed.redfish!.state(id).bios.current.SerialConsoleEnabled).toBe(false);

    // Act: the spec is fixed
    await bed.setDesiredFirmwareSettings('fw-bad', { PxeRetryCount: 5 });
    const recovered = await bed.drive('fw-bad', inState('available'), 300_000);
    // Assess
    expect(recovered!.status?.errorType ?? '').toBe('');
    expect(bed.redfish!.state(id).bios.current.PxeRetryCount).toBe(5);
    expect(conditionOf(await bed.firmwareSettingsOf('fw-bad'), 'ChangeDetected')).toMatchObject({ status: 'False' });
  }, 600_000);
});

describeIfSushy('HostFirmwareSettings on a redfish host › a change to an available host', () => {
  let bed: BmcBed;

  beforeAll(async () => {
    bed = await startBmcBed({ redfish: { systems: [{}] } });
    await bed.createSecret('rf-creds', { username: REDFISH_USER, password: REDFISH_PASSWORD });
    await bed.createHost('fw-av', {
      online: false, automatedCleaningMode: 'disabled',
      bmc: { address: bed.redfish!.systems[0]!.address.replace(/^redfish:/, 'redfish-virtualmedia:'), credentialsName: 'rf-creds' },
    });
    await bed.drive('fw-av', inState('available'), 240_000);
  }, 420_000);

  afterAll(async () => {
    await bed?.stop();
  }, 60_000);

  it('prepares the host again and applies the settings by manual cleaning, then it is available again', async () => {
    // Prepare
    const id = bed.redfish!.systems[0]!.id;
    const resets = bed.redfish!.state(id).bootHistory.length;
    await bed.setDesiredFirmwareSettings('fw-av', { ProcVirtualization: 'Disabled' });
    // Act
    await bed.drive('fw-av', (h) => h?.status?.provisioning?.state === 'preparing', 60_000);
    const host = await bed.drive('fw-av', inState('available'), 300_000);
    // Assess
    expect(bed.redfish!.state(id).bios.current.ProcVirtualization).toBe('Disabled');
    expect(bed.redfish!.state(id).bootHistory.length).toBeGreaterThan(resets);
    const hfs = await bed.firmwareSettingsOf('fw-av');
    expect(hfs?.status?.settings?.ProcVirtualization).toBe('Disabled');
    expect(conditionOf(hfs, 'ChangeDetected')).toMatchObject({ status: 'False' });
    expect(host!.status?.operationalStatus).toBe('OK');
  }, 420_000);

  it('reports new settings the schema refuses after one look (Valid=False), sends nothing and leaves the host available', async () => {
    // Prepare
    const id = bed.redfish!.systems[0]!.id;
    const writes = biosWrites(bed, id).length;
    await bed.setDesiredFirmwareSettings('fw-av', { ProcVirtualization: 'Sometimes' });
    // Act: the host is prepared once (within one delivery), finds the spec invalid and is offered again
    for (let i = 0; i < 10 && (await bed.deliver('fw-av')) !== undefined; i++);
    // Assess
    const hfs = await bed.firmwareSettingsOf('fw-av');
    expect(conditionOf(hfs, 'Valid')).toMatchObject({ status: 'False', message: 'Setting ProcVirtualization is invalid, unknown enumeration value - Sometimes' });
    expect(biosWrites(bed, id)).toHaveLength(writes);
    // and it does not wake the host again: whatever is still due is power settling, never preparing
    const host = await bed.getHost('fw-av');
    expect(host!.status?.provisioning?.state).toBe('available');
    expect(firmwareChangeRequested(hfs)).toBe(false);
    expect((await bed.deliver('fw-av'))?.transition).not.toBe('inspect');
  }, 300_000);
});
