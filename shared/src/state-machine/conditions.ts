/**
 * @module state-machine/conditions: the named, pure predicates the transition
 * table's `when` column refers to. Each reads only the BareMetalHost.
 */
import { raidChangeRequested } from '../raid/plan.ts';
import type { HostView } from './host-view.ts';
import { Annotation } from './states.ts';

/**
 * Facts observed outside Kubernetes that may make work due: a hint only. The
 * function that wakes up re-reads Ironic before it acts on anything.
 */
export interface GuardFacts {
  /** Ironic's power_state for the host's node, when an event reported it */
  nodePowerState?: string | null | undefined;
  /** resourceVersion of the host's BMC credentials Secret, when the watcher saw it */
  credentialsVersion?: string | undefined;
  /** the host's HostFirmwareSettings asks for settings the host does not have (and were not found invalid) */
  firmwareChangeRequested?: boolean | undefined;
  /** the host's HostUpdatePolicy lets firmware settings change while it is provisioned */
  servicingAllowed?: boolean | undefined;
}

/** Upstream `--max-provisioning-retries` default: provisioning stops being retried after this many failures. */
export const MAX_PROVISIONING_RETRIES = 5;

const inspectAnnotation = (h: HostView): string | undefined => h.metadata.annotations?.[Annotation.Inspect];

/** `baremetalhost.metal3.io/detached`: `undefined` when absent; any other value detaches (upstream ignores a bad value). */
export function detachAnnotation(h: HostView): { deleteAction: 'delete' | 'delay' } | undefined {
  const raw = h.metadata.annotations?.[Annotation.Detached];
  if (raw === undefined) return undefined;
  try {
    const parsed = JSON.parse(raw) as { deleteAction?: unknown };
    return { deleteAction: parsed?.deleteAction === 'delay' ? 'delay' : 'delete' };
  } catch {
    return { deleteAction: 'delete' };
  }
}

/** What the `reboot.metal3.io[/<key>]` annotations ask for, merged as upstream does. */
export interface RebootRequest {
  /** `hard` when any annotation asks for it; otherwise `soft` (also for an empty or unparsable value) */
  mode: 'hard' | 'soft';
  /** some annotation set `force: true` */
  force: boolean;
  /** the suffix-less `reboot.metal3.io` is present: removed once the host is off (a one-shot reboot) */
  oneShot: boolean;
  /** `reboot.metal3.io/<key>` annotations: the host stays off until every one is removed */
  heldBy: string[];
}

/** The keys of the host's `reboot.metal3.io[/<key>]` annotations. */
export function rebootAnnotationKeys(h: HostView): string[] {
  const prefix = Annotation.RebootPrefix;
  return Object.keys(h.metadata.annotations ?? {}).filter((k) => k === prefix || k.startsWith(`${prefix}/`));
}

/** Removes every reboot annotation: a reboot asked before a (de)provisioning is void after it (upstream). */
export function clearRebootAnnotations(h: HostView): Record<string, undefined> | undefined {
  const keys = rebootAnnotationKeys(h);
  return keys.length > 0 ? Object.fromEntries(keys.map((k) => [k, undefined])) : undefined;
}

/** The reboot annotations on the host; `undefined` when there are none. */
export function rebootRequest(h: HostView): RebootRequest | undefined {
  const prefix = Annotation.RebootPrefix;
  const keys = new Set(rebootAnnotationKeys(h));
  const found = Object.entries(h.metadata.annotations ?? {}).filter(([k]) => keys.has(k));
  if (found.length === 0) return undefined;
  const args = found.map(([, v]) => {
    if (v === '') return {};
    try {
      const parsed = JSON.parse(v) as { mode?: unknown; force?: unknown } | null;
      return parsed && typeof parsed === 'object' ? parsed : {};
    } catch {
      return {};
    }
  });
  return {
    mode: args.some((a) => a.mode === 'hard') ? 'hard' : 'soft',
    force: args.some((a) => a.force === true),
    oneShot: found.some(([k]) => k === prefix),
    heldBy: found.map(([k]) => k).filter((k) => k !== prefix),
  };
}

/** Reboot annotations power a host off only once it is provisioned (upstream manageHostPower). */
const REBOOTABLE = new Set<string>(['provisioned', 'externally provisioned']);

/** The keyed reboot annotations a host with spec.disablePowerOff was already rebooted for. */
export function rebootsServed(h: HostView): string[] {
  const raw = h.metadata.annotations?.[Annotation.RebootsServed];
  if (raw === undefined) return [];
  try {
    const parsed = JSON.parse(raw) as unknown;
    return Array.isArray(parsed) ? parsed.filter((k): k is string => typeof k === 'string') : [];
  } catch {
    return [];
  }
}

/** spec.disablePowerOff: a reboot is owed (one-shot, or a key not yet served), or the served record is stale. */
function rebootInsteadPending(h: HostView, reboot: RebootRequest | undefined): boolean {
  const served = rebootsServed(h);
  if (!reboot || !isRebootable(h)) return served.length > 0;
  return reboot.oneShot || reboot.heldBy.some((k) => !served.includes(k)) || served.some((k) => !reboot.heldBy.includes(k));
}

/** Reboot annotations act on provisioned hosts only (upstream manageHostPower). */
export const isRebootable = (h: HostView): boolean => REBOOTABLE.has(h.status?.provisioning?.state ?? '');

/**
 * The power the host should have: off while a reboot annotation is on a provisioned host, else
 * spec.online. A host with spec.disablePowerOff is never off: it reboots instead.
 */
export function desiredPoweredOn(h: HostView): boolean {
  if (h.spec?.disablePowerOff !== true && rebootRequest(h) && isRebootable(h)) return false;
  return h.spec?.online === true;
}

/** Ironic has let go of the host (status.operationalStatus `detached`): nothing but a delete or a re-attach touches it. */
export const isDetached = (h: HostView): boolean => h.status?.operationalStatus === 'detached';

/** What a deploy puts on the host: the image URL and the custom deploy step, either may be empty. */
export const deployTargetOf = (image: { url?: string | undefined } | undefined, customDeploy: { method?: string | undefined } | undefined): string =>
  JSON.stringify([image?.url ?? '', customDeploy?.method ?? '']);

export const Conditions = {
  /** always true: the default edge */
  always: (_h: HostView) => true,
  /** `kubectl delete` was issued: metadata.deletionTimestamp is set */
  deleting: (h: HostView, _f: GuardFacts = {}) => Boolean(h.metadata.deletionTimestamp),
  /** a detached host is deleted: the finalizer goes without deprovisioning or powering off (unless deleteAction is delay) */
  deletingDetached: (h: HostView, _f: GuardFacts = {}) => Boolean(h.metadata.deletionTimestamp) && isDetached(h) && detachAnnotation(h)?.deleteAction !== 'delay',
  /** the detached annotation is set on a host Ironic still manages */
  detachRequested: (h: HostView, _f: GuardFacts = {}) => detachAnnotation(h) !== undefined && !isDetached(h),
  /**
   * Ironic does not know the host although its state says it should: the detached annotation was removed,
   * or its status was restored from `baremetalhost.metal3.io/status` (which marks it detached until then)
   */
  registrationLost: (h: HostView, _f: GuardFacts = {}) => detachAnnotation(h) === undefined && isDetached(h),
  /** spec.bmc names an address (upstream: address or credentialsName non-empty) */
  hasBmc: (h: HostView, _f: GuardFacts = {}) => Boolean(h.spec?.bmc?.address || h.spec?.bmc?.credentialsName),
  noBmc: (h: HostView, _f: GuardFacts = {}) => !(h.spec?.bmc?.address || h.spec?.bmc?.credentialsName),
  externallyProvisioned: (h: HostView, _f: GuardFacts = {}) => h.spec?.externallyProvisioned === true,
  notExternallyProvisioned: (h: HostView, _f: GuardFacts = {}) => h.spec?.externallyProvisioned !== true,
  /** spec.inspectionMode disabled, or the deprecated `inspect.metal3.io: disabled` annotation */
  inspectionDisabled: (h: HostView, _f: GuardFacts = {}) => h.spec?.inspectionMode === 'disabled' || inspectAnnotation(h) === 'disabled',
  /** `inspect.metal3.io` present with another value: re-inspect an available host */
  inspectRequested: (h: HostView, _f: GuardFacts = {}) => {
    const a = inspectAnnotation(h);
    return a !== undefined && a !== 'disabled';
  },
  /** online, an image or a custom deploy step to deploy, nothing deployed yet, and retries left */
  wantsProvisioning: (h: HostView, _f: GuardFacts = {}) =>
    h.spec?.online === true &&
    Boolean(h.spec?.image?.url || h.spec?.customDeploy?.method) &&
    !h.spec?.externallyProvisioned &&
    (h.status?.provisioningFailCount ?? 0) < MAX_PROVISIONING_RETRIES,
  /** what is being (or was last) deployed, image and custom deploy step, is no longer what the spec asks for */
  provisioningCancelled: (h: HostView, _f: GuardFacts = {}) => {
    const done = h.status?.provisioning;
    const deployed = done?.image?.url || done?.customDeploy?.method
      ? deployTargetOf(done.image, done.customDeploy)
      : deployTargetOf(h.status?.lastAttemptedImage, h.status?.lastAttemptedCustomDeploy);
    return deployTargetOf(h.spec?.image, h.spec?.customDeploy) !== deployed;
  },
  /** the BMC credentials Secret changed since Ironic last got them (BMO: goodCredentials ≠ Secret) */
  credentialsChanged: (h: HostView, f: GuardFacts = {}) => {
    const good = (h.status as { goodCredentials?: { credentialsVersion?: string } } | undefined)?.goodCredentials?.credentialsVersion;
    return f.credentialsVersion !== undefined && good !== undefined && good !== f.credentialsVersion;
  },
  /** spec.online disagrees with the power state Ironic reports */
  /**
   * a reboot annotation is to act: a provisioned host still on is powered off, and a one-shot
   * `reboot.metal3.io` on a host that is off is removed (so the host comes back as spec.online says)
   */
  rebootRequested: (h: HostView, _f: GuardFacts = {}) => {
    const reboot = rebootRequest(h);
    if (h.spec?.disablePowerOff === true) return rebootInsteadPending(h, reboot);
    if (!reboot) return false;
    if (h.status?.poweredOn === false) return reboot.oneShot;
    return REBOOTABLE.has(h.status?.provisioning?.state ?? '');
  },
  /**
   * the host was delayed by the provisioning limit, and what it waited for is no longer asked (intents come
   * first, so none holds): upstream clears `delayed` as soon as it looks again
   */
  delayLifted: (h: HostView, _f: GuardFacts = {}) => h.status?.operationalStatus === 'delayed',
  /** spec.raid asks for volumes status.provisioning.raid does not record as built (upstream: provisioning settings dirty) */
  raidChangeRequested: (h: HostView, _f: GuardFacts = {}) => raidChangeRequested(h.spec?.raid, h.status?.provisioning?.raid),
  /** the HostFirmwareSettings spec asks for BIOS settings the host does not have (upstream: ChangeDetected and Valid) */
  firmwareChangeRequested: (_h: HostView, f: GuardFacts = {}) => f.firmwareChangeRequested === true,
  /**
   * servicing (upstream's "live updates"): a provisioned host that is off and should come on (a reboot) gets the
   * settings its HostUpdatePolicy allows first; once started it runs (and a servicing error is dealt with) to the end
   */
  servicingRequested: (h: HostView, f: GuardFacts = {}) =>
    h.status?.operationalStatus === 'servicing' || h.status?.errorType === 'servicing error' ||
    (h.status?.poweredOn === false && desiredPoweredOn(h) && f.firmwareChangeRequested === true && f.servicingAllowed === true),
  /** the power the host should have (spec.online, off during a reboot) disagrees with what Ironic reports */
  powerMismatch: (h: HostView, f: GuardFacts = {}) =>
    h.status?.poweredOn !== desiredPoweredOn(h) ||
    // Ironic says the power differs from what status shows (changed behind our back)
    (f.nodePowerState !== undefined && f.nodePowerState !== null && (f.nodePowerState === 'power on') !== h.status?.poweredOn),
} as const satisfies Record<string, (h: HostView, f?: GuardFacts) => boolean>;

export type ConditionName = keyof typeof Conditions;

/** The conditions that read the firmware facts: only events for their edges carry the `firmwareChange` hint. */
export const FIRMWARE_CONDITIONS: readonly ConditionName[] = ['firmwareChangeRequested', 'servicingRequested'];
