/**
 * @module api/hardware-details: the inspected inventory, upstream's
 * HardwareDetails (BareMetalHost `status.hardware`, HardwareData `spec.hardware`).
 */
import * as z from 'zod';
import { macAddress } from './common.ts';
import { STORAGE_TYPES } from './constants.ts';

const vlanId = () => z.int().min(0).max(4094).meta({ format: 'int32' });

export const VlanSchema = z.object({
  id: vlanId().optional().describe('802.1Q VLAN id.'),
  name: z.string().optional(),
});

export const LldpSchema = z.object({
  switchID: z.string().optional().describe('Chassis id of the switch the NIC is cabled to.'),
  portID: z.string().optional().describe('Switch port id.'),
  switchSystemName: z.string().optional().describe('System name the switch advertises.'),
});

export const NicSchema = z.object({
  name: z.string().optional().describe('Interface name, e.g. eno1.'),
  model: z.string().optional().describe('Vendor and product ids, e.g. "0x8086 0x1572".'),
  mac: macAddress().optional().describe('MAC address.'),
  ip: z.string().optional().describe('IPv4 or IPv6 address; a dual-stack NIC appears twice.'),
  speedGbps: z.int().optional().describe('Link speed in Gbit/s.'),
  vlans: z.array(VlanSchema).optional().describe('VLANs seen on the link.'),
  vlanId: vlanId().optional().describe('Untagged VLAN id.'),
  pxe: z.boolean().optional().describe('Whether the NIC can PXE boot.'),
  lldp: LldpSchema.optional().describe('LLDP data received on the link.'),
  pciAddress: z.string().optional().describe('PCI address of the NIC.'),
});

export const StorageSchema = z.object({
  name: z.string().optional().describe('Device name, preferably a stable one like /dev/disk/by-path/....'),
  alternateNames: z.array(z.string()).optional().describe('Other device names of the disk; not exhaustive.'),
  rotational: z.boolean().optional().describe('Rotational media; prefer `type`.'),
  type: z.enum(STORAGE_TYPES).optional().describe('HDD, SSD or NVME.'),
  sizeBytes: z.int().optional().meta({ format: 'int64' }).describe('Size in bytes.'),
  vendor: z.string().optional(),
  model: z.string().optional(),
  serialNumber: z.string().optional(),
  wwn: z.string().optional(),
  wwnVendorExtension: z.string().optional(),
  wwnWithExtension: z.string().optional(),
  hctl: z.string().optional().describe('SCSI address.'),
});

export const CpuSchema = z.object({
  arch: z.string().optional().describe('e.g. x86_64, aarch64.'),
  model: z.string().optional(),
  clockMegahertz: z.number().optional().meta({ format: 'double' }).describe('Clock speed in MHz.'),
  flags: z.array(z.string()).optional(),
  count: z.int().optional().describe('Number of logical CPUs.'),
});

export const HardwareDetailsSchema = z.object({
  systemVendor: z
    .object({ manufacturer: z.string().optional(), productName: z.string().optional(), serialNumber: z.string().optional() })
    .optional()
    .describe('The system as a whole.'),
  firmware: z
    .object({
      bios: z
        .object({
          date: z.string().optional().describe('BIOS release date.'),
          vendor: z.string().optional(),
          version: z.string().optional(),
        })
        .optional(),
    })
    .optional(),
  ramMebibytes: z.int().optional().describe('Memory in MiB.'),
  nics: z.array(NicSchema).optional(),
  storage: z.array(StorageSchema).optional(),
  cpu: CpuSchema.optional(),
  hostname: z.string().optional(),
});
export type HardwareDetails = z.infer<typeof HardwareDetailsSchema>;
export type Nic = z.infer<typeof NicSchema>;
export type Storage = z.infer<typeof StorageSchema>;
