/**
 * @module status/host-conditions: upstream's BareMetalHost `status.conditions`
 * (Manageable, AvailableForProvisioning, Provisioned, Ready, Progressing,
 * Healthy), derived from the provisioning state and operational status alone,
 * as upstream's controller derives them after every reconcile. Pure.
 */
import { ProvisioningState as S } from '../state-machine/states.ts';

/** Condition types upstream sets on every host (`apis/metal3.io/v1alpha1/baremetalhost_types.go`). */
export const HostConditionType = {
  /** registered in Ironic, and no power fault */
  Manageable: 'Manageable',
  /** in `available`: a consumer may provision it */
  AvailableForProvisioning: 'AvailableForProvisioning',
  /** an image (or an external provisioner) owns the host */
  Provisioned: 'Provisioned',
  /** provisioned and not in error, servicing or detached */
  Ready: 'Ready',
  /** in a transient state on its way to a stable one */
  Progressing: 'Progressing',
  /** the BMC's health as Ironic reports it (node.health) */
  Healthy: 'Healthy',
} as const;
export type HostConditionType = (typeof HostConditionType)[keyof typeof HostConditionType];

/** Upstream's reasons, wire strings included (note `NotManageableReason`, spelled so upstream). */
export const HostConditionReason = {
  Manageable: 'Manageable',
  NotManaged: 'NotManaged',
  Registering: 'Registering',
  RegistrationFailed: 'RegistrationFailed',
  PowerFailure: 'PowerFailure',
  Provisioned: 'Provisioned',
  NotProvisioned: 'NotProvisioned',
  Provisioning: 'Provisioning',
  Error: 'Error',
  Detached: 'Detached',
  Servicing: 'Servicing',
  Available: 'Available',
  NotAvailable: 'NotAvailable',
  Inspecting: 'Inspecting',
  Preparing: 'Preparing',
  Deprovisioning: 'Deprovisioning',
  PoweringOffBeforeDelete: 'PoweringOffBeforeDelete',
  Deleting: 'Deleting',
  NotProgressing: 'NotProgressing',
  Healthy: 'Healthy',
  Unknown: 'Unknown',
  Warning: 'Warning',
  CriticalError: 'CriticalError',
} as const;

export interface DerivedCondition {
  type: HostConditionType;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
}

/** What upstream reads from the provisioner for the conditions: Ironic's node health and fault. */
export type NodeConditionFacts = Pick<ConditionInputs, 'health' | 'powerFailure'>;

/** The facts an observed Ironic node gives; empty when there is no node (nothing new is known). */
export function nodeConditionFacts(node: { fault?: string | null | undefined; health?: string | null | undefined } | null | undefined): NodeConditionFacts {
  if (!node) return {};
  return {
    // upstream's HasPowerFailure: Ironic set the node's fault to `power failure`
    powerFailure: node.fault === 'power failure',
    ...(typeof node.health === 'string' && node.health !== '' ? { health: node.health } : {}),
  };
}

export interface ConditionInputs {
  state: string;
  operationalStatus: string;
  /** Ironic's node.health (`OK`, `Warning`, `Critical`); undefined when not reported */
  health?: string | undefined;
  /** Ironic reports a power failure for the node (node.fault `power failure`) */
  powerFailure?: boolean | undefined;
}

const T = (type: HostConditionType, reason: string): DerivedCondition => ({ type, status: 'True', reason });
const F = (type: HostConditionType, reason: string): DerivedCondition => ({ type, status: 'False', reason });
const R = HostConditionReason;
const C = HostConditionType;

/** Every transient state's conditions: managed, not available, not provisioned, progressing for `reason`. */
const progressing = (reason: string): DerivedCondition[] => [
  T(C.Manageable, R.Manageable), F(C.AvailableForProvisioning, R.NotAvailable),
  F(C.Provisioned, R.NotProvisioned), F(C.Ready, R.NotProvisioned), T(C.Progressing, reason),
];

/**
 * The conditions a host in `state` with `operationalStatus` carries, in upstream's order
 * (Healthy last). Upstream's table: `computeConditions` in
 * `internal/controller/metal3.io/baremetalhost_controller.go`.
 */
export function deriveHostConditions({ state, operationalStatus, health, powerFailure }: ConditionInputs): DerivedCondition[] {
  // a power-failure check applies only where Ironic holds a registered node (not new, unmanaged, registering or deleting)
  let powerCheck = true;
  let out: DerivedCondition[];
  switch (state) {
    case S.None:
    case S.Unmanaged:
      powerCheck = false;
      out = [F(C.Manageable, R.NotManaged), F(C.AvailableForProvisioning, R.NotAvailable), F(C.Provisioned, R.NotProvisioned), F(C.Ready, R.NotProvisioned), F(C.Progressing, R.NotProgressing)];
      break;
    case S.Registering:
      powerCheck = false;
      out = [
        F(C.Manageable, operationalStatus === 'error' ? R.RegistrationFailed : R.Registering),
        F(C.AvailableForProvisioning, R.NotAvailable), F(C.Provisioned, R.NotProvisioned), F(C.Ready, R.NotProvisioned), T(C.Progressing, R.Registering),
      ];
      break;
    case S.Preparing: out = progressing(R.Preparing); break;
    case 'ready':
    case S.Available:
      out = [T(C.Manageable, R.Manageable), T(C.AvailableForProvisioning, R.Available), F(C.Provisioned, R.NotProvisioned), F(C.Ready, R.NotProvisioned), F(C.Progressing, R.NotProgressing)];
      break;
    case S.Provisioning: out = progressing(R.Provisioning); break;
    case S.Provisioned:
    case S.ExternallyProvisioned:
      out = [T(C.Manageable, R.Manageable), F(C.AvailableForProvisioning, R.NotAvailable), T(C.Provisioned, R.Provisioned), T(C.Ready, R.Provisioned), F(C.Progressing, R.NotProgressing)];
      break;
    case S.Deprovisioning: out = progressing(R.Deprovisioning); break;
    case S.Inspecting:
    case 'match profile':
      out = progressing(R.Inspecting); break;
    case S.PoweringOffBeforeDelete: out = progressing(R.PoweringOffBeforeDelete); break;
    case S.Deleting:
      powerCheck = false;
      out = progressing(R.Deleting); break;
    default:
      // a state upstream does not know: upstream leaves the conditions as they were
      out = [];
  }
  const set = (c: DerivedCondition): void => { out = [...out.filter((o) => o.type !== c.type), c].sort(byOrder); };
  // the operational status overrides Ready (and Progressing for a detached host)
  if (operationalStatus === 'error') set(F(C.Ready, R.Error));
  else if (operationalStatus === 'servicing') set(F(C.Ready, R.Servicing));
  else if (operationalStatus === 'detached') {
    powerCheck = false;
    set(F(C.Ready, R.Detached));
    set(F(C.Progressing, R.Detached));
  }
  if (powerCheck && powerFailure === true) set(F(C.Manageable, R.PowerFailure));
  const healthy = health === 'OK' ? T(C.Healthy, R.Healthy)
    : health === 'Warning' ? F(C.Healthy, R.Warning)
    : health === 'Critical' ? F(C.Healthy, R.CriticalError)
    : { type: C.Healthy, status: 'Unknown' as const, reason: R.Unknown };
  return [...out, healthy];
}

const ORDER: readonly string[] = Object.values(HostConditionType);
const byOrder = (a: DerivedCondition, b: DerivedCondition): number => ORDER.indexOf(a.type) - ORDER.indexOf(b.type);

export interface StoredCondition {
  type: string;
  status: string;
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

/**
 * Sets `derived` over `existing` as meta.SetStatusCondition in Kubernetes does: a condition whose
 * status did not change keeps its lastTransitionTime; conditions of other types are kept.
 * An upstream `Healthy` already reported is kept when nothing new is known (upstream keeps it too).
 */
export function applyHostConditions(existing: readonly StoredCondition[], derived: readonly DerivedCondition[], at: string, generation?: number): StoredCondition[] {
  let out = existing.slice();
  for (const d of derived) {
    const prev = out.find((c) => c.type === d.type);
    if (d.type === C.Healthy && d.status === 'Unknown' && prev) continue;
    const next: StoredCondition = {
      type: d.type, status: d.status, reason: d.reason, message: prev?.status === d.status && prev.reason === d.reason ? prev.message : '',
      lastTransitionTime: prev && prev.status === d.status ? prev.lastTransitionTime : at,
      ...(generation !== undefined ? { observedGeneration: generation } : {}),
    };
    out = prev ? out.map((c) => (c.type === d.type ? next : c)) : [...out, next];
  }
  return out;
}
