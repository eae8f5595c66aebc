/**
 * @module api/constants: the closed wire vocabulary of the `metal3.io/v1alpha1`
 * API, with upstream Metal³'s exact strings (baremetal-operator
 * `apis/metal3.io/v1alpha1/baremetalhost_types.go`).
 *
 * These are the values the *API* accepts, a superset of what our state machine
 * writes: legacy states such as `match profile` and `ready` are still valid on
 * the wire, so objects written by upstream's operator parse.
 */

export const API_GROUP = 'metal3.io';
export const API_VERSION = 'v1alpha1';
export const API_GROUP_VERSION = `${API_GROUP}/${API_VERSION}`;

/** Every `status.provisioning.state` upstream defines, in lifecycle order. */
export const PROVISIONING_STATES = [
  '', // none: just created
  'unmanaged', // no BMC details
  'registering', // Ironic node created, BMC credentials verified
  'match profile', // legacy: goes straight on to preparing
  'preparing', // manual cleaning (RAID, BIOS, firmware)
  'ready', // deprecated alias of available
  'available', // ready to provision
  'provisioning', // deploying spec.image
  'provisioned', // image deployed
  'externally provisioned', // deployed by something else; power only
  'deprovisioning', // undeploy + cleaning
  'inspecting', // collecting hardware inventory
  'powering off before delete', // deletion: power off first
  'deleting', // Ironic node being deleted
] as const;
export type ProvisioningStateValue = (typeof PROVISIONING_STATES)[number];

/** `status.operationalStatus`; `discovered` = no BMC details, `delayed` = capacity limit, `servicing` = live updates. */
export const OPERATIONAL_STATUSES = ['', 'OK', 'discovered', 'error', 'delayed', 'detached', 'servicing'] as const;
export type OperationalStatusValue = (typeof OPERATIONAL_STATUSES)[number];

/**
 * `status.errorType`. Upstream's enum plus `""`, so a status write may clear the
 * field explicitly (upstream never serialises the empty value, so accepting it
 * changes nothing for upstream objects).
 */
export const ERROR_TYPES = [
  '',
  'provisioned registration error',
  'registration error',
  'inspection error',
  'preparation error',
  'provisioning error',
  'power management error',
  'servicing error',
  'detach error',
] as const;
export type ErrorTypeValue = (typeof ERROR_TYPES)[number];

export const BOOT_MODES = ['UEFI', 'UEFISecureBoot', 'legacy'] as const;
export type BootModeValue = (typeof BOOT_MODES)[number];
export const DEFAULT_BOOT_MODE: BootModeValue = 'UEFI';

export const CHECKSUM_TYPES = ['md5', 'sha256', 'sha512', 'auto'] as const;
export const IMAGE_FORMATS = ['raw', 'qcow2', 'vdi', 'vmdk', 'live-iso'] as const;
export type ImageFormatValue = (typeof IMAGE_FORMATS)[number];

export const AUTOMATED_CLEANING_MODES = ['metadata', 'disabled'] as const;
export const DEFAULT_AUTOMATED_CLEANING_MODE = 'metadata';

/** `fast` = out-of-band Redfish inventory without booting a ramdisk (upstream v0.14). */
export const INSPECTION_MODES = ['disabled', 'agent', 'fast'] as const;

export const HARDWARE_RAID_LEVELS = ['0', '1', '2', '5', '6', '1+0', '5+0', '6+0'] as const;
export const SOFTWARE_RAID_LEVELS = ['0', '1', '1+0'] as const;

export const STORAGE_TYPES = ['HDD', 'SSD', 'NVME'] as const;

/** metav1.Condition status values. */
export const CONDITION_STATUSES = ['True', 'False', 'Unknown'] as const;

/** Condition types upstream sets on a BareMetalHost (v0.13+); other types are accepted too. */
export const HOST_CONDITION_TYPES = [
  'Manageable',
  'Provisioned',
  'Ready',
  'AvailableForProvisioning',
  'Progressing',
  'Healthy',
] as const;

export const HOST_FINALIZERS = {
  /** On every BareMetalHost until its Ironic node is gone. */
  Host: 'baremetalhost.metal3.io',
  /** On the HardwareData named after the host. */
  HardwareData: 'baremetalhost.metal3.io/hardwareData',
  /** On BMC credential and network-data Secrets the host uses. */
  Secret: 'baremetalhost.metal3.io/secret',
  /** On the host's PreprovisioningImage. */
  PreprovisioningImage: 'baremetalhost.metal3.io/preprovisioningImage',
} as const;

export const HOST_ANNOTATIONS = {
  /** Any value: reconciling stops until removed. */
  Paused: 'baremetalhost.metal3.io/paused',
  /** `""` or `{"deleteAction":"delay"|"delete","force":bool}`: drop the Ironic node without deprovisioning. */
  Detached: 'baremetalhost.metal3.io/detached',
  /** JSON of `.status`, restored into a fresh object (pivoting). */
  Status: 'baremetalhost.metal3.io/status',
  /** `""` re-inspects an available host; `disabled` (deprecated) disables inspection. */
  Inspect: 'inspect.metal3.io',
  /** JSON HardwareDetails copied into status.hardware when inspection is disabled. */
  HardwareDetails: 'inspect.metal3.io/hardwaredetails',
  /** `reboot.metal3.io` or `reboot.metal3.io/<key>`: `""` or `{"mode":"hard"|"soft","force":bool}`. */
  RebootPrefix: 'reboot.metal3.io',
  /**
   * Ours (no upstream meaning): JSON list of the keyed reboot annotations a host with
   * spec.disablePowerOff was already rebooted for, so each causes one reboot, not one per look.
   */
  RebootsServed: 'metal3-functions.io/reboots-served',
} as const;

export const HOST_LABELS = {
  /** Upstream labels the Secrets it acquires with this, value `baremetal`. */
  SecretEnvironment: 'environment.metal3.io',
} as const;

export interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  jsonPath: string;
  description: string;
  /** 1 = shown only with `-o wide` */
  priority?: number;
}

/** `kubectl get bmh` columns, exactly as upstream (Status and BMC only in `-o wide`). */
export const HOST_PRINTER_COLUMNS: readonly PrinterColumn[] = [
  { name: 'Status', type: 'string', jsonPath: '.status.operationalStatus', description: 'Operational status', priority: 1 },
  { name: 'State', type: 'string', jsonPath: '.status.provisioning.state', description: 'Provisioning status' },
  { name: 'Consumer', type: 'string', jsonPath: '.spec.consumerRef.name', description: 'Consumer using this host' },
  { name: 'BMC', type: 'string', jsonPath: '.spec.bmc.address', description: 'Address of management controller', priority: 1 },
  { name: 'Online', type: 'string', jsonPath: '.spec.online', description: 'Whether the host is online or not' },
  { name: 'Error', type: 'string', jsonPath: '.status.errorType', description: 'Type of the most recent error' },
  { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp', description: 'Time duration since creation of BaremetalHost' },
];

export const HARDWARE_DATA_PRINTER_COLUMNS: readonly PrinterColumn[] = [
  { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp', description: 'Time duration since creation of HardwareData' },
];

/** `kubectl get hostclaims` columns: phase, the bound host's state and name. */
export const HOST_CLAIM_PRINTER_COLUMNS: readonly PrinterColumn[] = [
  { name: 'Phase', type: 'string', jsonPath: '.status.phase', description: 'Pending, Bound or Releasing' },
  { name: 'State', type: 'string', jsonPath: '.status.state', description: 'Provisioning state of the bound host' },
  { name: 'Host', type: 'string', jsonPath: '.status.bareMetalHost.name', description: 'The bound BareMetalHost', priority: 1 },
  { name: 'Online', type: 'string', jsonPath: '.spec.online', description: 'Whether the host should be powered on' },
  { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp', description: 'Time duration since creation of HostClaim' },
];

export const HOST_DEPLOY_POLICY_PRINTER_COLUMNS: readonly PrinterColumn[] = [
  { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp', description: 'Time duration since creation of HostDeployPolicy' },
];

/** `kubectl get` columns of the firmware kinds: only the age, as upstream. */
export const AGE_ONLY_PRINTER_COLUMNS = (kind: string): readonly PrinterColumn[] => [
  { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp', description: `Time duration since creation of ${kind}` },
];
