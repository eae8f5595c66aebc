/**
 * @module k8s/host-store: the Kubernetes seam. Functions read and write
 * BareMetalHosts, Secrets, Events, HardwareData and the firmware kinds only through `HostStore`.
 */
import { randomBytes } from 'node:crypto';
import type { FirmwareSchemaSpec, HostFirmwareComponentsStatus, HostFirmwareSettingsStatus, StoredFirmwareComponents, StoredFirmwareSettings, StoredUpdatePolicy } from '../api/firmware.ts';
import type { HostView } from '../state-machine/host-view.ts';

export const GROUP = 'metal3.io';
export const VERSION = 'v1alpha1';
export const HOSTS = 'baremetalhosts';
export const HARDWARE_DATA = 'hardwaredata';
export const FIRMWARE_SETTINGS = 'hostfirmwaresettings';
export const FIRMWARE_SCHEMAS = 'firmwareschemas';
export const FIRMWARE_COMPONENTS = 'hostfirmwarecomponents';
export const UPDATE_POLICIES = 'hostupdatepolicies';

/** A host as read from the API server: the typed view plus everything else, untouched. */
export type StoredHost = HostView & { apiVersion?: string; kind?: string; status?: Record<string, unknown> & HostView['status'] };

export interface SecretData {
  /** decoded values; callers must `redact.add()` what they treat as secret */
  data: Record<string, string>;
  resourceVersion: string;
  labels?: Record<string, string> | undefined;
}

export interface HostEvent {
  type: 'Normal' | 'Warning';
  /** CamelCase reason, e.g. Registered, RegistrationError */
  reason: string;
  /** what we did, e.g. Enroll */
  action: string;
  /** human-readable, no secrets; ≤ 1 KiB */
  note: string;
}

export interface HostStore {
  /** Throws HostNotFoundError when the host is gone. */
  get(namespace: string, name: string): Promise<StoredHost>;
  /** Every host in the namespace, as the API server has them now (the provisioning limit counts them). */
  listHosts(namespace: string): Promise<StoredHost[]>;
  /**
   * Replaces `status` if and only if the host still has `resourceVersion`
   * (optimistic concurrency; a lost race throws HostConflictError).
   */
  replaceStatus(host: StoredHost, status: Record<string, unknown>): Promise<StoredHost>;
  /** Sets metadata.finalizers under the same optimistic-concurrency rule. */
  setFinalizers(host: StoredHost, finalizers: readonly string[]): Promise<StoredHost>;
  /** Sets or removes (value undefined) annotations under the same rule. */
  setAnnotations(host: StoredHost, annotations: Readonly<Record<string, string | undefined>>): Promise<StoredHost>;
  /**
   * null when the Secret does not exist. Called only with a Secret the host names (its BMC credentials,
   * userData, networkData, metaData), in the host's own namespace; no Secret is ever written.
   */
  readSecret(namespace: string, name: string): Promise<SecretData | null>;
  /** A Kubernetes Event regarding the host; failures are logged, never thrown. */
  recordEvent(host: StoredHost, event: HostEvent): Promise<void>;
  /** Creates or replaces the HardwareData named like the host, owned by it. */
  upsertHardwareData(host: StoredHost, hardware: Record<string, unknown>): Promise<void>;
  /** The HostFirmwareSettings named like the host; null when there is none. */
  getFirmwareSettings(host: StoredHost): Promise<StoredFirmwareSettings | null>;
  /** Writes the HostFirmwareSettings status, creating the object (empty spec, owned by the host) when missing. */
  writeFirmwareSettingsStatus(host: StoredHost, status: HostFirmwareSettingsStatus): Promise<void>;
  /** Creates the FirmwareSchema unless one of that name exists (names are content hashes: same name, same schema). */
  ensureFirmwareSchema(namespace: string, name: string, spec: FirmwareSchemaSpec): Promise<void>;
  /** The HostFirmwareComponents named like the host; null when there is none. */
  getFirmwareComponents(host: StoredHost): Promise<StoredFirmwareComponents | null>;
  /** Writes the HostFirmwareComponents status, creating the object (no updates, owned by the host) when missing. */
  writeFirmwareComponentsStatus(host: StoredHost, status: HostFirmwareComponentsStatus): Promise<void>;
  /** The HostUpdatePolicy named like the host; null when there is none (nothing may change a provisioned host). */
  getUpdatePolicy(host: StoredHost): Promise<StoredUpdatePolicy | null>;
}

/** The owner reference a host's HardwareData and HostFirmwareSettings carry (upstream: the host controls them). */
export function hostOwnerReferences(host: StoredHost): { apiVersion: string; kind: string; name: string; uid: string; controller: boolean }[] {
  return host.metadata.uid ? [{ apiVersion: `${GROUP}/${VERSION}`, kind: 'BareMetalHost', name: host.metadata.name, uid: host.metadata.uid, controller: true }] : [];
}

/** The HardwareData object for a host: same name, owned (controller) by the host, as upstream. */
export function hardwareDataFor(host: StoredHost, hardware: Record<string, unknown>): { apiVersion: string; kind: string; metadata: { name: string; namespace: string; ownerReferences: object[] }; spec: { hardware: Record<string, unknown> } } {
  const namespace = host.metadata.namespace ?? 'default';
  const name = host.metadata.name;
  return {
    apiVersion: `${GROUP}/${VERSION}`,
    kind: 'HardwareData',
    metadata: {
      name, namespace,
      ownerReferences: hostOwnerReferences(host),
    },
    spec: { hardware },
  };
}

/**
 * `<host>.<hex nanoseconds><4 random hex>`, as client-go's recorders name Events (`%v.%x`); an explicit
 * name, because a real apiserver refuses `generateName: "<host>."` (only a trailing `-` is allowed to
 * end a generateName). The random part keeps two replicas recording in the same instant apart.
 */
export function eventNameFor(hostName: string, at: Date): string {
  const suffix = `${(BigInt(at.getTime()) * 1_000_000n).toString(16)}${randomBytes(2).toString('hex')}`;
  // a valid subdomain stays one when cut short, once a trailing '.' or '-' is dropped
  const room = 253 - suffix.length - 1;
  const head = hostName.length <= room ? hostName : hostName.slice(0, room).replace(/[.-]+$/, '');
  return `${head}.${suffix}`;
}

/**
 * The events.k8s.io/v1 Event about a host. `eventTime` is whatever the transport serialises as a MicroTime
 * (6 fractional digits: a JS Date's 3 are refused by the API server).
 */
export function kubeEventFor<T>(host: StoredHost, ev: HostEvent, o: { eventTime: T; at: Date; controller: string; instance: string }) {
  const namespace = host.metadata.namespace ?? 'default';
  return {
    apiVersion: 'events.k8s.io/v1',
    kind: 'Event',
    metadata: { name: eventNameFor(host.metadata.name, o.at), namespace },
    eventTime: o.eventTime,
    type: ev.type,
    reason: ev.reason,
    action: ev.action,
    note: ev.note.slice(0, 1024),
    reportingController: o.controller,
    reportingInstance: o.instance,
    regarding: {
      apiVersion: `${GROUP}/${VERSION}`, kind: 'BareMetalHost', name: host.metadata.name, namespace,
      ...(host.metadata.uid ? { uid: host.metadata.uid } : {}),
      ...(host.metadata.resourceVersion ? { resourceVersion: host.metadata.resourceVersion } : {}),
    },
  };
}
