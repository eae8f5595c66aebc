/**
 * Servicing a provisioned `redfish-virtualmedia://` host through OUR functions, a real Ironic (service
 * steps, API 1.87, its redfish `bios` interface) and our Redfish emulator: a HostFirmwareSettings
 * change reaches a provisioned host only when its HostUpdatePolicy says `firmwareSettings: onReboot`,
 * and then while it is rebooted (upstream's servicing: operationalStatus `servicing`); without the
 * policy a reboot sends nothing. A setting the firmware refuses ends as a `servicing error` and
 * recovers once the spec is fixed.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { StoredFirmwareSettings } from '../../../shared/src/api/firmware.ts';
import type { StoredHost } from '../../../shared/src/k8s/host-store.ts';
import { isSushyAvailable } from '../../bed/ironic.ts';
import { inError, inState, REDFISH_PASSWORD, REDFISH_USER, SHORT_STEP_TIMEOUTS, startBmcBed } from './bmc-bed.ts';
import type { BmcBed } from './bmc-bed.ts';

const sushy = await isSushyAvailable();
const describeIfSushy = sushy ? describe : describe.skip;

const conditionOf = (hfs: StoredFirmwareSettings | undefined, type: string) => hfs?.status?.conditions?.find((c) => c.type === type);
/** rebooted and back: the one-shot annotation is gone and the host is on again, without an error */
const backOn = (h: StoredHost | undefined): boolean =>
  h !== undefined && h.metadata.annotations?.['reboot.metal3.io'] === undefined && h.status?.poweredOn === true && h.status?.operationalStatus === 'OK';

describeIfSushy('servicing a provisioned redfish host › our functions, real Ironic, our Redfish emulator', () => {
  let bed: BmcBed;
  const id = () => bed.redfish!.systems[0]!.id;
  const biosWrites = () => bed.redfish!.requests.filter((r) => r.method === 'PATCH' && r.path.startsWith(`/redfish/v1/Systems/${id()}/Bios`)).length;
  const reboot = () => bed.mergeHost('sv-0', { metadata: { annotations: { 'reboot.metal3.io': '' } } });

  beforeAll(async () => {
    // the firmware refuses SerialConsoleEnabled at boot although the registry allows it
    bed = await startBmcBed({ redfish: { systems: [{}], quirks: { biosRejectAtApply: ['SerialConsoleEnabled'] } }, ironicOptions: SHORT_STEP_TIMEOUTS });
    await bed.createSecret('rf-creds', { username: REDFISH_USER, password: REDFISH_PASSWORD });
    await bed.createHost('sv-0', {
      online: true, automatedCleaningMode: 'disabled',
      image: { url: bed.files.urls['/images/live.iso']!, format: 'live-iso' },
      bmc: { address: bed.redfish!.systems[0]!.address.replace(/^redfish:/, 'redfish-virtualmedia:'), credentialsName: 'rf-creds' },
    });
    await bed.drive('sv-0', inState('provisioned'), 360_000);
  }, 480_000);

  afterAll(async () => {
    await bed?.stop();
  }, 60_000);

  it('refuses the change without a HostUpdatePolicy: the host reboots, nothing is sent', async () => {
    // Prepare
    const writes = biosWrites();
    await bed.setDesiredFirmwareSettings('sv-0', { ProcTurboMode: 'Disabled' });
    // Act
    await reboot();
    const host = await bed.drive('sv-0', backOn, 180_000);
    // Assess
    expect(biosWrites()).toBe(writes);
    expect(bed.redfish!.state(id()).bios.current.ProcTurboMode).toBe('Enabled');
    expect((await bed.nodeOf('sv-0'))?.provision_state).toBe('active');
    expect(host!.status?.provisioning?.state).toBe('provisioned');
  }, 240_000);

  it('applies the change as service steps during the next reboot once a HostUpdatePolicy allows it', async () => {
    // Prepare
    await bed.createUpdatePolicy('sv-0', { firmwareSettings: 'onReboot' });
    const seen = new Set<string>();
    // Act
    await reboot();
    const host = await bed.drive('sv-0', (h) => { seen.add(h?.status?.operationalStatus ?? ''); return backOn(h) && seen.has('servicing'); }, 300_000);
    // Assess
    expect(bed.redfish!.state(id()).bios.current.ProcTurboMode).toBe('Disabled');
    expect((await bed.nodeOf('sv-0'))?.provision_state).toBe('active');
    expect(host!.status?.provisioning?.state).toBe('provisioned');
    const hfs = await bed.firmwareSettingsOf('sv-0');
    expect(hfs?.status?.settings?.ProcTurboMode).toBe('Disabled');
    expect(conditionOf(hfs, 'ChangeDetected')).toMatchObject({ status: 'False' });
  }, 360_000);

  it('ends a setting the firmware refuses as a servicing error with an Event, and recovers once the spec is fixed', async () => {
    // Prepare
    await bed.setDesiredFirmwareSettings('sv-0', { ProcTurboMode: 'Disabled', SerialConsoleEnabled: 'true' });
    // Act
    await reboot();
    const failed = await bed.drive('sv-0', inError('servicing error'), 300_000);
    // Assess
    expect(failed!.status?.errorMessage).toMatch(/SerialConsoleEnabled/);
    expect(failed!.status?.provisioning?.state).toBe('provisioned');
    expect((await bed.eventsOf('sv-0')).some((e) => e.type === 'Warning' && /SerialConsoleEnabled/.test(e.note))).toBe(true);

    // Act: the spec no longer asks for it
    await bed.setDesiredFirmwareSettings('sv-0', { ProcTurboMode: 'Disabled', PxeRetryCount: 4 });
    const recovered = await bed.drive('sv-0', backOn, 300_000);
    // Assess
    expect(recovered!.status?.errorType ?? '').toBe('');
    expect(bed.redfish!.state(id()).bios.current).toMatchObject({ PxeRetryCount: 4, SerialConsoleEnabled: false });
    expect((await bed.nodeOf('sv-0'))?.provision_state).toBe('active');
  }, 660_000);
});
