import { describe, expect, it } from '@jest/globals';
import { defFromCrd } from './resources.ts';
import { widgetCrd } from './fixtures/widget-crd.ts';
import { createNameCauses } from './name-validation.ts';
import type { KubeObject, ResourceDef } from './types.ts';

const widgets = defFromCrd(widgetCrd() as unknown as KubeObject);
const namespaces = { ...widgets, kind: 'Namespace', namespaced: false } as ResourceDef;
const fieldsOf = (def: ResourceDef, meta: { name?: string; generateName?: string }) => createNameCauses(def, meta).map((c) => c.field);

/** apimachinery ValidateObjectMeta with NameIsDNSSubdomain (NameIsDNSLabel for namespaces), as a real apiserver applies it on create. */
describe('createNameCauses', () => {
  it.each([
    { generateName: 'host-0.', ok: false, why: 'a trailing dot is not masked' },
    { generateName: 'host-0-', ok: true, why: 'a trailing dash is masked (the suffix follows it)' },
    { generateName: 'host-0', ok: true, why: 'ends with an alphanumeric' },
    { generateName: 'Host-0-', ok: false, why: 'upper case' },
    { generateName: '-', ok: false, why: 'a lone dash is not masked' },
    { generateName: 'ab-.-', ok: true, why: 'maskTrailingDash replaces the last two characters with one' },
    { generateName: 'a..-', ok: true, why: 'maskTrailingDash again: checked as "a.a"' },
  ])('generateName $generateName: valid $ok ($why)', ({ generateName, ok }) => {
    expect(fieldsOf(widgets, { generateName })).toEqual(ok ? [] : ['metadata.generateName']);
  });

  it.each([
    { case: 'host-0.18a2b3c4d5e6f7a8', name: 'host-0.18a2b3c4d5e6f7a8', ok: true },
    { case: 'host-0.', name: 'host-0.', ok: false },
    { case: 'host-0-', name: 'host-0-', ok: false },
    { case: '253 characters', name: 'a'.repeat(253), ok: true },
    { case: '254 characters', name: 'a'.repeat(254), ok: false },
  ])('name $case: valid $ok', ({ name, ok }) => {
    expect(fieldsOf(widgets, { name })).toEqual(ok ? [] : ['metadata.name']);
  });

  it('gives the real cause shape: reason, field and the NameIsDNSSubdomain message', () => {
    expect(createNameCauses(widgets, { generateName: 'w.', name: 'w.bcdfg' })).toEqual([{
      reason: 'FieldValueInvalid', field: 'metadata.generateName',
      message: 'Invalid value: "w.": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, \'-\' or \'.\', and must start and end with an alphanumeric character (e.g. \'example.com\', regex used for validation is \'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\')',
    }]);
  });

  it('holds namespaces to the DNS label rule: no dots, at most 63 characters', () => {
    expect(fieldsOf(namespaces, { name: 'a.b' })).toEqual(['metadata.name']);
    expect(fieldsOf(namespaces, { name: 'a'.repeat(64) })).toEqual(['metadata.name']);
    expect(fieldsOf(namespaces, { name: 'a'.repeat(63) })).toEqual([]);
  });
});
