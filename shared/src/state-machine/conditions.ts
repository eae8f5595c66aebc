/**
 * @module state-machine/conditions: the named, pure predicates the transition
 * table's `when` column refers to. Each reads only the BareMetalHost.
 */
import type { HostView } from './host-view.ts';
import { Annotation } from './states.ts';

/** Upstream `--max-provisioning-retries` default: provisioning stops being retried after this many failures. */
export const MAX_PROVISIONING_RETRIES = 5;

const inspectAnnotation = (h: HostView): string | undefined => h.metadata.annotations?.[Annotation.Inspect];

export const Conditions = {
  /** always true: the default edge */
  always: (_h: HostView) => true,
  /** `kubectl delete` was issued: metadata.deletionTimestamp is set */
  deleting: (h: HostView) => Boolean(h.metadata.deletionTimestamp),
  /** spec.bmc names an address (upstream: address or credentialsName non-empty) */
  hasBmc: (h: HostView) => Boolean(h.spec.bmc?.address || h.spec.bmc?.credentialsName),
  noBmc: (h: HostView) => !(h.spec.bmc?.address || h.spec.bmc?.credentialsName),
  externallyProvisioned: (h: HostView) => h.spec.externallyProvisioned === true,
  notExternallyProvisioned: (h: HostView) => h.spec.externallyProvisioned !== true,
  /** spec.inspectionMode disabled, or the deprecated `inspect.metal3.io: disabled` annotation */
  inspectionDisabled: (h: HostView) => h.spec.inspectionMode === 'disabled' || inspectAnnotation(h) === 'disabled',
  /** `inspect.metal3.io` present with another value: re-inspect an available host */
  inspectRequested: (h: HostView) => {
    const a = inspectAnnotation(h);
    return a !== undefined && a !== 'disabled';
  },
  /** online, an image to deploy, nothing deployed yet, and retries left */
  wantsProvisioning: (h: HostView) =>
    h.spec.online &&
    Boolean(h.spec.image?.url) &&
    !h.spec.externallyProvisioned &&
    (h.status?.provisioningFailCount ?? 0) < MAX_PROVISIONING_RETRIES,
  /** the image being (or last) deployed is no longer what spec.image asks for */
  provisioningCancelled: (h: HostView) => {
    const deployed = h.status?.provisioning?.image?.url || h.status?.lastAttemptedImage?.url;
    return (h.spec.image?.url ?? '') !== (deployed ?? '');
  },
  /** spec.online disagrees with the power state Ironic reports */
  powerMismatch: (h: HostView) => h.status?.poweredOn !== h.spec.online,
} as const satisfies Record<string, (h: HostView) => boolean>;

export type ConditionName = keyof typeof Conditions;
