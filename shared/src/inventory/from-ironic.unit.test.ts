import { describe, expect, it } from '@jest/globals';
import { hardwareFromInventory, hardwareFromNodeProperties } from './from-ironic.ts';

describe('hardwareFromNodeProperties', () => {
  it('finds nothing when Ironic recorded no properties, even with our own boot-MAC port (fake inspection)', () => {
    expect(hardwareFromNodeProperties({}, ['52:54:00:00:00:01'])).toBeUndefined();
  });

  it('maps what out-of-band inspection recorded: CPUs, RAM, disk size and the ports it created', () => {
    // Prepare: what Ironic's redfish inspect interface leaves on the node
    const props = { cpus: 32, memory_mb: 65536, local_gb: 446, cpu_arch: 'x86_64' };
    // Act
    const hw = hardwareFromNodeProperties(props, ['AA:BB:CC:DD:EE:01', 'aa:bb:cc:dd:ee:02']);
    // Assess
    expect(hw).toEqual({
      cpu: { arch: 'x86_64', count: 32 },
      ramMebibytes: 65536,
      nics: [{ mac: 'aa:bb:cc:dd:ee:01' }, { mac: 'aa:bb:cc:dd:ee:02' }],
      storage: [{ sizeBytes: 446 * 1024 ** 3 }],
    });
  });
});

describe('hardwareFromInventory', () => {
  it('maps an ironic-python-agent inventory to status.hardware with upstream field names', () => {
    const hw = hardwareFromInventory({
      cpu: { count: 8, architecture: 'x86_64', model_name: 'Xeon', frequency: '2400', flags: ['vmx', 'avx'] },
      memory: { physical_mb: 32768 },
      interfaces: [{ name: 'eth0', mac_address: 'AA:BB:CC:00:00:01', ipv4_address: '192.0.2.10', speed_mbps: 10000, vendor: '0x8086', product: '0x1572' }],
      disks: [{ name: '/dev/nvme0n1', size: 1_000_000_000, rotational: false }, { name: '/dev/sda', size: 2_000_000_000, rotational: true, serial: 'S1' }],
      system_vendor: { manufacturer: 'Acme', product_name: 'R1', serial_number: 'X', firmware: { vendor: 'BIOSCo', version: '1.2', build_date: '2024-01-01' } },
      boot: { pxe_interface: 'aa:bb:cc:00:00:01' },
      hostname: 'node-1',
    });
    expect(hw).toMatchObject({
      cpu: { arch: 'x86_64', model: 'Xeon', clockMegahertz: 2400, flags: ['avx', 'vmx'], count: 8 },
      ramMebibytes: 32768,
      nics: [{ name: 'eth0', mac: 'aa:bb:cc:00:00:01', ip: '192.0.2.10', speedGbps: 10, pxe: true, model: '0x8086 0x1572' }],
      storage: [{ name: '/dev/nvme0n1', type: 'NVME', rotational: false }, { name: '/dev/sda', type: 'HDD', serialNumber: 'S1' }],
      systemVendor: { manufacturer: 'Acme', productName: 'R1', serialNumber: 'X' },
      firmware: { bios: { vendor: 'BIOSCo', version: '1.2', date: '2024-01-01' } },
      hostname: 'node-1',
    });
  });
});
