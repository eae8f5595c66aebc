/** @module support/poll-until: wait for a probe to return a value, saying what the world looked like when it did not. */
import { setTimeout as sleep } from 'node:timers/promises';

export interface PollUntilOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** what to add to the timeout error (the hosts' and claims' states, say) */
  describe?: () => Promise<string> | string;
}

/** Resolves with the first value `probe` returns that is not undefined; throws naming `what` after `timeoutMs`. */
export async function pollUntil<T>(what: string, probe: () => Promise<T | undefined>, { timeoutMs = 120_000, intervalMs = 250, describe }: PollUntilOptions = {}): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms${describe ? `; ${await describe()}` : ''}`);
    await sleep(intervalMs);
  }
}
