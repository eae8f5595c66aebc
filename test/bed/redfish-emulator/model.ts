/** @module redfish-emulator/model: the mutable state of the emulated BMC and its hardware specs. */
import { randomBytes } from 'node:crypto';
import { newBiosState, type BiosState, type BiosValue } from './bios.ts';
import type { FirmwareState } from './firmware.ts';
import type { PendingVolumeOp, VolumeState } from './raid.ts';

export type RedfishPowerState = 'On' | 'Off' | 'PoweringOn' | 'PoweringOff';

export const RESET_TYPES = [
  'On', 'ForceOff', 'GracefulShutdown', 'GracefulRestart', 'ForceRestart', 'Nmi', 'ForceOn', 'PushPowerButton', 'PowerCycle',
] as const;
export type ResetType = (typeof RESET_TYPES)[number];

/** The subset of the DMTF BootSource enum this BMC offers (schema enum is larger). */
export const BOOT_TARGETS = ['None', 'Pxe', 'Cd', 'Usb', 'Hdd', 'BiosSetup', 'UefiShell', 'UefiHttp'] as const;
export const BOOT_ENABLED = ['Disabled', 'Once', 'Continuous'] as const;
export const BOOT_MODES = ['Legacy', 'UEFI'] as const;

export interface CpuSpec { sockets: number; coresPerSocket: number; threadsPerSocket: number; model: string; arch: 'x86' | 'ARM' | 'Power'; instructionSet: string; maxSpeedMHz: number; manufacturer: string }
export interface NicSpec { id?: string; mac: string; speedMbps?: number; enabled?: boolean }
export interface DriveSpec { id?: string; name?: string; sizeBytes: number; mediaType: 'HDD' | 'SSD'; protocol: 'SATA' | 'SAS' | 'NVMe'; manufacturer?: string; model?: string; serialNumber?: string }

/** Per-system hardware and identity; everything optional, with realistic defaults. */
export interface SystemSpec {
  id?: string;
  name?: string;
  manufacturer?: string;
  model?: string;
  serialNumber?: string;
  uuid?: string;
  hostName?: string;
  power?: 'On' | 'Off';
  bootMode?: 'UEFI' | 'Legacy';
  cpu?: Partial<CpuSpec>;
  /** DIMM sizes in MiB */
  dimmsMiB?: number[];
  nics?: NicSpec[];
  drives?: DriveSpec[];
  bios?: { version?: string; vendor?: string; releaseDate?: string };
  /** BIOS attribute values differing from the registry defaults */
  biosAttributes?: Record<string, BiosValue>;
  bmcFirmwareVersion?: string;
}

export interface VirtualMediaState {
  id: string;
  mediaTypes: string[];
  image: string | null;
  imageName: string | null;
  inserted: boolean;
  writeProtected: boolean;
  transferProtocolType: string | null;
}

export interface BootOverride {
  target: (typeof BOOT_TARGETS)[number];
  enabled: (typeof BOOT_ENABLED)[number];
  mode: (typeof BOOT_MODES)[number];
}

export interface SystemState {
  id: string;
  managerId: string;
  chassisId: string;
  name: string;
  manufacturer: string;
  model: string;
  serialNumber: string;
  uuid: string;
  hostName: string;
  power: RedfishPowerState;
  boot: BootOverride;
  virtualMedia: VirtualMediaState[];
  /** devices the system "booted" from, one per power-on (override applied, or Hdd) */
  bootHistory: string[];
  cpu: CpuSpec;
  dimmsMiB: number[];
  nics: Required<NicSpec>[];
  drives: Required<DriveSpec>[];
  bios: { version: string; vendor: string; releaseDate: string };
  biosSettings: BiosState;
  firmware: FirmwareState;
  volumes: VolumeState[];
  /** volume creates/deletes requested with apply time OnReset */
  pendingVolumeOps: PendingVolumeOp[];
}

const hex = (n: number): string => randomBytes(n).toString('hex');

/** MACs that are unique per emulator and per system, in the locally administered range. */
const macFor = (seed: string, sys: number, nic: number): string =>
  ['52', '54', seed.slice(0, 2), seed.slice(2, 4), (sys & 0xff).toString(16).padStart(2, '0'), (nic & 0xff).toString(16).padStart(2, '0')].join(':');

export function newSystemState(spec: SystemSpec, index: number, seed: string): SystemState {
  const id = spec.id ?? `${hex(3).toUpperCase()}R${index}`;
  const nics = spec.nics ?? [{ mac: macFor(seed, index, 1) }, { mac: macFor(seed, index, 2) }];
  const drives = spec.drives ?? [
    { sizeBytes: 480_103_981_056, mediaType: 'SSD', protocol: 'SATA', model: 'MZ7LH480HAHQ', manufacturer: 'Samsung' },
    { sizeBytes: 1_920_383_410_176, mediaType: 'SSD', protocol: 'NVMe', model: 'PM9A3', manufacturer: 'Samsung' },
  ];
  return {
    id,
    managerId: `BMC-${id}`,
    chassisId: `Chassis-${id}`,
    name: spec.name ?? `Emulated server ${index}`,
    manufacturer: spec.manufacturer ?? 'Contoso',
    model: spec.model ?? '3500RX',
    serialNumber: spec.serialNumber ?? `SN${hex(4).toUpperCase()}`,
    uuid: spec.uuid ?? crypto.randomUUID(),
    hostName: spec.hostName ?? '',
    power: spec.power ?? 'Off',
    boot: { target: 'None', enabled: 'Disabled', mode: spec.bootMode ?? 'UEFI' },
    virtualMedia: [
      { id: 'CD1', mediaTypes: ['CD', 'DVD'], image: null, imageName: null, inserted: false, writeProtected: true, transferProtocolType: null },
      { id: 'USB1', mediaTypes: ['USBStick'], image: null, imageName: null, inserted: false, writeProtected: true, transferProtocolType: null },
    ],
    bootHistory: [],
    cpu: {
      sockets: 2, coresPerSocket: 8, threadsPerSocket: 16, model: 'Intel(R) Xeon(R) Silver 4208 CPU @ 2.10GHz',
      arch: 'x86', instructionSet: 'x86-64', maxSpeedMHz: 3200, manufacturer: 'Intel(R) Corporation', ...spec.cpu,
    },
    dimmsMiB: spec.dimmsMiB ?? [16384, 16384, 16384, 16384],
    nics: nics.map((n, i) => ({ id: n.id ?? `NIC${i + 1}`, mac: n.mac, speedMbps: n.speedMbps ?? 10_000, enabled: n.enabled ?? true })),
    drives: drives.map((d, i) => ({
      id: d.id ?? `Disk${i + 1}`, name: d.name ?? `Drive ${i + 1}`, sizeBytes: d.sizeBytes, mediaType: d.mediaType, protocol: d.protocol,
      manufacturer: d.manufacturer ?? 'Generic', model: d.model ?? 'Disk', serialNumber: d.serialNumber ?? `D${hex(4).toUpperCase()}`,
    })),
    bios: { version: spec.bios?.version ?? '2.19.1', vendor: spec.bios?.vendor ?? 'Contoso', releaseDate: spec.bios?.releaseDate ?? '2024-03-01' },
    biosSettings: newBiosState({ BootMode: spec.bootMode === 'Legacy' ? 'Bios' : 'Uefi', SystemBiosVendor: spec.bios?.vendor ?? 'Contoso', SystemBiosReleaseDate: spec.bios?.releaseDate ?? '2024-03-01', ...spec.biosAttributes }),
    firmware: { bmc: spec.bmcFirmwareVersion ?? '1.45.455' },
    volumes: [],
    pendingVolumeOps: [],
  };
}

/** A fresh random seed: keeps MACs of concurrently running emulators apart. */
export const newSeed = (): string => hex(2);
