/**
 * @module redfish-emulator/bios: the emulated BIOS. An attribute registry
 * (DMTF AttributeRegistry: name, type, allowed values, bounds, read-only,
 * reset-required), current values, and pending values written to the
 * `@Redfish.Settings` object that a reset applies, as real BMCs do: a PATCH
 * validates every attribute against the registry (400 naming the first bad
 * one); a setting the firmware refuses only at boot (`rejectAtApply`) is left
 * unapplied and reported in the Settings `Messages`.
 */
import type { RedfishFailure } from './errors.ts';
import { Failures } from './errors.ts';

export const BIOS_REGISTRY_ID = 'BiosAttributeRegistry.v1_0_0';

export type BiosValue = string | number | boolean;

export interface BiosAttributeSpec {
  name: string;
  type: 'Enumeration' | 'String' | 'Integer' | 'Boolean';
  default: BiosValue;
  values?: readonly string[];
  lowerBound?: number;
  upperBound?: number;
  minLength?: number;
  maxLength?: number;
  readOnly?: boolean;
  resetRequired?: boolean;
  displayName: string;
}

/** The registry every emulated system shares (the same hardware model). */
export const BIOS_ATTRIBUTES: readonly BiosAttributeSpec[] = [
  { name: 'BootMode', type: 'Enumeration', values: ['Uefi', 'Bios'], default: 'Uefi', resetRequired: true, displayName: 'Boot Mode' },
  { name: 'ProcTurboMode', type: 'Enumeration', values: ['Enabled', 'Disabled'], default: 'Enabled', resetRequired: true, displayName: 'Turbo Boost' },
  { name: 'ProcVirtualization', type: 'Enumeration', values: ['Enabled', 'Disabled'], default: 'Enabled', resetRequired: true, displayName: 'Virtualization Technology' },
  { name: 'ProcHyperThreading', type: 'Enumeration', values: ['Enabled', 'Disabled'], default: 'Enabled', resetRequired: true, displayName: 'Simultaneous Multithreading' },
  { name: 'SriovGlobalEnable', type: 'Enumeration', values: ['Enabled', 'Disabled'], default: 'Disabled', resetRequired: true, displayName: 'SR-IOV Global Enable' },
  { name: 'NumaNodesPerSocket', type: 'Integer', lowerBound: 1, upperBound: 4, default: 1, resetRequired: true, displayName: 'NUMA Nodes per Socket' },
  { name: 'PxeRetryCount', type: 'Integer', lowerBound: 0, upperBound: 10, default: 3, resetRequired: true, displayName: 'PXE Retries' },
  { name: 'SerialConsoleEnabled', type: 'Boolean', default: false, resetRequired: true, displayName: 'Serial Console Redirection' },
  { name: 'AssetTag', type: 'String', minLength: 0, maxLength: 32, default: '', resetRequired: false, displayName: 'Asset Tag' },
  { name: 'SystemBiosVendor', type: 'String', default: 'Contoso', readOnly: true, displayName: 'BIOS Vendor' },
  { name: 'SystemBiosReleaseDate', type: 'String', default: '2024-03-01', readOnly: true, displayName: 'BIOS Release Date' },
];

const BY_NAME = new Map(BIOS_ATTRIBUTES.map((a) => [a.name, a]));

export interface BiosState {
  current: Record<string, BiosValue>;
  pending: Record<string, BiosValue>;
  /** what the last reset did with the pending values (the Settings object's Time and Messages) */
  lastApply?: { time: string; messages: { MessageId: string; Message: string; Severity: 'OK' | 'Warning' | 'Critical'; RelatedProperties?: string[] }[] };
}

export function newBiosState(overrides: Record<string, BiosValue> = {}): BiosState {
  return { current: { ...Object.fromEntries(BIOS_ATTRIBUTES.map((a) => [a.name, a.default])), ...overrides }, pending: {} };
}

/** One attribute against the registry: undefined when acceptable, else the Redfish error a BMC answers. */
export function checkAttribute(name: string, value: unknown): RedfishFailure | undefined {
  const spec = BY_NAME.get(name);
  if (!spec) return Failures.propertyUnknown(`Attributes/${name}`);
  if (spec.readOnly) return Failures.propertyNotWritable(`Attributes/${name}`);
  switch (spec.type) {
    case 'Enumeration':
      if (typeof value !== 'string') return Failures.propertyValueTypeError(String(value), `Attributes/${name}`);
      if (!spec.values!.includes(value)) return Failures.propertyValueNotInList(value, `Attributes/${name}`);
      return undefined;
    case 'Integer':
      if (typeof value !== 'number' || !Number.isInteger(value)) return Failures.propertyValueTypeError(String(value), `Attributes/${name}`);
      if ((spec.lowerBound !== undefined && value < spec.lowerBound) || (spec.upperBound !== undefined && value > spec.upperBound)) return Failures.propertyValueOutOfRange(String(value), `Attributes/${name}`);
      return undefined;
    case 'Boolean':
      return typeof value === 'boolean' ? undefined : Failures.propertyValueTypeError(String(value), `Attributes/${name}`);
    case 'String':
      if (typeof value !== 'string') return Failures.propertyValueTypeError(String(value), `Attributes/${name}`);
      if ((spec.maxLength !== undefined && value.length > spec.maxLength) || (spec.minLength !== undefined && value.length < spec.minLength)) return Failures.propertyValueFormatError(value, `Attributes/${name}`);
      return undefined;
  }
}

/** PATCH of the Settings object: every attribute valid, or nothing staged. */
export function stageAttributes(bios: BiosState, body: Record<string, unknown>): RedfishFailure | undefined {
  for (const key of Object.keys(body)) {
    if (key !== 'Attributes' && key !== '@Redfish.SettingsApplyTime' && key !== '@odata.etag') return Failures.propertyUnknown(key);
  }
  const applyTime = (body['@Redfish.SettingsApplyTime'] as { ApplyTime?: unknown } | undefined)?.ApplyTime;
  if (applyTime !== undefined && applyTime !== 'OnReset') return Failures.propertyValueNotInList(String(applyTime), '@Redfish.SettingsApplyTime/ApplyTime');
  const attrs = body.Attributes;
  if (attrs === undefined) return Failures.noOperation();
  if (typeof attrs !== 'object' || attrs === null || Array.isArray(attrs)) return Failures.propertyValueTypeError(String(attrs), 'Attributes');
  for (const [name, value] of Object.entries(attrs)) {
    const bad = checkAttribute(name, value);
    if (bad) return bad;
  }
  Object.assign(bios.pending, attrs as Record<string, BiosValue>);
  return undefined;
}

/** #Bios.ResetBios: every writable attribute back to its default at the next reset. */
export function stageDefaults(bios: BiosState): void {
  for (const a of BIOS_ATTRIBUTES) if (!a.readOnly) bios.pending[a.name] = a.default;
}

/** A reset: pending values take effect, except those the firmware refuses now. */
export function applyPending(bios: BiosState, rejectAtApply: readonly string[], now: Date = new Date()): void {
  const names = Object.keys(bios.pending);
  if (names.length === 0) return;
  const messages: NonNullable<BiosState['lastApply']>['messages'] = [];
  for (const name of names) {
    if (rejectAtApply.includes(name)) {
      messages.push({ MessageId: 'Base.1.16.PropertyValueIncorrect', Message: `The firmware refused the value of ${name}; it was not applied.`, Severity: 'Critical', RelatedProperties: [`#/Attributes/${name}`] });
      continue;
    }
    bios.current[name] = bios.pending[name]!;
  }
  if (messages.length === 0) messages.push({ MessageId: 'Base.1.16.Success', Message: 'Successfully Completed Request', Severity: 'OK' });
  bios.pending = {};
  bios.lastApply = { time: now.toISOString(), messages };
}

/** The registry as a DMTF AttributeRegistry resource. */
export function attributeRegistryResource(path: string): Record<string, unknown> {
  return {
    '@odata.id': path, '@odata.type': '#AttributeRegistry.v1_3_6.AttributeRegistry', Id: BIOS_REGISTRY_ID, Name: 'BIOS Attribute Registry',
    Language: 'en', OwningEntity: 'metal3-functions', RegistryVersion: '1.0.0',
    SupportedSystems: [{ ProductName: '3500RX', SystemId: 'emulated', FirmwareVersion: '2.19.1' }],
    RegistryEntries: {
      Attributes: BIOS_ATTRIBUTES.map((a) => ({
        AttributeName: a.name, DisplayName: a.displayName, Type: a.type, DefaultValue: a.default,
        ReadOnly: a.readOnly ?? false, ResetRequired: a.resetRequired ?? false, Immutable: false, IsSystemUniqueProperty: false,
        ...(a.values ? { Value: a.values.map((v) => ({ ValueName: v, ValueDisplayName: v })) } : {}),
        ...(a.lowerBound !== undefined ? { LowerBound: a.lowerBound } : {}),
        ...(a.upperBound !== undefined ? { UpperBound: a.upperBound } : {}),
        ...(a.minLength !== undefined ? { MinLength: a.minLength } : {}),
        ...(a.maxLength !== undefined ? { MaxLength: a.maxLength } : {}),
      })),
    },
  };
}
