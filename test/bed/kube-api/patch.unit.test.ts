import { describe, expect, it } from '@jest/globals';
import { JsonPatchError, jsonPatch, mergePatch, strategicMergePatch } from './patch.ts';

describe('mergePatch (RFC 7386)', () => {
  it.each([
    { case: 'replaces a scalar', target: { a: 1 }, patch: { a: 2 }, want: { a: 2 } },
    { case: 'deletes a key set to null', target: { a: 1, b: 2 }, patch: { a: null }, want: { b: 2 } },
    { case: 'merges nested objects', target: { s: { x: 1, y: 2 } }, patch: { s: { y: 3 } }, want: { s: { x: 1, y: 3 } } },
    { case: 'replaces arrays whole', target: { l: [1, 2] }, patch: { l: [3] }, want: { l: [3] } },
    { case: 'creates missing parents', target: {}, patch: { s: { x: 1 } }, want: { s: { x: 1 } } },
  ])('$case', ({ target, patch, want }) => {
    expect(mergePatch(target, patch)).toEqual(want);
  });

  it('leaves the target untouched', () => {
    const target = { s: { x: 1 } };
    mergePatch(target, { s: { x: 2 } });
    expect(target).toEqual({ s: { x: 1 } });
  });
});

describe('strategicMergePatch (built-in kinds without merge keys)', () => {
  it('merges like a merge patch and ignores $-directives', () => {
    expect(strategicMergePatch({ data: { a: 'x' } }, { data: { b: 'y' }, $setElementOrder: [] })).toEqual({ data: { a: 'x', b: 'y' } });
  });
});

describe('jsonPatch (RFC 6902)', () => {
  it('applies add, remove, replace, move, copy and a passing test in order', () => {
    const doc = { a: { b: 1 }, l: [1, 2] };
    const out = jsonPatch(doc, [
      { op: 'test', path: '/a/b', value: 1 },
      { op: 'add', path: '/l/-', value: 3 },
      { op: 'replace', path: '/a/b', value: 5 },
      { op: 'copy', from: '/a/b', path: '/c' },
      { op: 'move', from: '/c', path: '/d' },
      { op: 'remove', path: '/l/0' },
      { op: 'add', path: '/e~1f', value: true },
    ]);
    expect(out).toEqual({ a: { b: 5 }, l: [2, 3], d: 5, 'e/f': true });
    expect(doc).toEqual({ a: { b: 1 }, l: [1, 2] });
  });

  it.each([
    { case: 'a failing test', ops: [{ op: 'test', path: '/a', value: 2 }] },
    { case: 'replace of a missing path', ops: [{ op: 'replace', path: '/status/phase', value: 'x' }] },
    { case: 'remove of a missing key', ops: [{ op: 'remove', path: '/zzz' }] },
    { case: 'add below a missing parent', ops: [{ op: 'add', path: '/x/y/z', value: 1 }] },
    { case: 'a body that is not an array', ops: { op: 'add' } },
  ])('throws JsonPatchError on $case', ({ ops }) => {
    expect(() => jsonPatch({ a: 1 }, ops)).toThrow(JsonPatchError);
  });
});
