import { describe, expect, it } from '@jest/globals';
import { matchesSelector, namespaceAllowed, toLabelSelector } from './claim-rules.ts';

describe('claim rules', () => {
  it.each([
    { case: 'matchLabels equal', labels: { a: '1' }, selector: { matchLabels: { a: '1' } }, want: true },
    { case: 'matchLabels differ', labels: { a: '2' }, selector: { matchLabels: { a: '1' } }, want: false },
    { case: 'In', labels: { a: '2' }, selector: { matchExpressions: [{ key: 'a', operator: 'In' as const, values: ['1', '2'] }] }, want: true },
    { case: 'NotIn with the key absent', labels: {}, selector: { matchExpressions: [{ key: 'a', operator: 'NotIn' as const, values: ['1'] }] }, want: true },
    { case: 'Exists', labels: { a: '' }, selector: { matchExpressions: [{ key: 'a', operator: 'Exists' as const, values: [] }] }, want: true },
    { case: 'DoesNotExist', labels: { a: '' }, selector: { matchExpressions: [{ key: 'a', operator: 'DoesNotExist' as const, values: [] }] }, want: false },
    { case: 'empty selector', labels: {}, selector: undefined, want: true },
  ])('matchesSelector: $case', ({ labels, selector, want }) => {
    expect(matchesSelector(labels as Record<string, string>, selector)).toBe(want);
  });

  it('writes the selector as the API server\'s labelSelector query', () => {
    expect(toLabelSelector({ matchLabels: { pool: 'a' }, matchExpressions: [{ key: 'z', operator: 'In', values: ['1', '2'] }, { key: 'y', operator: 'DoesNotExist', values: [] }] }))
      .toBe('pool=a,z in (1,2),!y');
  });

  it.each([
    { case: 'unset admits none', c: undefined, ns: 't', labels: {}, want: false },
    { case: '{} admits all', c: {}, ns: 't', labels: {}, want: true },
    { case: 'names', c: { names: ['a', 'b'] }, ns: 'b', labels: {}, want: true },
    { case: 'names, other namespace', c: { names: ['a'] }, ns: 'b', labels: {}, want: false },
    { case: 'nameMatches is a search (unanchored)', c: { nameMatches: 'prod' }, ns: 'not-prod', labels: {}, want: true },
    { case: 'nameMatches anchored', c: { nameMatches: '^prod$' }, ns: 'not-prod', labels: {}, want: false },
    { case: 'invalid nameMatches admits nobody', c: { nameMatches: '(' }, ns: 'x', labels: {}, want: false },
    { case: 'hasLabels with value', c: { hasLabels: [{ name: 'team', value: 'a' }] }, ns: 'x', labels: { team: 'a' }, want: true },
    { case: 'hasLabels, wrong value', c: { hasLabels: [{ name: 'team', value: 'a' }] }, ns: 'x', labels: { team: 'b' }, want: false },
    { case: 'hasLabels, name only', c: { hasLabels: [{ name: 'team' }] }, ns: 'x', labels: { team: 'b' }, want: true },
  ])('namespaceAllowed: $case', ({ c, ns, labels, want }) => {
    expect(namespaceAllowed(c, ns, labels as Record<string, string>)).toBe(want);
  });
});
