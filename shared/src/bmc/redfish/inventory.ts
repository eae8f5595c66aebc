/**
 * @module bmc/redfish/inventory: Redfish resources → BareMetalHost `status.hardware` (pure).
 *
 * Field meanings follow BMO's HardwareDetails: cpu.count is logical CPUs (threads), as Ironic's
 * redfish inspection counts them; ramMebibytes from the DIMMs, else MemorySummary; storage from
 * Storage/Drives, else SimpleStorage devices.
 */
import type { HardwareInventory } from '../types.ts';
import type { RedfishDrive, RedfishEthernetInterface, RedfishMemory, RedfishProcessor, RedfishSimpleStorage, RedfishSystem } from './schemas.ts';

export interface RedfishInventoryParts {
  system: RedfishSystem;
  processors: RedfishProcessor[];
  memory: RedfishMemory[];
  nics: RedfishEthernetInterface[];
  drives: RedfishDrive[];
  simpleStorage: RedfishSimpleStorage[];
  biosAttributes?: Record<string, unknown>;
}

/** Redfish ProcessorArchitecture / InstructionSet → the arch names Ironic and BMO use. */
export function cpuArch(p: Pick<RedfishProcessor, 'ProcessorArchitecture' | 'InstructionSet'>): string | undefined {
  switch (p.InstructionSet) {
    case 'x86-64': return 'x86_64';
    case 'x86': return 'i686';
    case 'ARM-A64': return 'aarch64';
    case 'ARM-A32': return 'armv7l';
    case 'PowerISA': return 'ppc64le';
    case 'MIPS64': return 'mips64';
  }
  switch (p.ProcessorArchitecture) {
    case 'x86': return 'x86_64';
    case 'ARM': return 'aarch64';
    case 'Power': return 'ppc64le';
    case 'MIPS': return 'mips64';
    default: return undefined;
  }
}

const present = (s: { State?: string | null } | null | undefined): boolean => !s?.State || !['Absent', 'Disabled', 'UnavailableOffline'].includes(s.State);
const defined = <T extends object>(o: T): T =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== null && v !== '')) as T;

function storageType(d: RedfishDrive): 'HDD' | 'SSD' | 'NVME' | undefined {
  if (d.Protocol === 'NVMe') return 'NVME';
  if (d.MediaType === 'HDD') return 'HDD';
  if (d.MediaType === 'SSD') return 'SSD';
  return undefined;
}

export function toHardwareInventory(p: RedfishInventoryParts): HardwareInventory {
  const cpus = p.processors.filter((c) => (!c.ProcessorType || c.ProcessorType === 'CPU') && present(c.Status));
  const first = cpus[0];
  const threads = cpus.reduce((n, c) => n + (c.TotalThreads ?? c.TotalCores ?? 0), 0);
  const count = threads || p.system.ProcessorSummary?.LogicalProcessorCount || undefined;

  const dimmMiB = p.memory.filter((m) => present(m.Status)).reduce((n, m) => n + (m.CapacityMiB ?? 0), 0);
  const summaryGiB = p.system.MemorySummary?.TotalSystemMemoryGiB;
  const ramMebibytes = dimmMiB || (summaryGiB ? Math.round(summaryGiB * 1024) : undefined);

  const nics = p.nics
    .filter((n) => n.MACAddress || n.PermanentMACAddress)
    .map((n) => defined({
      name: n.Id ?? n.Name ?? undefined,
      mac: (n.MACAddress || n.PermanentMACAddress || '').toLowerCase(),
      speedGbps: typeof n.SpeedMbps === 'number' ? n.SpeedMbps / 1000 : undefined,
      ip: n.IPv4Addresses?.find((a) => a.Address)?.Address ?? undefined,
    }));

  const drives = p.drives.filter((d) => present(d.Status));
  const storage = drives.length > 0
    ? drives.map((d) => defined({
      name: d.Name ?? d.Id ?? undefined, sizeBytes: d.CapacityBytes ?? undefined, rotational: d.MediaType ? d.MediaType === 'HDD' : undefined,
      type: storageType(d), vendor: d.Manufacturer ?? undefined, model: d.Model ?? undefined, serialNumber: d.SerialNumber ?? undefined,
    }))
    : p.simpleStorage.flatMap((s) => s.Devices.filter((d) => present(d.Status)).map((d) => defined({
      name: d.Name ?? undefined, sizeBytes: d.CapacityBytes ?? undefined, vendor: d.Manufacturer ?? undefined, model: d.Model ?? undefined,
    })));

  const attr = (k: string): string | undefined => (typeof p.biosAttributes?.[k] === 'string' ? (p.biosAttributes[k] as string) : undefined);
  const bios = defined({ version: p.system.BiosVersion ?? undefined, vendor: attr('SystemBiosVendor'), date: attr('SystemBiosReleaseDate') });

  return defined({
    cpu: first || count ? defined({
      arch: first ? cpuArch(first) : undefined, model: first?.Model ?? p.system.ProcessorSummary?.Model ?? undefined,
      clockMegahertz: first?.MaxSpeedMHz ?? undefined, count, flags: [],
    }) : undefined,
    ramMebibytes,
    nics,
    storage,
    systemVendor: defined({ manufacturer: p.system.Manufacturer ?? undefined, productName: p.system.Model ?? undefined, serialNumber: p.system.SerialNumber ?? undefined }),
    firmware: Object.keys(bios).length ? { bios } : undefined,
    hostname: p.system.HostName ?? undefined,
  });
}
