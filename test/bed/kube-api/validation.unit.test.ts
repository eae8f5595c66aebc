import { describe, expect, it } from '@jest/globals';
import { defFromCrd } from './resources.ts';
import { widgetCrd } from './fixtures/widget-crd.ts';
import type { KubeObject } from './types.ts';
import { checkAgainstSchema } from './validation.ts';

const schema = defFromCrd(widgetCrd() as unknown as KubeObject).schema;
const widget = (spec: unknown, extra: Record<string, unknown> = {}): KubeObject => ({ apiVersion: 'test.metal3.io/v1alpha1', kind: 'Widget', metadata: { name: 'w' }, spec, ...extra } as KubeObject);

describe('checkAgainstSchema', () => {
  it('accepts a valid object unchanged', () => {
    const obj = widget({ size: 3, color: 'red', sku: 'ABC-12', delivery: '2026-01-01T00:00:00Z', parts: [{ name: 'p', count: 1 }] });
    const out = checkAgainstSchema(schema, obj);
    expect(out.causes).toEqual([]);
    expect(out.object).toEqual(obj);
  });

  it.each([
    { case: 'wrong type', spec: { size: 'x' }, field: 'spec.size', reason: 'FieldValueTypeInvalid', msg: 'Invalid value: "string": spec.size in body must be of type integer: "string"' },
    { case: 'missing required', spec: { color: 'red' }, field: 'spec.size', reason: 'FieldValueRequired', msg: 'Required value' },
    { case: 'enum', spec: { size: 1, color: 'pink' }, field: 'spec.color', reason: 'FieldValueNotSupported', msg: 'Unsupported value: "pink": supported values: "red", "green", "blue"' },
    { case: 'minimum', spec: { size: 0 }, field: 'spec.size', reason: 'FieldValueInvalid', msg: 'Invalid value: 0: spec.size in body should be greater than or equal to 1' },
    { case: 'maximum', spec: { size: 101 }, field: 'spec.size', reason: 'FieldValueInvalid', msg: 'Invalid value: 101: spec.size in body should be less than or equal to 100' },
    { case: 'pattern', spec: { size: 1, sku: 'abcdef' }, field: 'spec.sku', reason: 'FieldValueInvalid', msg: `Invalid value: "abcdef": spec.sku in body should match '^[A-Z]{3}-[0-9]+$'` },
    { case: 'maxLength', spec: { size: 1, sku: 'ABC-1234567890' }, field: 'spec.sku', reason: 'FieldValueTooLong', msg: 'Too long: may not be longer than 12' },
    { case: 'date-time', spec: { size: 1, delivery: 'soon' }, field: 'spec.delivery', reason: 'FieldValueInvalid', msg: 'Invalid value: "soon": spec.delivery in body must be of type date-time: "soon"' },
    { case: 'nested array item', spec: { size: 1, parts: [{ count: 1 }] }, field: 'spec.parts[0].name', reason: 'FieldValueRequired', msg: 'Required value' },
  ])('reports $case at its field', ({ spec, field, reason, msg }) => {
    const { causes } = checkAgainstSchema(schema, widget(spec));
    expect(causes).toContainEqual({ field, reason, message: msg });
  });

  it('prunes unknown fields, keeps preserve-unknown-fields subtrees and metadata', () => {
    const out = checkAgainstSchema(schema, widget({ size: 1, bogus: true, extra: { anything: { goes: 1 } } }, { top: 1 }));
    expect(out.object.spec).toEqual({ size: 1, extra: { anything: { goes: 1 } } });
    expect(out.object).not.toHaveProperty('top');
    expect(out.object.metadata).toEqual({ name: 'w' });
    expect(out.unknownFields.sort()).toEqual(['spec.bogus', 'top']);
  });

  it('rejects a name that is not a DNS subdomain', () => {
    const out = checkAgainstSchema(schema, { ...widget({ size: 1 }), metadata: { name: 'Bad_Name' } });
    expect(out.causes.map((c) => c.field)).toEqual(['metadata.name']);
  });
});
