/**
 * @module chaos/prng: a small seeded PRNG (mulberry32), so a chaos run is
 * reproducible from its printed seed. `fork(label)` gives an independent
 * stream per concern, so adding draws in one place does not shift the others.
 */

export interface Prng {
  readonly seed: number;
  /** uniform in [0, 1) */
  next(): number;
  /** true with probability p */
  chance(p: number): boolean;
  /** integer in [min, max] */
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  /** an independent stream derived from this seed and a label */
  fork(label: string): Prng;
}

function hashLabel(seed: number, label: string): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

export function createPrng(seed: number): Prng {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    seed,
    next,
    chance: (p) => next() < p,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(items: readonly T[]): T => {
      if (items.length === 0) throw new Error('pick from an empty list');
      return items[Math.floor(next() * items.length)] as T;
    },
    fork: (label) => createPrng(hashLabel(seed, label)),
  };
}

/** A fresh seed when none is given (printed, so the run can be repeated). */
export const randomSeed = (): number => Math.floor(Math.random() * 2 ** 31);
