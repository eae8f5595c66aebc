/** Pure BIOS settings logic: Ironic's cache → status and schema, upstream's validation, what is pending. */
import { describe, expect, it } from '@jest/globals';
import type { IronicBiosSetting } from '../ironic/types.ts';
import { judgeSettings, pendingSettings, readBios, schemaNameOf, settingProblem } from './settings.ts';

const BIOS: IronicBiosSetting[] = [
  { name: 'ProcTurboMode', value: 'Enabled', attribute_type: 'Enumeration', allowable_values: ['Enabled', 'Disabled'], read_only: false, reset_required: true },
  { name: 'NumaNodesPerSocket', value: '1', attribute_type: 'Integer', lower_bound: 1, upper_bound: 4, read_only: false },
  { name: 'AssetTag', value: '', attribute_type: 'String', min_length: 0, max_length: 4, read_only: false },
  { name: 'SerialConsoleEnabled', value: 'false', attribute_type: 'Boolean' },
  { name: 'SystemBiosVendor', value: 'Contoso', attribute_type: 'String', read_only: true },
  { name: 'AdminPassword', value: null, attribute_type: 'Password' },
  { name: 'Untyped', value: 'x', attribute_type: null },
];
const reading = readBios(BIOS, { vendor: 'Contoso', model: 'M1' });
const NOW = new Date('2026-12-05T10:00:00.123Z');

describe('readBios', () => {
  it('keeps the values as strings and the registry fields Ironic gave, camelCase as upstream', () => {
    // Assess
    expect(reading.current).toEqual({ ProcTurboMode: 'Enabled', NumaNodesPerSocket: '1', AssetTag: '', SerialConsoleEnabled: 'false', SystemBiosVendor: 'Contoso', AdminPassword: '', Untyped: 'x' });
    expect(reading.schema).toMatchObject({ hardwareVendor: 'Contoso', hardwareModel: 'M1' });
    expect(reading.schema.schema.ProcTurboMode).toEqual({ attributeType: 'Enumeration', allowableValues: ['Enabled', 'Disabled'], readOnly: false });
    expect(reading.schema.schema.NumaNodesPerSocket).toEqual({ attributeType: 'Integer', lowerBound: 1, upperBound: 4, readOnly: false });
    expect(reading.schema.schema.Untyped).toEqual({});
  });

  it('names the schema by its content: the same registry, the same name; another, another', () => {
    // Act
    const same = schemaNameOf(readBios([...BIOS].reverse(), { vendor: 'Contoso', model: 'M1' }).schema);
    const other = schemaNameOf(readBios(BIOS.slice(1), { vendor: 'Contoso', model: 'M1' }).schema);
    // Assess
    expect(schemaNameOf(reading.schema)).toMatch(/^schema-[0-9a-f]{8}$/);
    expect(same).toBe(schemaNameOf(reading.schema));
    expect(other).not.toBe(same);
  });
});

describe('settingProblem', () => {
  it.each([
    ['an allowed enumeration value', 'ProcTurboMode', 'Disabled', undefined],
    ['an enumeration value not listed', 'ProcTurboMode', 'Off', 'Setting ProcTurboMode is invalid, unknown enumeration value - Off'],
    ['an integer in bounds, as a number', 'NumaNodesPerSocket', 4, undefined],
    ['an integer in bounds, as a string', 'NumaNodesPerSocket', '2', undefined],
    ['an integer below the bound', 'NumaNodesPerSocket', 0, 'Setting NumaNodesPerSocket is invalid, integer 0 is below minimum value 1'],
    ['a string for an integer', 'NumaNodesPerSocket', 'two', 'Setting NumaNodesPerSocket is invalid, String two entered while integer expected'],
    ['a string too long', 'AssetTag', 'abcde', 'Setting AssetTag is invalid, string abcde length is above maximum length 4'],
    ['a boolean', 'SerialConsoleEnabled', 'true', undefined],
    ['not a boolean', 'SerialConsoleEnabled', 'yes', 'Setting SerialConsoleEnabled is invalid, yes is not a boolean'],
    ['a read-only setting', 'SystemBiosVendor', 'Other', 'Setting SystemBiosVendor is invalid, it is ReadOnly'],
    ['a password', 'AdminPassword', 'secret', "Setting AdminPassword is invalid, Password fields can't be set"],
    ['a setting without a type', 'Untyped', 'anything', undefined],
    ['an unknown name', 'Nope', 'x', 'Setting Nope is invalid, it is not in the associated schema'],
  ])('%s → %s', (_case, name, value, problem) => {
    // Act
    const got = settingProblem(name, value, reading.schema.schema);
    // Assess
    expect(got).toBe(problem);
  });
});

describe('pendingSettings', () => {
  it('lists only the desired values that differ from the host, numbers compared as strings', () => {
    // Act
    const pending = pendingSettings({ NumaNodesPerSocket: 1, ProcTurboMode: 'Disabled', AssetTag: '' }, reading.current);
    // Assess
    expect(pending).toEqual([{ name: 'ProcTurboMode', value: 'Disabled' }]);
  });
});

describe('judgeSettings', () => {
  const ref = { namespace: 'hosts', name: 'schema-x' };

  it('valid pending settings: Valid True, ChangeDetected True, the pending ones to apply', () => {
    // Act
    const v = judgeSettings({ desired: { ProcTurboMode: 'Disabled' }, reading, schemaRef: ref, generation: 3, now: NOW });
    // Assess
    expect(v.pending).toEqual([{ name: 'ProcTurboMode', value: 'Disabled' }]);
    expect(v.status).toMatchObject({ schema: ref, settings: reading.current, lastUpdated: '2026-12-05T10:00:00Z' });
    expect(v.status.conditions).toEqual([
      { type: 'ChangeDetected', status: 'True', reason: 'Success', message: 'settings to apply: ProcTurboMode', observedGeneration: 3, lastTransitionTime: '2026-12-05T10:00:00Z' },
      { type: 'Valid', status: 'True', reason: 'Success', message: '', observedGeneration: 3, lastTransitionTime: '2026-12-05T10:00:00Z' },
    ]);
  });

  it('one invalid setting: nothing to apply at all, Valid False with every reason', () => {
    // Act
    const v = judgeSettings({ desired: { ProcTurboMode: 'Disabled', Nope: 1 }, reading, schemaRef: ref, now: NOW });
    // Assess
    expect(v.pending).toEqual([]);
    expect(v.problems).toEqual(['Setting Nope is invalid, it is not in the associated schema']);
    expect(v.status.conditions?.find((c) => c.type === 'Valid')).toMatchObject({ status: 'False', reason: 'ConfigurationError', message: 'Setting Nope is invalid, it is not in the associated schema' });
  });

  it('keeps lastTransitionTime while a condition keeps its status', () => {
    // Prepare
    const before = judgeSettings({ desired: {}, reading, schemaRef: ref, now: new Date('2026-12-01T00:00:00Z') });
    // Act
    const after = judgeSettings({ desired: {}, reading, schemaRef: ref, previous: before.status, now: NOW });
    // Assess
    expect(after.status.conditions?.map((c) => c.lastTransitionTime)).toEqual(['2026-12-01T00:00:00Z', '2026-12-01T00:00:00Z']);
  });
});
