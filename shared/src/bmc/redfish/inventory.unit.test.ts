import { describe, expect, it } from '@jest/globals';
import { cpuArch, toHardwareInventory, type RedfishInventoryParts } from './inventory.ts';

const parts = (over: Partial<RedfishInventoryParts> = {}): RedfishInventoryParts => ({
  system: { Manufacturer: 'Contoso', Model: '3500RX', SerialNumber: 'SN1', BiosVersion: '2.1', MemorySummary: { TotalSystemMemoryGiB: 8 } },
  processors: [], memory: [], nics: [], drives: [], simpleStorage: [], ...over,
});

describe('toHardwareInventory', () => {
  it('counts logical CPUs over all CPU sockets and reads the arch from the instruction set when processors are listed', () => {
    // Prepare
    const p = parts({
      processors: [
        { ProcessorType: 'CPU', InstructionSet: 'x86-64', ProcessorArchitecture: 'x86', Model: 'Xeon', MaxSpeedMHz: 3200, TotalCores: 8, TotalThreads: 16 },
        { ProcessorType: 'CPU', InstructionSet: 'x86-64', ProcessorArchitecture: 'x86', Model: 'Xeon', MaxSpeedMHz: 3200, TotalCores: 8, TotalThreads: 16 },
        { ProcessorType: 'GPU', TotalThreads: 1000 },
        { ProcessorType: 'CPU', TotalThreads: 16, Status: { State: 'Absent' } },
      ],
    });
    // Act
    const inv = toHardwareInventory(p);
    // Assess
    expect(inv.cpu).toEqual({ arch: 'x86_64', model: 'Xeon', clockMegahertz: 3200, count: 32, flags: [] });
  });

  it('sums present DIMMs, and falls back to MemorySummary when no DIMM is listed', () => {
    // Prepare / Act
    const withDimms = toHardwareInventory(parts({ memory: [{ CapacityMiB: 4096 }, { CapacityMiB: 4096 }, { CapacityMiB: 4096, Status: { State: 'Absent' } }] }));
    const summaryOnly = toHardwareInventory(parts());
    // Assess
    expect(withDimms.ramMebibytes).toBe(8192);
    expect(summaryOnly.ramMebibytes).toBe(8192);
  });

  it('lower-cases MACs, converts Mbps to Gbps and skips interfaces without a MAC', () => {
    // Prepare / Act
    const inv = toHardwareInventory(parts({
      nics: [
        { Id: 'NIC1', MACAddress: '52:54:AA:BB:CC:01', SpeedMbps: 25_000, IPv4Addresses: [{ Address: '192.0.2.10' }] },
        { Id: 'NIC2', PermanentMACAddress: '52:54:AA:BB:CC:02' },
        { Id: 'NIC3' },
      ],
    }));
    // Assess
    expect(inv.nics).toEqual([
      { name: 'NIC1', mac: '52:54:aa:bb:cc:01', speedGbps: 25, ip: '192.0.2.10' },
      { name: 'NIC2', mac: '52:54:aa:bb:cc:02' },
    ]);
  });

  it('types drives as NVME, SSD or HDD with rotational set only for HDDs when Storage drives exist', () => {
    // Prepare / Act
    const inv = toHardwareInventory(parts({
      drives: [
        { Name: 'a', CapacityBytes: 1e12, MediaType: 'SSD', Protocol: 'NVMe', Manufacturer: 'S', Model: 'M', SerialNumber: 'X' },
        { Name: 'b', CapacityBytes: 2e12, MediaType: 'HDD', Protocol: 'SAS' },
        { Name: 'c', CapacityBytes: 3e11, MediaType: 'SSD', Protocol: 'SATA' },
      ],
      simpleStorage: [{ Devices: [{ Name: 'ignored', CapacityBytes: 1 }] }],
    }));
    // Assess
    expect(inv.storage).toEqual([
      { name: 'a', sizeBytes: 1e12, rotational: false, type: 'NVME', vendor: 'S', model: 'M', serialNumber: 'X' },
      { name: 'b', sizeBytes: 2e12, rotational: true, type: 'HDD' },
      { name: 'c', sizeBytes: 3e11, rotational: false, type: 'SSD' },
    ]);
  });

  it('falls back to SimpleStorage devices when the system has no Storage drives', () => {
    // Prepare / Act
    const inv = toHardwareInventory(parts({ simpleStorage: [{ Devices: [{ Name: 'sda', CapacityBytes: 5e11, Model: 'Disk' }, { Name: 'gone', Status: { State: 'Absent' } }] }] }));
    // Assess
    expect(inv.storage).toEqual([{ name: 'sda', sizeBytes: 5e11, model: 'Disk' }]);
  });

  it('fills systemVendor and firmware.bios from the system and the BIOS attributes', () => {
    // Prepare / Act
    const inv = toHardwareInventory(parts({ biosAttributes: { SystemBiosVendor: 'Contoso', SystemBiosReleaseDate: '2024-03-01', Other: 1 } }));
    // Assess
    expect(inv.systemVendor).toEqual({ manufacturer: 'Contoso', productName: '3500RX', serialNumber: 'SN1' });
    expect(inv.firmware).toEqual({ bios: { version: '2.1', vendor: 'Contoso', date: '2024-03-01' } });
  });
});

describe('cpuArch', () => {
  it.each([
    { case: 'x86-64 instruction set', p: { InstructionSet: 'x86-64' }, arch: 'x86_64' },
    { case: 'ARM-A64 instruction set', p: { InstructionSet: 'ARM-A64' }, arch: 'aarch64' },
    { case: 'architecture only: ARM', p: { ProcessorArchitecture: 'ARM' }, arch: 'aarch64' },
    { case: 'architecture only: Power', p: { ProcessorArchitecture: 'Power' }, arch: 'ppc64le' },
    { case: 'nothing known', p: { ProcessorArchitecture: 'OEM' }, arch: undefined },
  ])('maps to $arch when $case', ({ p, arch }) => {
    expect(cpuArch(p)).toBe(arch);
  });
});
