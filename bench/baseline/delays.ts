/**
 * @module bench/baseline/delays: when upstream's baremetal-operator re-reads
 * a host, as its source has it. Pure. No jitter: upstream adds none.
 *
 * - waiting on Ironic while registering, preparing (cleaning), provisioning,
 *   deprovisioning or changing power, and a 409 (node locked): 10 s
 *   (`provisionRequeueDelay`, `deprovisionRequeueDelay`, `powerRequeueDelay`,
 *   metal3-io/baremetal-operator `pkg/provisioner/ironic/ironic.go` lines 32–34
 *   at 007211a679764fa421b15bc03da00ec2587bc35b; the same values, with
 *   `subscriptionRequeueDelay`, in the `var (…)` block of later versions)
 * - inspecting: 15 s (`introspectionRequeueDelay`, same file, line 35)
 * - stable states (available, provisioned, externally provisioned): 60 s power
 *   poll (`steadyStateResult := actionContinue{time.Second * 60}` in
 *   `manageHostPower`, `controllers/metal3.io/baremetalhost_controller.go` at
 *   00a1b87030710d5c80a7468d92c48c81cb85072e)
 * - a host error: 10 s (`hostErrorRetryDelay`, same controller file, in its
 *   first `const (…)` block); unmanaged: 10 min (`unmanagedRetryDelay`, same block)
 * - a completed state transition: requeue at once (`actionComplete`)
 */
import type { ProvisioningState } from '../../shared/src/state-machine/states.ts';

export interface UpstreamDelays {
  /** waiting on Ironic (register, clean, deploy, undeploy, power) and 409 retries */
  waitMs: number;
  /** waiting on inspection */
  inspectMs: number;
  /** 0 = none (upstream); kept so a tuned variant can be labelled as such */
  jitter: number;
  stablePowerPollMs: number;
  unmanagedMs: number;
}

export const UPSTREAM_DELAYS: UpstreamDelays = {
  waitMs: 10_000,
  inspectMs: 15_000,
  jitter: 0,
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

const STABLE: readonly string[] = ['available', 'provisioned', 'externally provisioned'];

/** Milliseconds until the next reconcile of a host; `random` in [0, 1) (used only with jitter > 0). */
export function requeueDelayMs(state: ProvisioningState | undefined, outcome: ReconcileOutcome, delays: UpstreamDelays = UPSTREAM_DELAYS, random: () => number = Math.random): number {
  const jittered = (ms: number) => (delays.jitter > 0 ? Math.round(ms * (1 + delays.jitter * random())) : ms);
  if (outcome === 'state-changed') return 0;
  if (outcome === 'retry') return jittered(delays.waitMs);
  if (state === 'unmanaged') return delays.unmanagedMs;
  if (outcome === 'idle' && state !== undefined && STABLE.includes(state)) return delays.stablePowerPollMs;
  if (state === 'inspecting') return jittered(delays.inspectMs);
  return jittered(delays.waitMs);
}
