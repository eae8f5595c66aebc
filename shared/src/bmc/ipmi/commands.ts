/**
 * @module bmc/ipmi/commands: request bytes and response parsing for the few IPMI commands we
 * use (Get Device ID, Get Chassis Status, Chassis Control, Set/Get System Boot Options).
 */
import { BmcProtocolError } from '../../errors.ts';
import type { BmcInfo, BootDevice, BootDeviceSetting, PowerAction, PowerState } from '../types.ts';
import { NetFn } from './constants.ts';

export interface CommandSpec {
  /** the spec's name, used in error messages */
  name: string;
  netFn: number;
  cmd: number;
  data: Buffer;
  idempotent: boolean;
}

export const getDeviceId = (): CommandSpec => ({ name: 'Get Device ID', netFn: NetFn.App, cmd: 0x01, data: Buffer.alloc(0), idempotent: true });

export const getChassisStatus = (): CommandSpec => ({ name: 'Get Chassis Status', netFn: NetFn.Chassis, cmd: 0x01, data: Buffer.alloc(0), idempotent: true });

/** Chassis Control byte per action. Cycle and hard reset are not idempotent: never blindly resent. */
const CHASSIS_CONTROL: Readonly<Record<PowerAction, { code: number; idempotent: boolean }>> = {
  off: { code: 0x00, idempotent: true },
  on: { code: 0x01, idempotent: true },
  cycle: { code: 0x02, idempotent: false },
  reset: { code: 0x03, idempotent: false },
  'soft-off': { code: 0x05, idempotent: true },
};

export const chassisControl = (action: PowerAction): CommandSpec => ({
  name: 'Chassis Control',
  netFn: NetFn.Chassis,
  cmd: 0x02,
  data: Buffer.from([CHASSIS_CONTROL[action].code]),
  idempotent: CHASSIS_CONTROL[action].idempotent,
});

/** Boot device selector values (byte 2, already shifted into bits 5:2). */
const SELECTOR: Readonly<Record<BootDevice, number>> = { pxe: 0x04, disk: 0x08, cdrom: 0x14, bios: 0x18 };
const DEVICE_BY_SELECTOR: Readonly<Record<number, BootDeviceSetting['device']>> = { 0x00: 'none', 0x04: 'pxe', 0x08: 'disk', 0x14: 'cdrom', 0x18: 'bios' };

const setBootOption = (name: string, parameter: number[]): CommandSpec => ({
  name, netFn: NetFn.Chassis, cmd: 0x08, data: Buffer.from(parameter), idempotent: true,
});

/**
 * The three Set System Boot Options requests ipmitool sends for `chassis bootdev`: "set in
 * progress", "boot info acknowledge", then the boot flags (parameter 5). Byte 1 of the flags:
 * b7 valid, b6 persistent, b5 EFI.
 */
export function setBootDeviceSequence(device: BootDevice, { persistent = false, uefi = false } = {}): CommandSpec[] {
  const flags = 0x80 | (persistent ? 0x40 : 0) | (uefi ? 0x20 : 0);
  return [
    setBootOption('Set System Boot Options (set in progress)', [0x00, 0x01]),
    setBootOption('Set System Boot Options (boot info acknowledge)', [0x04, 0x01, 0x01]),
    setBootOption('Set System Boot Options (boot flags)', [0x05, flags, SELECTOR[device], 0x00, 0x00, 0x00]),
  ];
}

export const getBootFlags = (): CommandSpec => ({
  name: 'Get System Boot Options', netFn: NetFn.Chassis, cmd: 0x09, data: Buffer.from([0x05, 0x00, 0x00]), idempotent: true,
});

export function parseChassisStatus(data: Buffer): PowerState {
  if (data.length < 3) throw new BmcProtocolError(`Get Chassis Status: ${data.length} data bytes, expected at least 3`);
  return ((data[0] ?? 0) & 0x01) === 1 ? 'on' : 'off';
}

/**
 * Parameter 5 of Get System Boot Options. The device comes from the selector even when the
 * valid bit is clear (as ipmitool prints it): ipmi_sim never sets that bit (notes §5.2).
 */
export function parseBootFlags(data: Buffer): BootDeviceSetting {
  if (data.length < 7 || ((data[1] ?? 0) & 0x7f) !== 0x05) throw new BmcProtocolError('Get System Boot Options: malformed boot flags parameter');
  const flags = data[2] ?? 0;
  return {
    device: DEVICE_BY_SELECTOR[(data[3] ?? 0) & 0x3c] ?? 'other',
    persistent: (flags & 0x40) !== 0,
    uefi: (flags & 0x20) !== 0,
  };
}

/** IANA enterprise numbers of common BMC vendors, for a readable `manufacturer`. */
const MANUFACTURERS: Readonly<Record<number, string>> = {
  2: 'IBM', 11: 'HPE', 343: 'Intel', 674: 'Dell', 4753: 'MontaVista (OpenIPMI)', 10876: 'Supermicro', 19046: 'Lenovo', 7244: 'Quanta', 40981: 'ASRockRack',
};

const bcd = (b: number): string => `${b >> 4}${b & 0x0f}`;

export function parseDeviceId(data: Buffer): BmcInfo {
  if (data.length < 11) throw new BmcProtocolError(`Get Device ID: ${data.length} data bytes, expected at least 11`);
  const manufacturerId = (data[6] ?? 0) | ((data[7] ?? 0) << 8) | (((data[8] ?? 0) & 0x0f) << 16);
  const productId = data.readUInt16LE(9);
  return {
    manufacturer: MANUFACTURERS[manufacturerId] ?? `IANA ${manufacturerId}`,
    model: `product 0x${productId.toString(16).padStart(4, '0')}`,
    firmwareVersion: `${(data[2] ?? 0) & 0x7f}.${bcd(data[3] ?? 0)}`,
    bmcId: `device 0x${(data[0] ?? 0).toString(16).padStart(2, '0')} revision ${(data[1] ?? 0) & 0x0f}, IPMI ${(data[4] ?? 0) & 0x0f}.${(data[4] ?? 0) >> 4}`,
  };
}
