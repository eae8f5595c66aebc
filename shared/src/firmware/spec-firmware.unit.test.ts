/** spec.firmware → BIOS settings by the registry's own names, or a refusal naming what was looked for. */
import { describe, expect, it } from '@jest/globals';
import type { FirmwareSchemaSpec } from '../api/firmware.ts';
import { specFirmwareSettings } from './spec-firmware.ts';

const ON_OFF = { attributeType: 'Enumeration' as const, allowableValues: ['Enabled', 'Disabled'] };
const SCHEMA: FirmwareSchemaSpec['schema'] = {
  ProcVirtualization: ON_OFF,
  LogicalProc: ON_OFF,
  Sriov: { attributeType: 'Boolean' },
  SriovGlobalEnable: { ...ON_OFF, readOnly: true },
};

describe('specFirmwareSettings', () => {
  it('maps each feature to the first writable name the registry has, in its own value vocabulary', () => {
    // Act
    const got = specFirmwareSettings({ virtualizationEnabled: false, simultaneousMultithreadingEnabled: true, sriovEnabled: true }, SCHEMA);
    // Assess: SriovGlobalEnable is read-only, so the boolean Sriov is used
    expect(got).toEqual({ settings: { ProcVirtualization: 'Disabled', LogicalProc: 'Enabled', Sriov: 'true' }, problems: [] });
  });

  it('refuses a feature the registry has no on/off setting for, naming what it looked for', () => {
    // Act
    const got = specFirmwareSettings({ sriovEnabled: false }, { ProcVirtualization: ON_OFF });
    // Assess
    expect(got.settings).toEqual({});
    expect(got.problems).toEqual(["spec.firmware.sriovEnabled: the host's BIOS registry has no writable on/off setting for it (looked for SriovGlobalEnable, Sriov, SRIOVEnable)"]);
  });

  it('asks nothing for an empty spec.firmware', () => {
    // Assess
    expect(specFirmwareSettings({}, SCHEMA)).toEqual({ settings: {}, problems: [] });
  });
});
