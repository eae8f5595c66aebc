/**
 * @module ironic/states: Ironic's own provision and power states (wire strings of
 * `ironic/common/states.py`, Ironic 21.4) and the groups our decisions need.
 */

export const IronicProvisionState = {
  /** Node created, BMC credentials not yet verified. Stable. */
  Enroll: 'enroll',
  /** `manage` from enroll: the power interface is validated against the BMC. */
  Verifying: 'verifying',
  /** Verified; not offered for deployment. Stable. */
  Manageable: 'manageable',
  /** Ready to deploy. Stable. */
  Available: 'available',
  /** Deployed. Stable. */
  Active: 'active',
  Deploying: 'deploying',
  /** Waiting for the deploy agent's callback. */
  DeployWait: 'wait call-back',
  DeployFailed: 'deploy failed',
  /** Tear-down after `deleted`/`undeploy`; followed by cleaning. */
  Deleting: 'deleting',
  Cleaning: 'cleaning',
  CleanWait: 'clean wait',
  CleanFailed: 'clean failed',
  Inspecting: 'inspecting',
  InspectWait: 'inspect wait',
  InspectFailed: 'inspect failed',
  Adopting: 'adopting',
  AdoptFailed: 'adopt failed',
  Rescuing: 'rescuing',
  RescueWait: 'rescue wait',
  Rescue: 'rescue',
  RescueFailed: 'rescue failed',
  Unrescuing: 'unrescuing',
  UnrescueFailed: 'unrescue failed',
  /** API ≥ 1.87: service steps running on an active node, waiting for them, or failed (back to active by `service` again). */
  Servicing: 'servicing',
  ServiceWait: 'service wait',
  ServiceFailed: 'service failed',
  /** Tear-down failed. Stable. */
  Error: 'error',
} as const;
export type IronicProvisionState = (typeof IronicProvisionState)[keyof typeof IronicProvisionState];

const S = IronicProvisionState;

/** States that do not change unless asked to (Ironic `STABLE_STATES`). */
export const IRONIC_STABLE_STATES: readonly IronicProvisionState[] = [S.Enroll, S.Manageable, S.Available, S.Active, S.Error, S.Rescue];

/** `* failed` states: the operation stopped; `last_error` says why (Ironic `FAILURE_STATES`). */
export const IRONIC_FAILED_STATES: readonly IronicProvisionState[] = [
  S.DeployFailed, S.CleanFailed, S.InspectFailed, S.RescueFailed, S.UnrescueFailed, S.AdoptFailed,
];

/** Waiting on an agent or an out-of-band step; no conductor lock is held. */
export const IRONIC_WAIT_STATES: readonly IronicProvisionState[] = [S.DeployWait, S.CleanWait, S.InspectWait, S.RescueWait];

/** Work in progress: poll again later (Ironic `UNSTABLE_STATES`). */
export const IRONIC_BUSY_STATES: readonly IronicProvisionState[] = [
  S.Verifying, S.Deploying, S.DeployWait, S.Deleting, S.Cleaning, S.CleanWait, S.Inspecting, S.InspectWait,
  S.Adopting, S.Rescuing, S.RescueWait, S.Unrescuing,
];

/** The node holds (or is being given) a deployed instance: undeploy before deleting it. */
export const IRONIC_ACTIVE_WORK_STATES: readonly IronicProvisionState[] = [
  S.Active, S.Deploying, S.DeployWait, S.DeployFailed, S.Rescue, S.Rescuing, S.RescueWait, S.RescueFailed,
  S.Unrescuing, S.UnrescueFailed, S.Error,
];

/**
 * Steps a conductor carries out while it holds the node's lock (Ironic `STUCK_STATES_TREATED_AS_FAIL`).
 * Waiting on an agent happens in the `* wait` states instead, without a lock.
 */
export const IRONIC_CONDUCTOR_STATES: readonly IronicProvisionState[] = [
  S.Deploying, S.Cleaning, S.Verifying, S.Inspecting, S.Adopting, S.Rescuing, S.Unrescuing, S.Deleting,
];

/** How long a node may sit in a conductor state without a lock before we call it abandoned. */
export const ABANDONED_NODE_AFTER_MS = 300_000;

/**
 * When a node was abandoned mid-step, or undefined while it is not. A conductor that stops (a graceful
 * restart releases its locks) leaves the node in its conductor state with no lock, and nothing in the
 * API moves it on. Ironic fails such nodes only when a conductor starts, and then at most
 * `[conductor]periodic_max_workers` (default 8) per state: after a restart during a busy period the
 * rest stay put for good. Unknown age (no timestamps) is never called abandoned.
 */
export function abandonedSince(
  node: { provision_state: string | null; reservation: string | null; provision_updated_at?: string | null; updated_at?: string | null },
  now: Date,
  afterMs: number = ABANDONED_NODE_AFTER_MS,
): string | undefined {
  if (node.reservation || !includes(IRONIC_CONDUCTOR_STATES, node.provision_state)) return undefined;
  const since = node.provision_updated_at ?? node.updated_at;
  const at = since ? Date.parse(since) : NaN;
  if (Number.isNaN(at) || now.getTime() - at < afterMs) return undefined;
  return new Date(at).toISOString();
}

/** The message a host shows for an abandoned node: what happened and what gets it going again. */
export const abandonedNodeMessage = (node: { provision_state: string | null }, since: string): string =>
  `Ironic node abandoned in "${node.provision_state}" since ${since}: no conductor holds it and Ironic will not move it on; ` +
  'restarting the Ironic conductor fails it over (raise [conductor]periodic_max_workers if many nodes are affected), or delete the host';

/** Provision states in which `DELETE /v1/nodes/{id}` is accepted (Ironic's default config adds `available`). */
export const IRONIC_DELETE_ALLOWED_STATES: readonly IronicProvisionState[] = [S.Manageable, S.Enroll, S.AdoptFailed, S.Available];

export const IronicPowerState = {
  On: 'power on',
  Off: 'power off',
  /** Only ever a target; the node ends `power on`. */
  Rebooting: 'rebooting',
  SoftRebooting: 'soft rebooting',
  SoftPowerOff: 'soft power off',
  /** `power_state: null` means unknown, e.g. a fake node before its first power action. */
  Error: 'error',
} as const;
export type IronicPowerState = (typeof IronicPowerState)[keyof typeof IronicPowerState];

const includes = (group: readonly string[], state: string | null | undefined): boolean => state != null && group.includes(state);

export const isIronicStable = (state: string | null | undefined): boolean => includes(IRONIC_STABLE_STATES, state);
export const isIronicFailed = (state: string | null | undefined): boolean => includes(IRONIC_FAILED_STATES, state);
export const isIronicBusy = (state: string | null | undefined): boolean => includes(IRONIC_BUSY_STATES, state);
export const isIronicWaiting = (state: string | null | undefined): boolean => includes(IRONIC_WAIT_STATES, state);

/**
 * Ironic is carrying out a power change: a target is set and a conductor holds the node's lock.
 * A target with no lock is orphaned: the conductor stopped mid-action (a graceful restart releases
 * its locks without clearing the target, and Ironic's power sync skips such nodes), so nothing will
 * ever finish it. Asking for the power state again replaces the orphaned target.
 */
export const isPowerChangeInProgress = (node: { target_power_state: string | null; reservation: string | null }): boolean =>
  Boolean(node.target_power_state) && Boolean(node.reservation);

/**
 * Ironic is carrying out a provisioning operation. A failure state keeps its target while nothing
 * runs (Ironic's state machine defines `deploy failed` with target `active`, `clean failed` with
 * `available`, `inspect failed` with `manageable`), so a target alone does not mean busy.
 */
export const isProvisionOperationRunning = (node: { provision_state: string | null; target_provision_state: string | null }): boolean =>
  Boolean(node.target_provision_state) && !isIronicFailed(node.provision_state);
