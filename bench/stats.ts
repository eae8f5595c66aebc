/**
 * @module bench/stats: the summary statistics every scenario reports.
 * Pure. Percentiles use the nearest-rank method (no interpolation), so a
 * reported p95 is always a value that was actually measured.
 */

export interface Summary {
  n: number;
  p50: number;
  p95: number;
  min: number;
  max: number;
  mean: number;
}

/** Nearest-rank percentile of `xs` (0 < p ≤ 100); NaN for no samples. */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return Number.NaN;
  if (!(p > 0 && p <= 100)) throw new RangeError(`percentile must be in (0, 100], got ${p}`);
  const sorted = [...xs].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/** The middle value (mean of the two middle ones for an even count); NaN for none. */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function summarize(xs: readonly number[]): Summary {
  if (xs.length === 0) return { n: 0, p50: Number.NaN, p95: Number.NaN, min: Number.NaN, max: Number.NaN, mean: Number.NaN };
  return {
    n: xs.length,
    p50: median(xs),
    p95: percentile(xs, 95),
    min: Math.min(...xs),
    max: Math.max(...xs),
    mean: xs.reduce((a, b) => a + b, 0) / xs.length,
  };
}

/**
 * How many times `baseline` is larger than `ours` (e.g. 10 = ours is ten
 * times faster or cheaper). NaN when either is missing; Infinity when ours is
 * zero and the baseline is not.
 */
export function ratio(baseline: number, ours: number): number {
  if (!Number.isFinite(baseline) || !Number.isFinite(ours)) return Number.NaN;
  if (ours === 0) return baseline === 0 ? Number.NaN : Number.POSITIVE_INFINITY;
  return baseline / ours;
}

/** Rounds for display and JSON; keeps NaN/Infinity as they are. */
export function round(x: number, digits = 2): number {
  if (!Number.isFinite(x)) return x;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** `value` per host per minute, for request counts over a window. */
export function perHostMinute(count: number, hosts: number, windowMs: number): number {
  if (hosts <= 0 || windowMs <= 0) return Number.NaN;
  return count / hosts / (windowMs / 60_000);
}
