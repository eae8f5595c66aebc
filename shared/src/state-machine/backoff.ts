/**
 * @module state-machine/backoff: when a failed operation may be retried.
 *
 * As upstream BMO: 2^errorCount × base, minus up to 50 % jitter, errorCount capped at 9.
 * With the default base of 60 s:
 *
 * | errorCount | delay range      |
 * |-----------:|------------------|
 * | 1          | 1 – 2 min        |
 * | 2          | 2 – 4 min        |
 * | 3          | 4 – 8 min        |
 * | 9+         | ~4.3 – 8.5 h     |
 *
 * The jitter is derived from the host uid and the count, not from a random
 * source, so the watcher (which schedules the retry) and every function replica
 * (which gates on it) compute the same due time.
 */
import { createHash } from 'node:crypto';

export const DEFAULT_BACKOFF_BASE_MS = 60_000;
const MAX_EXPONENT = 9;

/** A stable fraction in [0, 1) from a seed. */
function unitFraction(seed: string): number {
  const digest = createHash('sha256').update(seed).digest();
  return digest.readUInt32BE(0) / 2 ** 32;
}

export function backoffDelayMs(errorCount: number, seed: string, baseMs = DEFAULT_BACKOFF_BASE_MS): number {
  if (errorCount <= 0) return 0;
  const full = baseMs * 2 ** Math.min(errorCount, MAX_EXPONENT);
  return Math.round(full * (1 - 0.5 * unitFraction(`${seed}:${errorCount}`)));
}
