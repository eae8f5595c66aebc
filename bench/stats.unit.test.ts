/** bench stats and the baseline's upstream delays: the arithmetic behind every reported figure. */
import { describe, expect, it } from '@jest/globals';
import { requeueDelayMs, UPSTREAM_DELAYS } from './baseline/delays.ts';
import { median, percentile, perHostMinute, ratio, round, summarize } from './stats.ts';

describe('percentile', () => {
  it('returns a measured value by nearest rank when asked for p50 and p95 of 1..20', () => {
    // Prepare
    const xs = Array.from({ length: 20 }, (_, i) => 20 - i);
    // Act / Assess
    expect(percentile(xs, 50)).toBe(10);
    expect(percentile(xs, 95)).toBe(19);
    expect(percentile(xs, 100)).toBe(20);
  });

  it('returns the only sample for any p when there is one sample', () => {
    expect(percentile([7], 1)).toBe(7);
    expect(percentile([7], 95)).toBe(7);
  });

  it('returns NaN when there are no samples and rejects p outside (0, 100]', () => {
    expect(percentile([], 50)).toBeNaN();
    expect(() => percentile([1], 0)).toThrow(RangeError);
    expect(() => percentile([1], 101)).toThrow(RangeError);
  });
});

describe('median', () => {
  it('averages the two middle values when the count is even and takes the middle one when odd', () => {
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([5, 1, 3])).toBe(3);
    expect(median([])).toBeNaN();
  });
});

describe('summarize', () => {
  it('reports n, p50, p95, min, max and mean when given samples', () => {
    // Act
    const s = summarize([100, 200, 300, 400, 5000]);
    // Assess
    expect(s).toEqual({ n: 5, p50: 300, p95: 5000, min: 100, max: 5000, mean: 1200 });
  });

  it('reports n = 0 and NaN figures when given no samples', () => {
    const s = summarize([]);
    expect(s.n).toBe(0);
    expect(s.p50).toBeNaN();
  });
});

describe('ratio', () => {
  it('says how many times the baseline exceeds ours when both are measured', () => {
    expect(ratio(30_000, 500)).toBe(60);
    expect(ratio(1, 4)).toBe(0.25);
  });

  it('is Infinity when ours is 0 and the baseline is not, NaN when nothing is measured', () => {
    expect(ratio(5, 0)).toBe(Number.POSITIVE_INFINITY);
    expect(ratio(0, 0)).toBeNaN();
    expect(ratio(Number.NaN, 3)).toBeNaN();
  });
});

describe('perHostMinute', () => {
  it('normalises a request count over hosts and window when given 120 requests from 10 hosts in 30 s', () => {
    expect(perHostMinute(120, 10, 30_000)).toBe(24);
  });

  it('is NaN when there are no hosts or no window', () => {
    expect(perHostMinute(5, 0, 1000)).toBeNaN();
    expect(perHostMinute(5, 3, 0)).toBeNaN();
  });
});

describe('round', () => {
  it('rounds to the given digits and leaves NaN and Infinity alone', () => {
    expect(round(1.23456, 2)).toBe(1.23);
    expect(round(Number.POSITIVE_INFINITY)).toBe(Number.POSITIVE_INFINITY);
    expect(round(Number.NaN)).toBeNaN();
  });
});

describe('requeueDelayMs (upstream BMO delays, as its source has them)', () => {
  const anyRandom = () => 0.999_999;

  it.each([
    ['inspecting', 15_000], ['preparing', 10_000], ['provisioning', 10_000], ['deprovisioning', 10_000],
    ['registering', 10_000], ['deleting', 10_000], ['powering off before delete', 10_000],
  ] as const)('waits the upstream delay while %s and Ironic works, with no jitter', (state, ms) => {
    expect(requeueDelayMs(state, 'waiting', UPSTREAM_DELAYS, () => 0)).toBe(ms);
    expect(requeueDelayMs(state, 'waiting', UPSTREAM_DELAYS, anyRandom)).toBe(ms);
  });

  it('requeues at once when the state changed, whatever the state', () => {
    expect(requeueDelayMs('inspecting', 'state-changed')).toBe(0);
    expect(requeueDelayMs('available', 'state-changed')).toBe(0);
  });

  it('polls power every 60 s when a stable host has nothing due', () => {
    expect(requeueDelayMs('provisioned', 'idle', UPSTREAM_DELAYS, anyRandom)).toBe(60_000);
    expect(requeueDelayMs('available', 'idle', UPSTREAM_DELAYS, anyRandom)).toBe(60_000);
  });

  it('retries a locked node (409) after 10 s, even while inspecting', () => {
    expect(requeueDelayMs('inspecting', 'retry', UPSTREAM_DELAYS, anyRandom)).toBe(10_000);
  });

  it('waits 10 s while a power change is in flight in a stable state', () => {
    expect(requeueDelayMs('provisioned', 'waiting', UPSTREAM_DELAYS, anyRandom)).toBe(10_000);
  });

  it('waits 10 min for an unmanaged host', () => {
    expect(requeueDelayMs('unmanaged', 'idle')).toBe(600_000);
  });

  it('adds jitter only to a variant that asks for it (a labelled, tuned row)', () => {
    expect(requeueDelayMs('provisioning', 'waiting', { ...UPSTREAM_DELAYS, jitter: 0.25 }, anyRandom)).toBe(12_500);
  });
});
