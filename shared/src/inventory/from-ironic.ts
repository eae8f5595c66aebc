/**
 * @module inventory/from-ironic: Ironic's inventory (ironic-python-agent format,
 * `GET /v1/nodes/{id}/inventory`) → BareMetalHost `status.hardware`, as upstream
 * BMO maps it. Pure; missing parts are left out, never invented.
 */
import type { HardwareInventory } from '../bmc/types.ts';

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {});
const arr = (v: unknown): Json[] => (Array.isArray(v) ? v.map(obj) : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);
const num = (v: unknown): number | undefined => {
  const n = typeof v === 'string' ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
};
/** drops undefined members so the status stays minimal and schema-clean */
function compact<T extends Json>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

export function hardwareFromInventory(inventory: Json): HardwareInventory {
  const cpu = obj(inventory.cpu);
  const memory = obj(inventory.memory);
  const vendor = obj(inventory.system_vendor);
  const firmware = obj(vendor.firmware);
  const pxeMac = str(obj(inventory.boot).pxe_interface)?.toLowerCase();
  const hw: HardwareInventory = compact({
    cpu: compact({
      arch: str(cpu.architecture),
      model: str(cpu.model_name),
      clockMegahertz: num(cpu.frequency),
      flags: Array.isArray(cpu.flags) ? (cpu.flags as unknown[]).filter((f): f is string => typeof f === 'string').sort() : undefined,
      count: num(cpu.count),
    }),
    ramMebibytes: num(memory.physical_mb),
    nics: arr(inventory.interfaces).map((i) =>
      compact({
        name: str(i.name),
        model: [str(i.vendor), str(i.product)].filter(Boolean).join(' ') || undefined,
        mac: str(i.mac_address)?.toLowerCase(),
        ip: str(i.ipv4_address) ?? str(i.ipv6_address),
        speedGbps: num(i.speed_mbps) !== undefined ? Math.floor((num(i.speed_mbps) as number) / 1000) : undefined,
        pxe: pxeMac !== undefined ? str(i.mac_address)?.toLowerCase() === pxeMac : undefined,
      }),
    ),
    storage: arr(inventory.disks).map((d) => {
      const name = str(d.name);
      return compact({
        name,
        rotational: typeof d.rotational === 'boolean' ? d.rotational : undefined,
        sizeBytes: num(d.size),
        vendor: str(d.vendor),
        model: str(d.model),
        serialNumber: str(d.serial),
        wwn: str(d.wwn),
        hctl: str(d.hctl),
        // upstream: NVME by device name, else rotational decides HDD/SSD
        type: name?.startsWith('/dev/nvme') ? 'NVME' as const : d.rotational === true ? 'HDD' as const : d.rotational === false ? 'SSD' as const : undefined,
      });
    }),
    systemVendor: compact({ manufacturer: str(vendor.manufacturer), productName: str(vendor.product_name), serialNumber: str(vendor.serial_number) }),
    firmware: Object.keys(firmware).length > 0 ? { bios: compact({ vendor: str(firmware.vendor), version: str(firmware.version), date: str(firmware.build_date) }) } : undefined,
    hostname: str(inventory.hostname),
  });
  return hw;
}

/**
 * What out-of-band inspection (e.g. Ironic's redfish inspect interface, which
 * stores no inventory in Ironic 21.4) leaves: node properties and ports.
 */
export function hardwareFromNodeProperties(properties: Json, portMacs: readonly string[]): HardwareInventory | undefined {
  const cpus = num(properties.cpus);
  const memory = num(properties.memory_mb);
  const localGb = num(properties.local_gb);
  // ports alone prove nothing: we created the boot-MAC port ourselves (fake inspection finds nothing)
  if (cpus === undefined && memory === undefined && localGb === undefined) return undefined;
  const cpu = compact({ arch: str(properties.cpu_arch), count: cpus });
  return compact({
    cpu: Object.keys(cpu).length > 0 ? cpu : undefined,
    ramMebibytes: memory,
    nics: portMacs.map((mac) => ({ mac: mac.toLowerCase() })),
    storage: localGb !== undefined && localGb > 0 ? [{ sizeBytes: localGb * 1024 ** 3 }] : undefined,
  });
}
