/**
 * @module bmc/ipmi/replay-window: inbound session sequence check (IPMI 2.0 §6.12).
 * Accepts a number once, if it is non-zero and either ahead of the highest seen (by at most
 * `maxAhead`) or within `size` behind it; a bitmask remembers which of those were seen.
 */

export interface ReplayWindowOptions {
  /** how far behind the highest seen a late packet may be (FreeIPMI: 8, at most 32) */
  size?: number;
  /** how far ahead a packet may jump (lost replies in between) */
  maxAhead?: number;
  /** highest sequence already seen (0 = none); lets tests start near the 2^32 wrap */
  start?: number;
}

export interface ReplayWindow {
  /** true (and remembered) when `sequence` is fresh; false for 0, duplicates and outsiders */
  accept(sequence: number): boolean;
  readonly highest: number;
}

export function createReplayWindow({ size = 8, maxAhead = 32, start = 0 }: ReplayWindowOptions = {}): ReplayWindow {
  if (size < 1 || size > 32) throw new RangeError('replay window size must be 1..32');
  let highest = start >>> 0;
  // bit i set = (highest - i) was seen; bit 0 is `highest` itself
  let seen = highest === 0 ? 0 : 1;
  return {
    get highest() {
      return highest;
    },
    accept: function accept(sequence) {
      const s = sequence >>> 0;
      if (s === 0) return false;
      const ahead = (s - highest) >>> 0; // modular: handles the 2^32 wrap
      if (ahead !== 0 && ahead <= maxAhead) {
        seen = ahead >= 32 ? 1 : ((seen << ahead) | 1) >>> 0;
        highest = s;
        return true;
      }
      const behind = (highest - s) >>> 0;
      if (highest === 0 || behind >= size) return false;
      const bit = (1 << behind) >>> 0;
      if ((seen & bit) !== 0) return false;
      seen = (seen | bit) >>> 0;
      return true;
    },
  };
}
