/** backoffDelayMs: upstream's 2^n minutes minus up to 50 % jitter, capped at n = 9, deterministic per seed. */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { backoffDelayMs, DEFAULT_BACKOFF_BASE_MS } from './backoff.ts';

const MIN = 60_000;

describe('backoffDelayMs', () => {
  it.each([
    { case: 'errorCount 0 → no delay', count: 0, lo: 0, hi: 0 },
    { case: 'errorCount −1 → no delay', count: -1, lo: 0, hi: 0 },
    { case: 'errorCount 1 → 1–2 min', count: 1, lo: 1 * MIN, hi: 2 * MIN },
    { case: 'errorCount 2 → 2–4 min', count: 2, lo: 2 * MIN, hi: 4 * MIN },
    { case: 'errorCount 3 → 4–8 min', count: 3, lo: 4 * MIN, hi: 8 * MIN },
    { case: 'errorCount 5 → 16–32 min', count: 5, lo: 16 * MIN, hi: 32 * MIN },
    { case: 'errorCount 9 → ~4.3–8.5 h', count: 9, lo: 256 * MIN, hi: 512 * MIN },
    { case: 'errorCount 10 → capped as 9', count: 10, lo: 256 * MIN, hi: 512 * MIN },
    { case: 'errorCount 50 → capped as 9', count: 50, lo: 256 * MIN, hi: 512 * MIN },
  ])('$case', ({ count, lo, hi }) => {
    for (const seed of ['uid-a', 'uid-b', 'uid-c', 'another-uid']) {
      const d = backoffDelayMs(count, seed);
      expect(d).toBeGreaterThanOrEqual(lo);
      expect(d).toBeLessThanOrEqual(hi);
    }
  });

  it('defaults to a 60 s base', () => {
    expect(DEFAULT_BACKOFF_BASE_MS).toBe(MIN);
    expect(backoffDelayMs(4, 'x')).toBe(backoffDelayMs(4, 'x', MIN));
  });

  it('is deterministic: the watcher and every replica compute the same delay', () => {
    expect(backoffDelayMs(3, 'uid-1')).toBe(backoffDelayMs(3, 'uid-1'));
  });

  it('spreads hosts: different seeds give different delays', () => {
    const delays = new Set(Array.from({ length: 50 }, (_, i) => backoffDelayMs(3, `uid-${i}`)));
    expect(delays.size).toBeGreaterThan(40);
  });

  it('keeps the jitter within [0.5, 1.0] × 2^n × base for any seed, count and base', () => {
    fc.assert(
      fc.property(fc.string(), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 120_000 }), (seed, count, base) => {
        const full = base * 2 ** Math.min(count, 9);
        const d = backoffDelayMs(count, seed, base);
        return d >= Math.floor(full * 0.5) && d <= full;
      }),
    );
  });

  it('uses the whole jitter range over many seeds (not stuck at one end)', () => {
    const ratios = Array.from({ length: 400 }, (_, i) => backoffDelayMs(1, `seed-${i}`) / (2 * MIN));
    expect(Math.min(...ratios)).toBeLessThan(0.55);
    expect(Math.max(...ratios)).toBeGreaterThan(0.95);
  });
});
