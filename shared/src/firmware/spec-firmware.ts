/**
 * @module firmware/spec-firmware: the BareMetalHost's `spec.firmware` (virtualization, SMT, SR-IOV) as
 * BIOS settings, found by name in the host's own registry. Pure. A feature the registry has no
 * setting for is refused with the names looked for; nothing is guessed.
 */
import type { FirmwareSchemaSpec } from '../api/firmware.ts';

/** spec.firmware field → the BIOS attribute names vendors use for it, in the order they are tried. */
export const SPEC_FIRMWARE_ATTRIBUTES = {
  virtualizationEnabled: ['ProcVirtualization', 'IntelVirtualizationTechnology', 'VirtualizationTechnology'],
  simultaneousMultithreadingEnabled: ['ProcHyperThreading', 'LogicalProc', 'HyperThreading'],
  sriovEnabled: ['SriovGlobalEnable', 'Sriov', 'SRIOVEnable'],
} as const;
export type SpecFirmwareField = keyof typeof SPEC_FIRMWARE_ATTRIBUTES;

export interface SpecFirmwareSettings {
  settings: Record<string, string>;
  /** one message per feature the registry cannot express */
  problems: string[];
}

/** The value a registry entry takes for on/off: Enabled/Disabled for enumerations, true/false for booleans. */
function valueFor(entry: FirmwareSchemaSpec['schema'][string], on: boolean): string | undefined {
  if (entry.attributeType === 'Boolean') return on ? 'true' : 'false';
  const wanted = on ? 'Enabled' : 'Disabled';
  if (entry.attributeType === 'Enumeration' && entry.allowableValues?.includes(wanted)) return wanted;
  return undefined;
}

export function specFirmwareSettings(config: Partial<Record<SpecFirmwareField, boolean>> | undefined, schema: FirmwareSchemaSpec['schema']): SpecFirmwareSettings {
  const settings: Record<string, string> = {};
  const problems: string[] = [];
  for (const field of Object.keys(SPEC_FIRMWARE_ATTRIBUTES) as SpecFirmwareField[]) {
    const on = config?.[field];
    if (on === undefined) continue;
    const names = SPEC_FIRMWARE_ATTRIBUTES[field];
    const found = names.map((name) => ({ name, value: schema[name] && !schema[name].readOnly ? valueFor(schema[name], on) : undefined })).find((c) => c.value !== undefined);
    if (found) settings[found.name] = found.value!;
    else problems.push(`spec.firmware.${field}: the host's BIOS registry has no writable on/off setting for it (looked for ${names.join(', ')})`);
  }
  return { settings, problems };
}
