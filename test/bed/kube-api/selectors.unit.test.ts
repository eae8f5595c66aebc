import { describe, expect, it } from '@jest/globals';
import { fieldSelector, fieldsOf, labelSelector } from './selectors.ts';
import { KubeStatusError } from './status-error.ts';
import type { KubeObject } from './types.ts';

describe('labelSelector', () => {
  const labels = { rack: 'r1', tier: 'gold' };
  it.each([
    { sel: 'rack=r1', want: true },
    { sel: 'rack==r1', want: true },
    { sel: 'rack!=r1', want: false },
    { sel: 'rack!=r2', want: true },
    { sel: 'rack in (r1, r2)', want: true },
    { sel: 'rack notin (r1)', want: false },
    { sel: 'absent notin (x)', want: true },
    { sel: 'tier', want: true },
    { sel: '!tier', want: false },
    { sel: 'rack=r1,tier=silver', want: false },
    { sel: 'rack in (r1),tier', want: true },
    { sel: '', want: true },
  ])('"$sel" → $want', ({ sel, want }) => {
    expect(labelSelector(sel)(labels)).toBe(want);
  });

  it('answers 400 to an unparsable requirement', () => {
    expect(() => labelSelector('a b c')).toThrow(KubeStatusError);
  });
});

describe('fieldSelector', () => {
  const obj: KubeObject = { metadata: { name: 'n1', namespace: 'ns1' } };
  it('matches metadata.name and metadata.namespace with =, == and !=', () => {
    expect(fieldSelector('metadata.name=n1', fieldsOf('custom'), obj)(obj)).toBe(true);
    expect(fieldSelector('metadata.namespace==ns2', fieldsOf('custom'), obj)(obj)).toBe(false);
    expect(fieldSelector('metadata.name!=n2', fieldsOf('custom'), obj)(obj)).toBe(true);
  });

  it('answers 400 "field label not supported" for other fields of custom kinds', () => {
    try {
      fieldSelector('spec.online=true', fieldsOf('custom'), obj);
      throw new Error('expected a throw');
    } catch (e) {
      expect((e as KubeStatusError).toStatus()).toMatchObject({ code: 400, reason: 'BadRequest', message: 'field label not supported: spec.online' });
    }
  });

  it('supports type on Secrets', () => {
    const secret: KubeObject = { metadata: { name: 's' }, type: 'Opaque' };
    expect(fieldSelector('type=Opaque', fieldsOf('secret'), secret)(secret)).toBe(true);
  });
});
