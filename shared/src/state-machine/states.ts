/**
 * @module state-machine/states: BareMetalHost provisioning states, error types
 * and operational statuses, with upstream Metal³'s exact wire strings.
 */

export const ProvisioningState = {
  /** Just created: nothing known yet. */
  None: '',
  /** No BMC details: power and provisioning impossible; waits for spec.bmc. */
  Unmanaged: 'unmanaged',
  /** Ironic node being created and its BMC credentials verified (Ironic `manage`). */
  Registering: 'registering',
  /** Ironic inspection collecting the hardware inventory. */
  Inspecting: 'inspecting',
  /** Cleaning/configuration before the host is offered (Ironic `provide`). */
  Preparing: 'preparing',
  /** Ready to be provisioned; power follows spec.online. */
  Available: 'available',
  /** Ironic deploying spec.image. */
  Provisioning: 'provisioning',
  /** Image deployed; power follows spec.online. */
  Provisioned: 'provisioned',
  /** Deployed by something else; only power is managed. */
  ExternallyProvisioned: 'externally provisioned',
  /** Ironic undeploy + automated cleaning. */
  Deprovisioning: 'deprovisioning',
  /** Deletion requested: hard power off before the node goes. */
  PoweringOffBeforeDelete: 'powering off before delete',
  /** Ironic node being deleted; then the finalizer is removed. */
  Deleting: 'deleting',
} as const;
export type ProvisioningState = (typeof ProvisioningState)[keyof typeof ProvisioningState];

export const ALL_STATES: readonly ProvisioningState[] = Object.values(ProvisioningState);

/** States in which nothing runs until the spec asks for something (BMO's "stable" set). */
export const STABLE_STATES: readonly ProvisioningState[] = [
  ProvisioningState.Unmanaged,
  ProvisioningState.Available,
  ProvisioningState.Provisioned,
  ProvisioningState.ExternallyProvisioned,
];

/** Stable states in which spec.online is enforced. */
export const POWER_MANAGED_STATES: readonly ProvisioningState[] = [
  ProvisioningState.Available,
  ProvisioningState.Provisioned,
  ProvisioningState.ExternallyProvisioned,
];

export const isStable = (s: ProvisioningState): boolean => STABLE_STATES.includes(s);

export const ErrorType = {
  ProvisionedRegistration: 'provisioned registration error',
  Registration: 'registration error',
  Inspection: 'inspection error',
  Preparation: 'preparation error',
  Provisioning: 'provisioning error',
  PowerManagement: 'power management error',
  Servicing: 'servicing error',
  Detach: 'detach error',
} as const;
export type ErrorType = (typeof ErrorType)[keyof typeof ErrorType];

export const OperationalStatus = {
  Empty: '',
  OK: 'OK',
  Discovered: 'discovered',
  Error: 'error',
  Delayed: 'delayed',
  Detached: 'detached',
  Servicing: 'servicing',
} as const;
export type OperationalStatus = (typeof OperationalStatus)[keyof typeof OperationalStatus];

/** The five transition functions; the same word names the folder, event type segment and log field. */
export const TRANSITION_NAMES = ['enroll', 'inspect', 'provision', 'power', 'deprovision'] as const;
export type TransitionName = (typeof TRANSITION_NAMES)[number];

/** Finalizer our functions put on every managed BareMetalHost (upstream's name). */
export const HOST_FINALIZER = 'baremetalhost.metal3.io';

/** Host annotations with upstream's names and meanings (one definition: the API's). */
export { HOST_ANNOTATIONS as Annotation } from '../api/constants.ts';
