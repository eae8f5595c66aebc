/**
 * Firmware updates of a provisioned `redfish-virtualmedia://` host through OUR functions, a real Ironic
 * (its redfish `firmware` interface, API 1.86, service steps, 1.87) and our Redfish emulator, which
 * downloads the image and flashes it in a task (UpdateService.SimpleUpdate; a BIOS image takes effect
 * at the next reset). A HostFirmwareComponents update reaches a provisioned host only when its
 * HostUpdatePolicy says `firmwareUpdates: onReboot`, and then while it is rebooted; without the
 * policy a reboot sends nothing. An image the BMC refuses ends as a `servicing error` with an Event
 * and recovers once the spec names a good one.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { StoredFirmwareComponents } from '../../../shared/src/api/firmware.ts';
import type { StoredHost } from '../../../shared/src/k8s/host-store.ts';
import { isSushyAvailable } from '../../bed/ironic.ts';
import { firmwareImage } from '../../bed/redfish-emulator/firmware.ts';
import { DEFAULT_BED_FILES } from '../../bed/static-files.ts';
import { inError, inState, REDFISH_PASSWORD, REDFISH_USER, startBmcBed } from './bmc-bed.ts';
import type { BmcBed } from './bmc-bed.ts';

const sushy = await isSushyAvailable();
const describeIfSushy = sushy ? describe : describe.skip;

const conditionOf = (hfc: StoredFirmwareComponents | undefined, type: string) => hfc?.status?.conditions?.find((c) => c.type === type);
const componentOf = (hfc: StoredFirmwareComponents | undefined, name: string) => hfc?.status?.components?.find((c) => c.component === name);
/** rebooted and back: the one-shot annotation is gone and the host is on again, without an error */
const backOn = (h: StoredHost | undefined): boolean =>
  h !== undefined && h.metadata.annotations?.['reboot.metal3.io'] === undefined && h.status?.poweredOn === true && h.status?.operationalStatus === 'OK';

describeIfSushy('firmware updates of a provisioned redfish host › our functions, real Ironic, our Redfish emulator', () => {
  let bed: BmcBed;
  const id = () => bed.redfish!.systems[0]!.id;
  const updateRequests = () => bed.redfish!.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/UpdateService.SimpleUpdate')).length;
  const reboot = () => bed.mergeHost('fw-0', { metadata: { annotations: { 'reboot.metal3.io': '' } } });
  const url = (path: string) => bed.files.urls[path]!;

  beforeAll(async () => {
    bed = await startBmcBed({
      redfish: { systems: [{}] },
      files: {
        ...DEFAULT_BED_FILES,
        '/firmware/bios-2.20.0.img': Buffer.from(firmwareImage('bios', '2.20.0')),
        '/firmware/bios-2.21.0.img': Buffer.from(firmwareImage('bios', '2.21.0')),
        // not a firmware image: the BMC's task fails, as a real one given a corrupt file
        '/firmware/corrupt.img': Buffer.from('\x7fELF not a firmware package'),
      },
    });
    await bed.createSecret('rf-creds', { username: REDFISH_USER, password: REDFISH_PASSWORD });
    await bed.createHost('fw-0', {
      online: true, automatedCleaningMode: 'disabled',
      image: { url: url('/images/live.iso'), format: 'live-iso' },
      bmc: { address: bed.redfish!.systems[0]!.address.replace(/^redfish:/, 'redfish-virtualmedia:'), credentialsName: 'rf-creds' },
    });
    await bed.drive('fw-0', inState('provisioned'), 360_000);
  }, 480_000);

  afterAll(async () => {
    await bed?.stop();
  }, 60_000);

  it('reports the versions Ironic read while preparing in the HostFirmwareComponents it created', async () => {
    // Assess: created by the functions while the host was prepared, owned by the host
    const hfc = await bed.firmwareComponentsOf('fw-0');
    expect(hfc?.spec?.updates).toEqual([]);
    expect(componentOf(hfc, 'bios')).toMatchObject({ initialVersion: '2.19.1', currentVersion: '2.19.1' });
    expect(componentOf(hfc, 'bmc')).toMatchObject({ initialVersion: '1.45.455', currentVersion: '1.45.455' });
    expect(conditionOf(hfc, 'Valid')).toMatchObject({ status: 'True' });
  });

  it('refuses the update without a HostUpdatePolicy: the host reboots, nothing is sent', async () => {
    // Prepare
    const before = updateRequests();
    await bed.setFirmwareUpdates('fw-0', [{ component: 'bios', url: url('/firmware/bios-2.20.0.img') }]);
    // Act
    await reboot();
    const host = await bed.drive('fw-0', backOn, 180_000);
    // Assess
    expect(updateRequests()).toBe(before);
    expect(bed.redfish!.state(id()).biosVersion).toBe('2.19.1');
    expect((await bed.nodeOf('fw-0'))?.provision_state).toBe('active');
    expect(host!.status?.provisioning?.state).toBe('provisioned');
  }, 240_000);

  it('updates the BIOS as a service step during the next reboot once a HostUpdatePolicy allows it', async () => {
    // Prepare
    await bed.createUpdatePolicy('fw-0', { firmwareUpdates: 'onReboot' });
    const seen = new Set<string>();
    // Act
    await reboot();
    const host = await bed.drive('fw-0', (h) => { seen.add(h?.status?.operationalStatus ?? ''); return backOn(h) && seen.has('servicing'); }, 420_000);
    // Assess: the BMC runs the new version, Ironic read it back, the status says so
    expect(bed.redfish!.state(id()).biosVersion).toBe('2.20.0');
    expect(updateRequests()).toBeGreaterThanOrEqual(1);
    expect(host!.status?.provisioning?.state).toBe('provisioned');
    expect((await bed.nodeOf('fw-0'))?.provision_state).toBe('active');
    const hfc = await bed.firmwareComponentsOf('fw-0');
    expect(componentOf(hfc, 'bios')).toMatchObject({ initialVersion: '2.19.1', currentVersion: '2.20.0' });
    expect(hfc?.status?.updates).toEqual([{ component: 'bios', url: url('/firmware/bios-2.20.0.img') }]);
    expect(conditionOf(hfc, 'ChangeDetected')).toMatchObject({ status: 'False' });
  }, 480_000);

  it('ends an image the BMC refuses as a servicing error with an Event, and recovers once the spec names a good one', async () => {
    // Prepare
    await bed.setFirmwareUpdates('fw-0', [{ component: 'bios', url: url('/firmware/corrupt.img') }]);
    // Act
    await reboot();
    const failed = await bed.drive('fw-0', inError('servicing error'), 420_000);
    // Assess
    expect(failed!.status?.errorMessage).toMatch(/firmware|update/i);
    expect(failed!.status?.provisioning?.state).toBe('provisioned');
    expect((await bed.eventsOf('fw-0')).some((e) => e.type === 'Warning' && /servicing/i.test(`${e.reason} ${e.note}`))).toBe(true);
    expect(bed.redfish!.state(id()).biosVersion).toBe('2.20.0');
    // the failed updates are not recorded as applied
    expect((await bed.firmwareComponentsOf('fw-0'))?.status?.updates).toBeUndefined();

    // Act: a good image
    await bed.setFirmwareUpdates('fw-0', [{ component: 'bios', url: url('/firmware/bios-2.21.0.img') }]);
    const recovered = await bed.drive('fw-0', backOn, 480_000);
    // Assess
    expect(recovered!.status?.errorType ?? '').toBe('');
    expect(bed.redfish!.state(id()).biosVersion).toBe('2.21.0');
    expect((await bed.nodeOf('fw-0'))?.provision_state).toBe('active');
    expect(componentOf(await bed.firmwareComponentsOf('fw-0'), 'bios')).toMatchObject({ currentVersion: '2.21.0' });
  }, 960_000);

  it('reports an update naming an unknown component as Valid=False with an Event and sends nothing', async () => {
    // Prepare
    const before = updateRequests();
    await bed.setFirmwareUpdates('fw-0', [{ component: 'gpu', url: url('/firmware/bios-2.21.0.img') }]);
    // Act
    await reboot();
    await bed.drive('fw-0', backOn, 240_000);
    // Assess
    expect(updateRequests()).toBe(before);
    const hfc = await bed.firmwareComponentsOf('fw-0');
    expect(conditionOf(hfc, 'Valid')).toMatchObject({ status: 'False', reason: 'InvalidComponent' });
    expect(conditionOf(hfc, 'Valid')?.message).toMatch(/gpu/);
    expect((await bed.eventsOf('fw-0')).some((e) => e.reason === 'InvalidFirmwareUpdates' && /gpu/.test(e.note))).toBe(true);
  }, 300_000);
});
