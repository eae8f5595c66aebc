/** mergePatch: RFC 7386 semantics (the RFC's own appendix A examples). */
import { describe, expect, it } from '@jest/globals';
import { mergePatch } from './merge-patch.ts';

describe('mergePatch', () => {
  it.each([
    { case: 'replace a member', target: { a: 'b' }, patch: { a: 'c' }, expected: { a: 'c' } },
    { case: 'add a member', target: { a: 'b' }, patch: { b: 'c' }, expected: { a: 'b', b: 'c' } },
    { case: 'null removes a member', target: { a: 'b' }, patch: { a: null }, expected: {} },
    { case: 'null removes one of two', target: { a: 'b', b: 'c' }, patch: { a: null }, expected: { b: 'c' } },
    { case: 'arrays are replaced, not merged', target: { a: ['b'] }, patch: { a: 'c' }, expected: { a: 'c' } },
    { case: 'a value replaces an array', target: { a: 'c' }, patch: { a: ['b'] }, expected: { a: ['b'] } },
    { case: 'nested merge with removal', target: { a: { b: 'c' } }, patch: { a: { b: 'd', c: null } }, expected: { a: { b: 'd' } } },
    { case: 'array of objects replaced whole', target: { a: [{ b: 'c' }] }, patch: { a: [1] }, expected: { a: [1] } },
    { case: 'array target replaced by array patch', target: ['a', 'b'], patch: ['c', 'd'], expected: ['c', 'd'] },
    { case: 'object target replaced by array', target: { a: 'b' }, patch: ['c'], expected: ['c'] },
    { case: 'null patch replaces the whole target', target: { a: 'foo' }, patch: null, expected: null },
    { case: 'string patch replaces the whole target', target: { a: 'foo' }, patch: 'bar', expected: 'bar' },
    { case: 'null member kept in nothing', target: { e: null }, patch: { a: 1 }, expected: { e: null, a: 1 } },
    { case: 'array target, object patch', target: [1, 2], patch: { a: 'b', c: null }, expected: { a: 'b' } },
    { case: 'deep add, null inside removed', target: {}, patch: { a: { bb: { ccc: null } } }, expected: { a: { bb: {} } } },
    { case: 'empty patch leaves the target', target: { a: { b: 1 } }, patch: {}, expected: { a: { b: 1 } } },
  ])('$case', ({ target, patch, expected }) => {
    expect(mergePatch(target, patch)).toEqual(expected);
  });

  it('does not modify its inputs', () => {
    // Prepare
    const target = { a: { b: 1, c: 2 } };
    const patch = { a: { c: null, d: 3 } };
    // Act
    mergePatch(target, patch);
    // Assess
    expect(target).toEqual({ a: { b: 1, c: 2 } });
    expect(patch).toEqual({ a: { c: null, d: 3 } });
  });
});
