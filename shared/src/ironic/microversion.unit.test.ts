import { describe, expect, it } from '@jest/globals';
import { compareMicroversion, negotiateMicroversion } from './microversion.ts';

describe('compareMicroversion', () => {
  it('compares minor versions numerically, not as text', () => {
    expect(compareMicroversion('1.9', '1.10')).toBeLessThan(0);
    expect(compareMicroversion('1.82', '1.82')).toBe(0);
    expect(compareMicroversion('2.0', '1.99')).toBeGreaterThan(0);
  });
});

describe('negotiateMicroversion', () => {
  const ours = { min: '1.81', max: '1.82' };

  it.each([
    { case: 'server max equals ours', server: { min: '1.1', max: '1.82' }, want: '1.82' },
    { case: 'server newer than ours: capped at ours', server: { min: '1.1', max: '1.99' }, want: '1.82' },
    { case: 'server max inside our range', server: { min: '1.1', max: '1.81' }, want: '1.81' },
    { case: 'server too old', server: { min: '1.1', max: '1.80' }, want: undefined },
    { case: 'server minimum above our max', server: { min: '1.90', max: '1.99' }, want: undefined },
  ])('$case → $want', ({ server, want }) => {
    expect(negotiateMicroversion(server, ours)).toBe(want);
  });
});
