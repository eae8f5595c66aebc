/**
 * A `redfish-virtualmedia://` host through OUR functions, real Ironic (Debian,
 * python3-sushy) and our Redfish emulator: enroll (Ironic validates power) →
 * inspect with Ironic's out-of-band `redfish` inspect interface → available →
 * provision a `live-iso` by virtual media → provisioned → deprovision →
 * available → delete. A second host with `inspectionMode: fast` takes its
 * hardware from our own Redfish client's inventory, without Ironic inspection.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { isSushyAvailable } from '../../bed/ironic.ts';
import { inState, REDFISH_PASSWORD, REDFISH_USER, startBmcBed } from './bmc-bed.ts';
import type { BmcBed } from './bmc-bed.ts';

const sushy = await isSushyAvailable();
const describeIfSushy = sushy ? describe : describe.skip;

const FAST_SYSTEM = {
  manufacturer: 'Contoso', model: 'Fast 1000', serialNumber: 'SNFAST0001', dimmsMiB: [8192, 8192],
  cpu: { sockets: 1, coresPerSocket: 4, threadsPerSocket: 8, model: 'Emulated CPU @ 2.40GHz', maxSpeedMHz: 2400 },
  nics: [{ mac: '02:00:00:0f:00:01', speedMbps: 25_000 }],
  drives: [{ sizeBytes: 960_197_124_096, mediaType: 'SSD' as const, protocol: 'NVMe' as const, model: 'NV960', manufacturer: 'Acme', serialNumber: 'NV0001' }],
  bios: { version: '1.2.3', vendor: 'Contoso', releaseDate: '2025-01-01' },
};

describeIfSushy('redfish-virtualmedia host › through our functions and real Ironic', () => {
  let bed: BmcBed;
  const virtualMediaAddress = (i: number) => bed.redfish!.systems[i]!.address.replace(/^redfish:/, 'redfish-virtualmedia:');

  beforeAll(async () => {
    bed = await startBmcBed({ redfish: { systems: [{}, FAST_SYSTEM] } });
    await bed.createSecret('rf-creds', { username: REDFISH_USER, password: REDFISH_PASSWORD });
  }, 180_000);

  afterAll(async () => {
    await bed?.stop();
  }, 60_000);

  it('enrolls and inspects out of band through Ironic: CPUs, RAM, NICs in status.hardware and HardwareData', async () => {
    // Prepare
    await bed.createHost('rf-0', { online: true, automatedCleaningMode: 'disabled', bmc: { address: virtualMediaAddress(0), credentialsName: 'rf-creds' } });
    // Act
    const host = await bed.drive('rf-0', inState('available'), 150_000);
    // Assess
    const node = (await bed.nodeOf('rf-0'))!;
    expect(node).toMatchObject({ driver: 'redfish', boot_interface: 'redfish-virtual-media', inspect_interface: 'redfish', provision_state: 'available' });
    expect((node as { inspection_finished_at?: string | null }).inspection_finished_at).toBeTruthy();
    const hardware = host!.status?.hardware as { cpu?: { count?: number; arch?: string }; ramMebibytes?: number; nics?: { mac?: string }[] };
    expect(hardware).toMatchObject({ cpu: { count: 32, arch: 'x86_64' }, ramMebibytes: 65536 });
    expect(hardware.nics).toHaveLength(2);
    expect((await bed.hardwareDataOf('rf-0'))?.spec).toMatchObject({ hardware: { ramMebibytes: 65536 } });
    expect((host!.status as { goodCredentials?: unknown }).goodCredentials).toBeDefined();
    expect(JSON.stringify(host!.status)).not.toContain(REDFISH_PASSWORD);
  }, 200_000);

  it('provisions a live ISO by virtual media: CD inserted, boot override Cd, powered on, provisioned', async () => {
    // Prepare
    const iso = bed.files.urls['/images/live.iso']!;
    const id = bed.redfish!.systems[0]!.id;
    await bed.mergeHost('rf-0', { spec: { image: { url: iso, format: 'live-iso' } } });
    // Act
    const host = await bed.drive('rf-0', inState('provisioned'), 180_000);
    // Assess
    expect((await bed.nodeOf('rf-0'))?.provision_state).toBe('active');
    const state = bed.redfish!.state(id);
    expect(state.virtualMedia.find((v) => v.id === 'CD1')).toMatchObject({ inserted: true, image: iso });
    expect(state.boot).toMatchObject({ target: 'Cd' });
    expect(state.power).toMatch(/^(On|PoweringOn)$/);
    expect(host!.status?.provisioning?.image).toMatchObject({ url: iso, format: 'live-iso' });
  }, 220_000);

  it('deprovisions back to available when the image is removed: media ejected', async () => {
    // Prepare
    const id = bed.redfish!.systems[0]!.id;
    // Act
    await bed.mergeHost('rf-0', { spec: { image: null } });
    await bed.drive('rf-0', inState('available'), 180_000);
    // Assess
    expect((await bed.nodeOf('rf-0'))?.provision_state).toBe('available');
    expect(bed.redfish!.state(id).virtualMedia.find((v) => v.id === 'CD1')).toMatchObject({ inserted: false });
  }, 220_000);

  it('deletes the host: powered off, Ironic node deleted, finalizer removed', async () => {
    // Act
    await bed.deleteHost('rf-0');
    await bed.drive('rf-0', (h) => h === undefined, 120_000);
    // Assess
    expect(await bed.nodeOf('rf-0')).toBeNull();
    expect(bed.redfish!.state(bed.redfish!.systems[0]!.id).power).toBe('Off');
  }, 150_000);

  it('inspects fast from our Redfish inventory: processors, memory, NICs, drives, BIOS, vendor; no Ironic inspection', async () => {
    // Prepare
    await bed.createHost('rf-fast', { online: false, inspectionMode: 'fast', automatedCleaningMode: 'disabled', bmc: { address: virtualMediaAddress(1), credentialsName: 'rf-creds' } });
    // Act
    const host = await bed.drive('rf-fast', inState('available'), 150_000);
    // Assess
    const hardware = host!.status?.hardware as Record<string, unknown>;
    expect(hardware).toMatchObject({
      cpu: { arch: 'x86_64', model: FAST_SYSTEM.cpu.model, count: 8 },
      ramMebibytes: 16384,
      nics: [expect.objectContaining({ mac: '02:00:00:0f:00:01' })],
      storage: [expect.objectContaining({ sizeBytes: 960_197_124_096, model: 'NV960', serialNumber: 'NV0001' })],
      systemVendor: { manufacturer: 'Contoso', productName: 'Fast 1000', serialNumber: 'SNFAST0001' },
      firmware: { bios: expect.objectContaining({ version: '1.2.3' }) },
    });
    expect((await bed.hardwareDataOf('rf-fast'))?.spec).toMatchObject({ hardware: { ramMebibytes: 16384 } });
    const node = (await bed.nodeOf('rf-fast'))!;
    expect((node as { inspection_finished_at?: string | null }).inspection_finished_at ?? null).toBeNull();
    const inspectRequests = bed.ironicCalls.filter((c) => c.method === 'PUT' && c.path === `/v1/nodes/${node.uuid}/states/provision`);
    expect(inspectRequests.length).toBeGreaterThan(0); // manage and provide; the target is not recorded, hence the Ironic-side check above
    expect(bed.bmcCalls.filter((c) => c.host.endsWith('/rf-fast')).map((c) => c.op)).toEqual(['forHost', 'powerState', 'forHost', 'inventory']);
  }, 200_000);
});
