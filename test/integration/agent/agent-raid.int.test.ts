/**
 * Hardware RAID and firmware updates through OUR inspect function while a host is prepared: Ironic's redfish RAID
 * interface (sushy) builds `spec.raid.hardwareRAIDVolumes` on our Redfish emulator's controller in
 * a manual cleaning (`raid.delete_configuration`, `raid.create_configuration`), which boots the
 * simulated machine's real ironic-python-agent as Ironic's RAID steps need the deploy ramdisk. The
 * host is then provisioned with root device hints. A RAID level the controller refuses ends as a
 * preparation error with an Event, and the host recovers once the spec asks for one it builds. A
 * changed spec.raid prepares an available host again (`[]` deletes its volumes); software RAID goes
 * to ironic-python-agent as upstream sends it (the node switched to the `agent` RAID interface). A HostFirmwareComponents update
 * prepares an available host again: Ironic's `firmware.update` clean step (which also needs the
 * ramdisk up) has the BMC flash the BIOS image, and the new version is read back into the status.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { DriveSpec } from '../../bed/redfish-emulator/model.ts';
import { inError, inState, REDFISH_PASSWORD, REDFISH_USER, startAgentBed } from './agent-bed.ts';
import type { AgentBed } from './agent-bed.ts';
import { digest, makeTestImage, PAYLOAD_OFFSET, readDisk } from '../../bed/agent-machine/disk-images.ts';
import { firmwareImage } from '../../bed/redfish-emulator/firmware.ts';
import type { TestImage } from '../../bed/agent-machine/disk-images.ts';

const GiB = 1024 ** 3;
/** four identical drives: Ironic builds a volume from drives of one kind (media, protocol, size) only */
const DRIVES: DriveSpec[] = [1, 2, 3, 4].map(() => ({ sizeBytes: 480_103_981_056, mediaType: 'SSD', protocol: 'SATA', model: 'MZ7LH480HAHQ' }));
const MIRROR = { level: '1', name: 'os', sizeGibibytes: 100, numberOfPhysicalDisks: 2 };

describe('agent machines › hardware RAID while preparing through our functions, a real IPA, Ironic and our Redfish emulator', () => {
  let bed: AgentBed;
  let image: TestImage;
  const systemId = (i: number): string => bed.redfish!.systems[i]!.id;

  beforeAll(async () => {
    image = await makeTestImage();
    bed = await startAgentBed({ machines: [{ redfishDrives: DRIVES }, { redfishDrives: DRIVES }], files: { '/images/disk.raw': image.raw, '/firmware/bios-2.20.0.img': Buffer.from(firmwareImage('bios', '2.20.0')) } });
    await bed.createSecret('bmc-creds', { username: REDFISH_USER, password: REDFISH_PASSWORD });
  }, 300_000);

  afterAll(async () => {
    await bed?.stop();
  }, 60_000);

  const newHost = (name: string, i: number, raid: Record<string, unknown>) => bed.createHost(name, {
    online: true, bootMACAddress: bed.machines[i]!.mac, automatedCleaningMode: 'disabled', raid, bmc: { address: bed.bmcAddress(i), credentialsName: 'bmc-creds' },
  });

  it('builds a RAID-1 volume while preparing, records it in status.provisioning.raid, then provisions with root device hints', async () => {
    // Prepare
    await newHost('r0', 0, { hardwareRAIDVolumes: [MIRROR] });
    // Act
    const host = await bed.drive('r0', inState('available'), 400_000);
    // Assess: the controller holds the one volume asked for, over two of its drives
    const volumes = bed.redfish!.state(systemId(0)).volumes;
    expect(volumes).toEqual([{ id: expect.any(String), name: 'os', raidType: 'RAID1', capacityBytes: 100 * GiB, driveIds: [expect.any(String), expect.any(String)] }]);
    // Ironic was given upstream's target and read the result back
    const node = await bed.nodeOf('r0');
    expect(node?.raid_interface).toBe('redfish');
    expect(node?.target_raid_config).toEqual({ logical_disks: [{ size_gb: 100, raid_level: '1', volume_name: 'os', number_of_physical_disks: 2, is_root_volume: true }] });
    expect(node?.raid_config).toMatchObject({ logical_disks: [{ name: 'os', raid_level: '1', size_gb: 100, controller: expect.any(String) }] });
    // what was applied, in status; the field is no longer reported as unsupported
    expect(host!.status?.provisioning?.raid).toEqual({ hardwareRAIDVolumes: [MIRROR] });
    const unsupported = (host!.status as { conditions?: { type: string; status: string }[] }).conditions?.find((c) => c.type === 'UnsupportedFields');
    expect(unsupported?.status).toBe('False');
    // the deploy ramdisk was booted for the RAID steps (inspection once, the RAID cleaning once more)
    expect(bed.machines[0]!.boots.filter((b) => b.choice.kind === 'agent').length).toBeGreaterThanOrEqual(2);

    // Act: provisioned with root device hints naming the disk to write to
    const disk = bed.machines[0]!.disks[0]!;
    await bed.mergeHost('r0', { spec: { image: { url: bed.imageUrl('/images/disk.raw'), checksum: digest('sha256', image.raw), checksumType: 'sha256', format: 'raw' }, rootDeviceHints: { deviceName: disk.device } } });
    const provisioned = await bed.drive('r0', inState('provisioned'), 400_000);
    // Assess: Ironic chose the root device by the hints, the image is on that disk, the RAID stayed as built
    expect((await bed.nodeOf('r0'))?.instance_info?.root_device).toEqual({ name: `s== ${disk.device}` });
    expect((await readDisk(disk.file, PAYLOAD_OFFSET, image.payload.length)).equals(image.payload)).toBe(true);
    expect(provisioned!.status?.provisioning?.raid).toEqual({ hardwareRAIDVolumes: [MIRROR] });
    expect(bed.redfish!.state(systemId(0)).volumes.map((v) => v.name)).toEqual(['os']);
  }, 900_000);

  it('ends as a preparation error with an Event when the controller refuses the RAID level, and recovers once the spec is fixed', async () => {
    // Prepare: RAID-6 over four drives; Ironic can lay it out, the controller does not build RAID-6
    await newHost('r1', 1, { hardwareRAIDVolumes: [{ level: '6', name: 'big', sizeGibibytes: 100, numberOfPhysicalDisks: 4 }] });
    // Act
    const failed = await bed.drive('r1', inError('preparation error'), 400_000);
    // Assess
    expect(failed!.status?.errorMessage).toMatch(/^cleaning failed: .*RAID6/);
    expect((await bed.eventsOf('r1')).some((e) => e.type === 'Warning' && e.reason === 'PreparationError' && /RAID6/.test(e.note))).toBe(true);
    expect(bed.redfish!.state(systemId(1)).volumes).toEqual([]);
    // what was not built is not recorded as applied
    expect(failed!.status?.provisioning?.raid).toBeUndefined();

    // Act: the spec asks for a level the controller builds
    await bed.mergeHost('r1', { spec: { raid: { hardwareRAIDVolumes: [MIRROR] } } });
    const recovered = await bed.drive('r1', inState('available'), 500_000);
    // Assess
    expect(recovered!.status?.errorType ?? '').toBe('');
    expect(recovered!.status?.provisioning?.raid).toEqual({ hardwareRAIDVolumes: [MIRROR] });
    expect(bed.redfish!.state(systemId(1)).volumes).toMatchObject([{ name: 'os', raidType: 'RAID1', capacityBytes: 100 * GiB }]);
  }, 1_000_000);

  it('prepares an available host again when spec.raid changes: [] deletes the volumes; software RAID goes to the agent as upstream sends it', async () => {
    // Prepare: r1 is available with its RAID-1 volume (previous test)
    expect((await bed.getHost('r1'))?.status?.provisioning?.state).toBe('available');
    // Act: an empty list asks for no volumes
    await bed.mergeHost('r1', { spec: { raid: { hardwareRAIDVolumes: [] } } });
    await bed.drive('r1', (h) => h?.status?.provisioning?.state === 'preparing', 60_000);
    const emptied = await bed.drive('r1', inState('available'), 400_000);
    // Assess
    expect(bed.redfish!.state(systemId(1)).volumes).toEqual([]);
    expect(emptied!.status?.provisioning?.raid).toEqual({ hardwareRAIDVolumes: [] });

    // Act: software RAID, which ironic-python-agent builds with mdadm (upstream switches the node to the agent RAID interface)
    await bed.mergeHost('r1', { spec: { raid: { hardwareRAIDVolumes: null, softwareRAIDVolumes: [{ level: '1' }] } } });
    const software = await bed.drive('r1', inError('preparation error'), 400_000);
    // Assess: what reached Ironic is upstream's: the agent RAID interface, a software volume as the root volume
    const node = await bed.nodeOf('r1');
    expect(node?.raid_interface).toBe('agent');
    expect(node?.target_raid_config).toEqual({ logical_disks: [{ size_gb: 'MAX', raid_level: '1', controller: 'software', is_root_volume: true }] });
    // the agent ran the steps, and its mdadm was refused: a simulated machine shares this machine's
    // kernel, so an array would be built on the host's devices (and this kernel has no md driver)
    expect(software!.status?.errorType).toBe('preparation error');
    expect(software!.status?.errorMessage).toMatch(/^cleaning failed: Clean step raid\.delete_configuration failed .*mdadm/);
    expect(software!.status?.provisioning?.raid).toBeUndefined();
    expect((await bed.eventsOf('r1')).some((e) => e.type === 'Warning' && e.reason === 'PreparationError' && /mdadm/.test(e.note))).toBe(true);

    // Act: the software volumes removed
    await bed.mergeHost('r1', { spec: { raid: { softwareRAIDVolumes: null } } });
    const back = await bed.drive('r1', inState('available'), 400_000);
    // Assess
    expect(back!.status?.errorType ?? '').toBe('');
    expect(bed.redfish!.state(systemId(1)).volumes).toEqual([]);
  }, 1_200_000);

  it('updates the BIOS firmware of an available host by manual cleaning once its HostFirmwareComponents lists the update', async () => {
    // Prepare: r1 is available (previous test); the functions created its HostFirmwareComponents while preparing
    const before = await bed.firmwareComponentsOf('r1');
    expect(before?.status?.components?.find((c) => c.component === 'bios')).toMatchObject({ initialVersion: '2.19.1', currentVersion: '2.19.1' });
    const agentBoots = bed.machines[1]!.boots.filter((b) => b.choice.kind === 'agent').length;
    // the BMC downloads the image itself, from loopback (it is not on the provisioning network)
    const update = { component: 'bios', url: bed.files.urls['/firmware/bios-2.20.0.img']! };
    // Act
    await bed.setFirmwareUpdates('r1', [update]);
    await bed.drive('r1', (h) => h?.status?.provisioning?.state === 'preparing', 60_000);
    const host = await bed.drive('r1', inState('available'), 500_000);
    // Assess: flashed and active after the reset Ironic made, read back by Ironic into the status
    expect(host!.status?.errorType ?? '').toBe('');
    expect(bed.redfish!.state(systemId(1)).biosVersion).toBe('2.20.0');
    const after = await bed.firmwareComponentsOf('r1');
    expect(after?.status?.components?.find((c) => c.component === 'bios')).toMatchObject({ initialVersion: '2.19.1', currentVersion: '2.20.0' });
    expect(after?.status?.updates).toEqual([update]);
    expect(after?.status?.conditions?.find((c) => c.type === 'ChangeDetected')).toMatchObject({ status: 'False' });
    // the clean step ran with the deploy ramdisk up, as Ironic requires for it
    expect(bed.machines[1]!.boots.filter((b) => b.choice.kind === 'agent').length).toBeGreaterThan(agentBoots);
  }, 700_000);
});
