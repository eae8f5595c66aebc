/**
 * Agent deploy and cleaning on simulated machines through OUR functions: a real ironic-python-agent
 * downloads the image from the bed's file server, checks its checksum, writes it (qcow2 converted
 * by qemu-img) to the machine's loop disk and adds a config drive partition; the tests read the
 * disk file back. Deprovisioning with automatedCleaningMode `metadata` lets IPA erase the
 * partition tables; `disabled` leaves them. A wrong checksum ends in a provisioning error. Root
 * device hints choose between the two disks of a third machine.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { StoredHost } from '../../../shared/src/k8s/host-store.ts';
import { inError, inState, REDFISH_PASSWORD, REDFISH_USER, startAgentBed } from './agent-bed.ts';
import type { AgentBed } from './agent-bed.ts';
import { digest, makeTestImage, partitionsOf, PAYLOAD_OFFSET, readDisk } from '../../bed/agent-machine/disk-images.ts';
import type { TestImage } from '../../bed/agent-machine/disk-images.ts';

const SECTOR = 512;
const GiB = 1024 ** 3;
const USER_DATA = '#cloud-config\nfinal_message: agent-deploy-user-data-marker\n';
const NETWORK_DATA = JSON.stringify({ links: [{ id: 'eth0', type: 'phy', ethernet_mac_address: '02:00:00:00:00:01' }], networks: [], services: [] });
const META_DATA = JSON.stringify({ 'local-hostname': 'agent-deployed-0' });

describe('agent machines › deploy, config drive and cleaning through our functions, a real IPA and Ironic', () => {
  let bed: AgentBed;
  let image: TestImage;

  beforeAll(async () => {
    image = await makeTestImage();
    bed = await startAgentBed({ machines: [{}, {}, { diskSizesBytes: [5 * GiB, 6 * GiB] }], files: { '/images/disk.raw': image.raw, '/images/disk.qcow2': image.qcow2 } });
    await bed.createSecret('bmc-creds', { username: REDFISH_USER, password: REDFISH_PASSWORD });
    await bed.createSecret('user-data', { userData: USER_DATA });
    await bed.createSecret('network-data', { networkData: NETWORK_DATA });
    await bed.createSecret('meta-data', { metaData: META_DATA });
    // the machines inspected and available, in parallel
    await Promise.all([0, 1, 2].map(async (i) => {
      await bed.createHost(`m${i}`, { online: true, bootMACAddress: bed.machines[i]!.mac, automatedCleaningMode: i === 0 ? 'metadata' : 'disabled', bmc: { address: bed.bmcAddress(i), credentialsName: 'bmc-creds' } });
      await bed.drive(`m${i}`, inState('available'), 240_000);
    }));
  }, 400_000);

  afterAll(async () => {
    await bed?.stop();
  }, 60_000);

  const provision = async (name: string, imageSpec: Record<string, unknown>, extra: Record<string, unknown> = {}): Promise<StoredHost | undefined> => {
    await bed.mergeHost(name, { spec: { image: imageSpec, ...extra } });
    return bed.drive(name, inState('provisioned'), 300_000);
  };
  const deprovision = async (name: string): Promise<void> => {
    await bed.mergeHost(name, { spec: { image: null, userData: null, networkData: null, metaData: null } });
    await bed.drive(name, inState('available'), 300_000);
  };

  it('raw image with sha256 and a config drive: the image bytes and the user data are on the disk; metadata cleaning then erases the partition table', async () => {
    // Prepare
    const machine = bed.machines[0]!;
    // Act
    await provision('m0', { url: bed.imageUrl('/images/disk.raw'), checksum: digest('sha256', image.raw), checksumType: 'sha256', format: 'raw' }, {
      userData: { name: 'user-data' }, networkData: { name: 'network-data' }, metaData: { name: 'meta-data' },
    });
    // Assess: the deploy ramdisk came from the boot config Ironic wrote for the MAC
    expect(machine.boots.some((b) => b.choice.kind === 'agent' && b.source?.startsWith('httpboot/pxelinux.cfg/'))).toBe(true);
    const disk = machine.disks[0]!;
    expect((await readDisk(disk.file, PAYLOAD_OFFSET, image.payload.length)).equals(image.payload)).toBe(true);
    const table = await partitionsOf(disk.file);
    expect(table?.label).toBe('gpt');
    // partition 1 from the image, then the config drive IPA added
    expect(table!.partitions.length).toBeGreaterThanOrEqual(2);
    const configDrive = table!.partitions.at(-1)!;
    const content = await readDisk(disk.file, configDrive.start * SECTOR, configDrive.size * SECTOR);
    expect(content.subarray(0x8001, 0x8006).toString('latin1')).toBe('CD001'); // ISO 9660
    expect(content.includes(Buffer.from('agent-deploy-user-data-marker'))).toBe(true);
    expect(content.includes(Buffer.from('agent-deployed-0'))).toBe(true);
    expect(content.includes(Buffer.from('02:00:00:00:00:01'))).toBe(true);

    // Act: deprovision with automatedCleaningMode metadata
    await deprovision('m0');
    // Assess: IPA's erase_devices_metadata wiped the GPT (both headers) and the payload's start
    expect(await partitionsOf(disk.file)).toBeNull();
    expect((await readDisk(disk.file, SECTOR, 8)).toString('latin1')).not.toBe('EFI PART');
    expect((await readDisk(disk.file, disk.sizeBytes - SECTOR, 8)).toString('latin1')).not.toBe('EFI PART');
  }, 700_000);

  it('qcow2 image with sha512, converted by IPA with qemu-img: the raw bytes are on the disk; cleaning disabled leaves the partition table', async () => {
    // Prepare
    const machine = bed.machines[1]!;
    // Act
    await provision('m1', { url: bed.imageUrl('/images/disk.qcow2'), checksum: digest('sha512', image.qcow2), checksumType: 'sha512', format: 'qcow2' });
    // Assess
    const disk = machine.disks[0]!;
    expect((await readDisk(disk.file, PAYLOAD_OFFSET, image.payload.length)).equals(image.payload)).toBe(true);
    expect((await partitionsOf(disk.file))?.partitions[0]).toMatchObject({ start: 2048, size: 16384 });
    // Act: deprovision with automatedCleaningMode disabled
    await deprovision('m1');
    // Assess
    expect((await partitionsOf(disk.file))?.partitions[0]).toMatchObject({ start: 2048, size: 16384 });
    expect((await readDisk(disk.file, PAYLOAD_OFFSET, image.payload.length)).equals(image.payload)).toBe(true);
  }, 700_000);

  it('md5 and auto (algorithm from the value) checksums deploy; a wrong checksum ends in a provisioning error', async () => {
    // md5 on m1 (cleaning disabled: quick turnaround)
    await provision('m1', { url: bed.imageUrl('/images/disk.raw'), checksum: digest('md5', image.raw), checksumType: 'md5', format: 'raw' });
    await deprovision('m1');
    // auto: no checksumType, Ironic tells the algorithm from the value's length
    await provision('m1', { url: bed.imageUrl('/images/disk.qcow2'), checksum: digest('sha256', image.qcow2), format: 'qcow2' });
    expect((await readDisk(bed.machines[1]!.disks[0]!.file, PAYLOAD_OFFSET, image.payload.length)).equals(image.payload)).toBe(true);
    await deprovision('m1');
    // wrong checksum
    await bed.mergeHost('m1', { spec: { image: { url: bed.imageUrl('/images/disk.raw'), checksum: digest('sha256', Buffer.from('not the image')), checksumType: 'sha256', format: 'raw' } } });
    const failed = await bed.drive('m1', inError('provisioning error'), 300_000);
    expect(failed!.status!.errorMessage).toMatch(/checksum|hash/i);
  }, 900_000);

  it('root device hints choose the second of two disks: the image lands there, the first stays blank', async () => {
    // Prepare: without hints IPA would take the smallest disk of at least 4 GiB, the first
    const machine = bed.machines[2]!;
    const [first, second] = machine.disks;
    // Act
    await provision('m2', { url: bed.imageUrl('/images/disk.raw'), checksum: digest('sha256', image.raw), checksumType: 'sha256', format: 'raw' }, { rootDeviceHints: { deviceName: second!.device } });
    // Assess
    expect((await readDisk(second!.file, PAYLOAD_OFFSET, image.payload.length)).equals(image.payload)).toBe(true);
    expect(await partitionsOf(first!.file)).toBeNull();
    expect((await readDisk(first!.file, 0, 2 * 1024 ** 2)).every((b) => b === 0)).toBe(true);
    const hw = (await bed.getHost('m2'))!.status!.hardware as { storage: { name: string; sizeBytes: number }[] };
    expect(hw.storage.map((d) => [d.name, d.sizeBytes]).sort()).toEqual([[first!.device, 5 * GiB], [second!.device, 6 * GiB]].sort());
  }, 400_000);
});
