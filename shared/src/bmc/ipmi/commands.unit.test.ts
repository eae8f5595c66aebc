import { describe, expect, it } from '@jest/globals';
import type { BootDevice } from '../types.ts';
import { chassisControl, parseBootFlags, parseChassisStatus, parseDeviceId, setBootDeviceSequence } from './commands.ts';
import { describeCompletionCode } from './completion-codes.ts';

const hex = (s: string): string => s.replace(/\s+/g, '');

describe('ipmi commands', () => {
  // golden request bytes from `ipmitool -vv chassis bootdev …` (notes §3.11)
  it.each<{ case: string; device: BootDevice; persistent?: boolean; uefi?: boolean; param5: string }>([
    { case: 'pxe', device: 'pxe', param5: '05 80 04 00 00 00' },
    { case: 'pxe persistent', device: 'pxe', persistent: true, param5: '05 c0 04 00 00 00' },
    { case: 'pxe efiboot', device: 'pxe', uefi: true, param5: '05 a0 04 00 00 00' },
    { case: 'disk persistent,efiboot', device: 'disk', persistent: true, uefi: true, param5: '05 e0 08 00 00 00' },
    { case: 'cdrom', device: 'cdrom', param5: '05 80 14 00 00 00' },
    { case: 'bios', device: 'bios', param5: '05 80 18 00 00 00' },
  ])('sends ipmitool\'s bytes for bootdev $case', ({ device, persistent, uefi, param5 }) => {
    const specs = setBootDeviceSequence(device, { persistent, uefi });
    expect(specs.map((s) => s.data.toString('hex'))).toEqual(['0001', '040101', hex(param5)]);
    expect(specs.every((s) => s.netFn === 0 && s.cmd === 0x08)).toBe(true);
  });

  it('marks power cycle and hard reset as not idempotent, and the others as idempotent', () => {
    expect(chassisControl('cycle')).toMatchObject({ idempotent: false, data: Buffer.from([2]) });
    expect(chassisControl('reset')).toMatchObject({ idempotent: false, data: Buffer.from([3]) });
    expect(['on', 'off', 'soft-off'].map((a) => chassisControl(a as 'on').idempotent)).toEqual([true, true, true]);
    expect(chassisControl('soft-off').data).toEqual(Buffer.from([5]));
  });

  it('reads power from bit 0 of the first chassis status byte', () => {
    expect(parseChassisStatus(Buffer.from('010000', 'hex'))).toBe('on');
    expect(parseChassisStatus(Buffer.from('600000', 'hex'))).toBe('off');
  });

  it('reads boot flags: persistent, EFI and the device selector', () => {
    expect(parseBootFlags(Buffer.from('0105e008000000', 'hex'))).toEqual({ device: 'disk', persistent: true, uefi: true });
    expect(parseBootFlags(Buffer.from('01050004000000', 'hex'))).toEqual({ device: 'pxe', persistent: false, uefi: false });
    expect(parseBootFlags(Buffer.from('0105800c000000', 'hex')).device).toBe('other');
  });

  it('reads ipmi_sim\'s Get Device ID answer', () => {
    expect(parseDeviceId(Buffer.from('000309080 29f9112000 20f00000000'.replace(/ /g, ''), 'hex'))).toEqual({
      manufacturer: 'MontaVista (OpenIPMI)', model: 'product 0x0f02', firmwareVersion: '9.08', bmcId: 'device 0x00 revision 3, IPMI 2.0',
    });
  });

  it('names completion codes as the spec does', () => {
    expect(`Chassis Control: ${describeCompletionCode(0xcc)}`).toBe('Chassis Control: 0xCC Invalid data field in request');
    expect(describeCompletionCode(0xd4)).toBe('0xD4 Insufficient privilege level');
    expect(describeCompletionCode(0x80, { bootOptions: true })).toBe('0x80 Parameter not supported');
    expect(describeCompletionCode(0x42)).toBe('0x42 OEM completion code');
  });
});
