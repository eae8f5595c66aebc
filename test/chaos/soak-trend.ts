/**
 * @module chaos/soak-trend: the soak's verdict per process, from its samples. After the first third
 * (warm-up: caches, JIT, pools filling), compare the mean of the last quarter with the mean of the
 * first quarter. Memory is the heap after a full GC where measured (RSS of a V8 process with room to
 * grow is not a leak signal), else RSS. Flat: growth ≤ 10 MiB or 10 %, and open fds ≤ 5 or 10 % (a
 * process serving hundreds of sockets swings by dozens between samples; a leak keeps climbing).
 */

export interface SoakRow { rssMiB: number; fds: number; heapAfterGcMiB?: number }
export interface SoakSample { rows: Record<string, SoakRow> }
export interface SoakTrend { measure: 'heap after GC' | 'RSS'; growthMiB: number; fdGrowth: number; flat: boolean }

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const head = (xs: number[]): number[] => xs.slice(0, Math.max(1, Math.floor(xs.length / 4)));
const tail = (xs: number[]): number[] => xs.slice(-Math.max(1, Math.floor(xs.length / 4)));

export const FLAT_RULE = 'mean of the last quarter minus the first quarter of the last two thirds; the heap after GC when measured, else RSS; flat: ≤ 10 MiB or 10 %, ≤ 5 fds or 10 %';

/** `samples[0]` is taken before any load and is left out. */
export function soakTrend(samples: readonly SoakSample[]): Record<string, SoakTrend> {
  const last = samples.at(-1);
  if (!last) return {};
  const settled = samples.slice(Math.max(1, Math.floor(samples.length / 3)));
  return Object.fromEntries(Object.keys(last.rows).map((k) => {
    const heap = settled.map((x) => x.rows[k]?.heapAfterGcMiB);
    const byHeap = heap.every((h) => h !== undefined);
    const memory = byHeap ? heap as number[] : settled.map((x) => x.rows[k]?.rssMiB ?? 0);
    const fds = settled.map((x) => x.rows[k]?.fds ?? 0);
    const growthMiB = mean(tail(memory)) - mean(head(memory));
    const fdGrowth = mean(tail(fds)) - mean(head(fds));
    const flat = growthMiB <= Math.max(10, 0.1 * mean(head(memory))) && fdGrowth <= Math.max(5, 0.1 * mean(head(fds)));
    return [k, { measure: byHeap ? 'heap after GC' : 'RSS', growthMiB: Number(growthMiB.toFixed(1)), fdGrowth: Number(fdGrowth.toFixed(1)), flat } satisfies SoakTrend];
  }));
}
