/**
 * @module state-machine/transitions: THE transition table, the single source of
 * truth for which function owns each state, what triggers it, where it goes
 * next and which errorType a failure records. The watcher, the functions, the
 * event catalogue, the Knative Triggers and the README diagram all read it.
 */
import type { ConditionName } from './conditions.ts';
import { ErrorType, ProvisioningState as S, TRANSITION_NAMES } from './states.ts';
import type { ProvisioningState, TransitionName } from './states.ts';

/** Reverse-DNS prefix of every CloudEvent type we define. */
export const EVENT_TYPE_PREFIX = 'io.metal3.baremetalhost';

/** The CloudEvent type that asks `transition` to run for a host. */
export const requestedEventType = <T extends TransitionName>(t: T): `io.metal3.baremetalhost.${T}.requested` =>
  `${EVENT_TYPE_PREFIX}.${t}.requested`;

export interface StateRow {
  /** the function whose work runs while the host is in this state; null for stable states */
  owner: TransitionName | null;
  /** status.errorType written when that work fails */
  errorType: ErrorType | null;
}

/** Who works in each state (Ironic's "target state" view of BMO's handlers). */
export const StateTable = {
  // decides between unmanaged and registering (BMO handleNone)
  [S.None]: { owner: 'enroll', errorType: ErrorType.Registration },
  // waits for spec.bmc; nothing to do until then
  [S.Unmanaged]: { owner: null, errorType: null },
  // Ironic node create + port + manage (BMC credentials verified by Ironic)
  [S.Registering]: { owner: 'enroll', errorType: ErrorType.Registration },
  // Ironic inspect, inventory into status.hardware and HardwareData
  [S.Inspecting]: { owner: 'inspect', errorType: ErrorType.Inspection },
  // Ironic provide (automated cleaning per automatedCleaningMode)
  [S.Preparing]: { owner: 'inspect', errorType: ErrorType.Preparation },
  // stable: power follows spec.online; spec intents start the next phase
  [S.Available]: { owner: null, errorType: null },
  // instance_info + config drive + deploy, exactly one deploy request per attempt
  [S.Provisioning]: { owner: 'provision', errorType: ErrorType.Provisioning },
  // stable: power follows spec.online
  [S.Provisioned]: { owner: null, errorType: null },
  // stable: power only
  [S.ExternallyProvisioned]: { owner: null, errorType: null },
  // Ironic undeploy (deleted) + cleaning back to available
  [S.Deprovisioning]: { owner: 'deprovision', errorType: ErrorType.Provisioning },
  // hard power off through Ironic, or the BMC when no node is left
  [S.PoweringOffBeforeDelete]: { owner: 'deprovision', errorType: ErrorType.PowerManagement },
  // Ironic node delete, then the finalizer goes
  [S.Deleting]: { owner: 'deprovision', errorType: ErrorType.Provisioning },
} as const satisfies Record<ProvisioningState, StateRow>;

/**
 * How an edge is taken:
 * - `intent`: the spec or metadata asks for it; a pure status write, checked before any work;
 * - `complete`: the owner's work in `from` finished;
 * - `fail`: the owner's work failed permanently (the error is recorded, then the edge is taken);
 * - `maintain`: work in a stable state that keeps the state (power); it records `errorType`.
 */
export type EdgeKind = 'intent' | 'complete' | 'fail' | 'maintain';

export interface Edge {
  from: ProvisioningState;
  /** `removed`: the finalizer is dropped and the object disappears */
  to: ProvisioningState | 'removed';
  by: TransitionName;
  on: EdgeKind;
  when: ConditionName;
  /** only for `maintain` edges: the errorType their failures record */
  errorType?: ErrorType;
}

const DELETE_FIRST: readonly ProvisioningState[] = [S.None, S.Unmanaged, S.Registering];
const POWER_OFF_FIRST: readonly ProvisioningState[] = [S.Inspecting, S.Preparing, S.Available, S.ExternallyProvisioned];
const DEPROVISION_FIRST: readonly ProvisioningState[] = [S.Provisioning, S.Provisioned];
/** The states a host may be detached in (upstream: anything else waits for its operation to finish). */
export const DETACHABLE: readonly ProvisioningState[] = [S.Available, S.Provisioned, S.ExternallyProvisioned];

/**
 * Every edge of the host state machine, in evaluation order: for a state, the
 * first `intent` whose condition holds wins; `complete`/`fail` edges are picked
 * by the owner when its work ends (first whose condition holds).
 */
export const Edges: readonly Edge[] = [
  // ---- a detached host is deleted without deprovisioning or power off (never touched)
  ...DETACHABLE.map((from): Edge => ({ from, to: S.Deleting, by: 'deprovision', on: 'intent', when: 'deletingDetached' })),
  // ---- deletion preempts everything (BMO "initiate delete"), routed by how far the host got
  ...DELETE_FIRST.map((from): Edge => ({ from, to: S.Deleting, by: 'deprovision', on: 'intent', when: 'deleting' })),
  ...POWER_OFF_FIRST.map((from): Edge => ({ from, to: S.PoweringOffBeforeDelete, by: 'deprovision', on: 'intent', when: 'deleting' })),
  ...DEPROVISION_FIRST.map((from): Edge => ({ from, to: S.Deprovisioning, by: 'deprovision', on: 'intent', when: 'deleting' })),

  // ---- enroll: BMC details decide between unmanaged and registering
  { from: S.None, to: S.Registering, by: 'enroll', on: 'intent', when: 'hasBmc' },
  { from: S.None, to: S.Unmanaged, by: 'enroll', on: 'intent', when: 'noBmc' },
  { from: S.Unmanaged, to: S.Registering, by: 'enroll', on: 'intent', when: 'hasBmc' },
  // registered: skip inspection for externally provisioned hosts and when it is disabled
  { from: S.Registering, to: S.ExternallyProvisioned, by: 'enroll', on: 'complete', when: 'externallyProvisioned' },
  { from: S.Registering, to: S.Preparing, by: 'enroll', on: 'complete', when: 'inspectionDisabled' },
  { from: S.Registering, to: S.Inspecting, by: 'enroll', on: 'complete', when: 'always' },

  // ---- inspect: inventory, then cleaning, then offered
  { from: S.Inspecting, to: S.Preparing, by: 'inspect', on: 'complete', when: 'always' },
  { from: S.Preparing, to: S.Available, by: 'inspect', on: 'complete', when: 'always' },
  // the inspect.metal3.io annotation re-inspects an available host
  { from: S.Available, to: S.Inspecting, by: 'inspect', on: 'intent', when: 'inspectRequested' },

  // ---- provision
  { from: S.Available, to: S.ExternallyProvisioned, by: 'provision', on: 'intent', when: 'externallyProvisioned' },
  // a changed spec.raid is built before any deploy (upstream: dirty provisioning settings send an available host back to preparing)
  { from: S.Available, to: S.Preparing, by: 'inspect', on: 'intent', when: 'raidChangeRequested' },
  { from: S.Available, to: S.Provisioning, by: 'provision', on: 'intent', when: 'wantsProvisioning' },
  // image removed or changed mid-deploy: clean up first (BMO: provisioning cancelled)
  { from: S.Provisioning, to: S.Deprovisioning, by: 'deprovision', on: 'intent', when: 'provisioningCancelled' },
  { from: S.Provisioning, to: S.Provisioned, by: 'provision', on: 'complete', when: 'always' },
  // a failed deploy is cleaned before the next attempt (BMO: provisioningFailCount++)
  { from: S.Provisioning, to: S.Deprovisioning, by: 'provision', on: 'fail', when: 'always' },
  { from: S.ExternallyProvisioned, to: S.Provisioned, by: 'provision', on: 'intent', when: 'notExternallyProvisioned' },
  // new BIOS settings for an offered host: prepared again, the settings applied by manual cleaning (upstream)
  { from: S.Available, to: S.Preparing, by: 'inspect', on: 'intent', when: 'firmwareChangeRequested' },

  // ---- deprovision
  { from: S.Provisioned, to: S.Deprovisioning, by: 'deprovision', on: 'intent', when: 'provisioningCancelled' },
  { from: S.Deprovisioning, to: S.PoweringOffBeforeDelete, by: 'deprovision', on: 'complete', when: 'deleting' },
  { from: S.Deprovisioning, to: S.Available, by: 'deprovision', on: 'complete', when: 'always' },
  { from: S.PoweringOffBeforeDelete, to: S.Deleting, by: 'deprovision', on: 'complete', when: 'always' },
  { from: S.Deleting, to: 'removed', by: 'deprovision', on: 'complete', when: 'always' },

  // ---- detach: Ironic lets go of the node (maintenance + delete: no undeploy, no power change)
  ...DETACHABLE.map((from): Edge => ({ from, to: from, by: 'enroll', on: 'maintain', when: 'detachRequested', errorType: ErrorType.Detach })),
  // ---- re-attached, or status restored from the status annotation: register again and adopt, never redeploy
  ...DETACHABLE.map((from): Edge => ({
    from, to: from, by: 'enroll', on: 'maintain', when: 'registrationLost',
    errorType: from === S.Available ? ErrorType.Registration : ErrorType.ProvisionedRegistration,
  })),

  // ---- re-registration: a changed credentials Secret goes to Ironic before anything else (BMO ensureRegistered)
  ...[S.Available, S.Provisioned, S.ExternallyProvisioned].map(
    (from): Edge => ({ from, to: from, by: 'enroll', on: 'maintain', when: 'credentialsChanged', errorType: ErrorType.Registration }),
  ),

  // ---- servicing: a provisioned host being rebooted gets its allowed firmware changes as Ironic service steps
  // before it comes on again (upstream's operationalStatus `servicing`, errorType `servicing error`)
  { from: S.Provisioned, to: S.Provisioned, by: 'provision', on: 'maintain', when: 'servicingRequested', errorType: ErrorType.Servicing },

  // ---- reboot annotations (reboot.metal3.io[/<key>]): off, then on again once the annotations are gone
  ...[S.Available, S.Provisioned, S.ExternallyProvisioned].map(
    (from): Edge => ({ from, to: from, by: 'power', on: 'maintain', when: 'rebootRequested', errorType: ErrorType.PowerManagement }),
  ),
  // ---- power: spec.online enforced in stable states, the state itself unchanged
  ...[S.Available, S.Provisioned, S.ExternallyProvisioned].map(
    (from): Edge => ({ from, to: from, by: 'power', on: 'maintain', when: 'powerMismatch', errorType: ErrorType.PowerManagement }),
  ),
  // ---- a delay whose intent went away (image removed, annotation gone): power's look at the host clears it
  ...[S.Available, S.Provisioned, S.ExternallyProvisioned].map(
    (from): Edge => ({ from, to: from, by: 'power', on: 'maintain', when: 'delayLifted', errorType: ErrorType.PowerManagement }),
  ),
];

/** One row per transition function: the event that triggers it. */
export const Transitions = Object.fromEntries(
  TRANSITION_NAMES.map((t) => [t, { eventType: requestedEventType(t) }]),
) as { [T in TransitionName]: { eventType: ReturnType<typeof requestedEventType<T>> } };

// ================================================================================================
// HostClaim: the `claim` transition. A claim's phase lives in `status.phase`; the host it binds
// keeps its own state machine above (binding only writes the host's spec).
// ================================================================================================

/** Reverse-DNS prefix of the HostClaim CloudEvent types. */
export const CLAIM_EVENT_TYPE_PREFIX = 'io.metal3.hostclaim';

/** The claim transition function; the same word names the folder, the event type segment and the log field. */
export const CLAIM_TRANSITION = 'claim';
export type ClaimTransitionName = typeof CLAIM_TRANSITION;

export const ClaimPhase = {
  /** Just created: not taken on yet (no finalizer). */
  None: '',
  /** Finalizer set; waiting for a matching, available, unconsumed host a policy allows (may hold a reservation). */
  Pending: 'Pending',
  /** The host's consumerRef names this claim; the host follows the claim's spec and the claim mirrors the host. */
  Bound: 'Bound',
  /** The host is being handed back (consumerRef, image and data Secrets cleared); deprovisioning follows on the host. */
  Releasing: 'Releasing',
} as const;
export type ClaimPhase = (typeof ClaimPhase)[keyof typeof ClaimPhase];
export const ALL_CLAIM_PHASES: readonly ClaimPhase[] = Object.values(ClaimPhase);

/** What the claim function learned from looking at the world; picks `complete` edges. */
export interface ClaimFacts {
  /** the bound host no longer matches the claim's selector or policy */
  selectorMismatch?: boolean | undefined;
  /** the bound host is gone, or its consumerRef no longer names this claim */
  hostLost?: boolean | undefined;
}

/** The view of a claim the claim guard reads (the stored claim satisfies it). */
export interface ClaimView {
  metadata: { name: string; namespace?: string | undefined; uid?: string | undefined; deletionTimestamp?: string | undefined; finalizers?: string[] | undefined };
  status?: { phase?: string | undefined } | undefined;
}

export const ClaimConditions = {
  always: () => true,
  deleting: (c: ClaimView) => c.metadata.deletionTimestamp !== undefined,
  notDeleting: (c: ClaimView) => c.metadata.deletionTimestamp === undefined,
  selectorMismatch: (_c: ClaimView, f: ClaimFacts) => f.selectorMismatch === true,
  hostLost: (_c: ClaimView, f: ClaimFacts) => f.hostLost === true,
} as const satisfies Record<string, (c: ClaimView, f: ClaimFacts) => boolean>;
export type ClaimConditionName = keyof typeof ClaimConditions;

export interface ClaimEdge {
  from: ClaimPhase;
  /** `removed`: the claim finalizer is dropped and the claim disappears */
  to: ClaimPhase | 'removed';
  by: ClaimTransitionName;
  on: Exclude<EdgeKind, 'fail'>;
  when: ClaimConditionName;
}

/** Who works in each claim phase, and how (`work` until done, `maintain` keeps the phase). */
export const ClaimPhaseTable = {
  // taken on by an intent (finalizer), nothing to work on
  [ClaimPhase.None]: { work: null },
  // look for a host and bind it: reservation on the claim, then consumerRef on the host (both resourceVersion-checked)
  [ClaimPhase.Pending]: { work: 'work' },
  // copy data Secrets, sync image/online to the host, mirror host progress into the claim
  [ClaimPhase.Bound]: { work: 'maintain' },
  // clear the host's consumerRef, image and data references (only while they still name this claim)
  [ClaimPhase.Releasing]: { work: 'work' },
} as const satisfies Record<ClaimPhase, { work: 'work' | 'maintain' | null }>;

/** Every edge of the claim state machine, in evaluation order (first whose condition holds wins). */
export const ClaimEdges: readonly ClaimEdge[] = [
  // a new claim carries the finalizer before any host is bound, so a bound host never outlives its claim unnoticed
  { from: ClaimPhase.None, to: ClaimPhase.Pending, by: CLAIM_TRANSITION, on: 'intent', when: 'notDeleting' },
  // deletion hands back whatever is bound or reserved before the finalizer goes
  { from: ClaimPhase.Pending, to: ClaimPhase.Releasing, by: CLAIM_TRANSITION, on: 'intent', when: 'deleting' },
  { from: ClaimPhase.Bound, to: ClaimPhase.Releasing, by: CLAIM_TRANSITION, on: 'intent', when: 'deleting' },
  // one matching, available, unconsumed host that a policy allows now names this claim in its consumerRef
  { from: ClaimPhase.Pending, to: ClaimPhase.Bound, by: CLAIM_TRANSITION, on: 'complete', when: 'always' },
  // the selector (or policy) no longer admits the bound host: hand it back, then look again
  { from: ClaimPhase.Bound, to: ClaimPhase.Releasing, by: CLAIM_TRANSITION, on: 'complete', when: 'selectorMismatch' },
  // the host was deleted or taken by someone else: nothing to hand back
  { from: ClaimPhase.Bound, to: ClaimPhase.Pending, by: CLAIM_TRANSITION, on: 'complete', when: 'hostLost' },
  // keep the host in line with the claim's spec and mirror its progress (the phase stays)
  { from: ClaimPhase.Bound, to: ClaimPhase.Bound, by: CLAIM_TRANSITION, on: 'maintain', when: 'always' },
  // handed back: a deleted claim loses its finalizer, a live one waits for another host
  { from: ClaimPhase.Releasing, to: 'removed', by: CLAIM_TRANSITION, on: 'complete', when: 'deleting' },
  { from: ClaimPhase.Releasing, to: ClaimPhase.Pending, by: CLAIM_TRANSITION, on: 'complete', when: 'always' },
];

/** The claim transition's row: the event that triggers it. */
export const ClaimTransitions = {
  [CLAIM_TRANSITION]: { eventType: `${CLAIM_EVENT_TYPE_PREFIX}.${CLAIM_TRANSITION}.requested` },
} as const satisfies Record<ClaimTransitionName, { eventType: string }>;
