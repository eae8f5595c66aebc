/**
 * @module bench/baseline/delays: when upstream's baremetal-operator re-reads
 * a host (metal3-api notes §3.5, BMO main/v0.14). Pure.
 *
 * - short steps (manage/provide/power, 409 lock retries): 3 s + 0–25 % jitter
 * - long steps (inspecting, cleaning, deploying): 10 s + 0–25 % jitter
 * - stable states (available/provisioned): 60 s power poll, no jitter
 * - unmanaged: 10 min
 * - a completed state transition: requeue immediately
 */
import type { ProvisioningState } from '../../shared/src/state-machine/states.ts';

export interface UpstreamDelays {
  shortMs: number;
  longMs: number;
  /** 0.25 = up to +25 % */
  jitter: number;
  stablePowerPollMs: number;
  unmanagedMs: number;
}

export const UPSTREAM_DELAYS: UpstreamDelays = {
  shortMs: 3_000,
  longMs: 10_000,
  jitter: 0.25,
  stablePowerPollMs: 60_000,
  unmanagedMs: 600_000,
};

/** What the last reconcile of a host amounted to. */
export type ReconcileOutcome =
  /** the provisioning state changed: BMO requeues at once */
  | 'state-changed'
  /** work in flight, waiting on Ironic */
  | 'waiting'
  /** Ironic busy / 409 / transient failure */
  | 'retry'
  /** nothing due (stable, or in an error backoff) */
  | 'idle';

const LONG_STATES: readonly string[] = ['inspecting', 'preparing', 'provisioning', 'deprovisioning'];
const STABLE: readonly string[] = ['available', 'provisioned', 'externally provisioned'];

/** Milliseconds until the next reconcile of a host; `random` in [0, 1). */
export function requeueDelayMs(state: ProvisioningState | undefined, outcome: ReconcileOutcome, delays: UpstreamDelays = UPSTREAM_DELAYS, random: () => number = Math.random): number {
  const jittered = (ms: number) => Math.round(ms * (1 + delays.jitter * random()));
  if (outcome === 'state-changed') return 0;
  if (outcome === 'retry') return jittered(delays.shortMs);
  if (state === 'unmanaged') return delays.unmanagedMs;
  if (outcome === 'idle' && state !== undefined && STABLE.includes(state)) return delays.stablePowerPollMs;
  if (state !== undefined && LONG_STATES.includes(state)) return jittered(delays.longMs);
  return jittered(delays.shortMs);
}
