/**
 * @module api/baremetalhost: the BareMetalHost `metal3.io/v1alpha1` schema, the
 * one source of both our TypeScript types and the CRD's `openAPIV3Schema`.
 *
 * Every upstream spec and status field is here with upstream's name, type and
 * enum, including those we do not act on yet (see `unsupported-fields.ts`).
 * Rules a structural schema cannot express live in `validate-host.ts`.
 */
import * as z from 'zod';
import {
  ConditionSchema,
  CRD_REQUIRED,
  dateTime,
  hardwareAddress,
  macAddress,
  ObjectMetaSchema,
  ObjectReferenceSchema,
  SecretReferenceSchema,
  TaintSchema,
} from './common.ts';
import {
  API_GROUP_VERSION,
  AUTOMATED_CLEANING_MODES,
  BOOT_MODES,
  CHECKSUM_TYPES,
  ERROR_TYPES,
  HARDWARE_RAID_LEVELS,
  IMAGE_FORMATS,
  INSPECTION_MODES,
  OPERATIONAL_STATUSES,
  PROVISIONING_STATES,
  SOFTWARE_RAID_LEVELS,
} from './constants.ts';
import { HardwareDetailsSchema } from './hardware-details.ts';

export { HardwareDetailsSchema, type HardwareDetails } from './hardware-details.ts';

// ---- spec building blocks ---------------------------------------------------

export const BmcDetailsSchema = z.object({
  address: z
    .string()
    .describe('URL of the BMC; the scheme selects the driver (ipmi://, redfish://, redfish-virtualmedia://, idrac-virtualmedia://, ...). A bare host[:port] means IPMI.'),
  credentialsName: z.string().describe('Secret in the same namespace with keys "username" and "password".'),
  disableCertificateVerification: z
    .boolean()
    .optional()
    .describe('Skip TLS verification of the BMC (self-signed certificates). Insecure.'),
});

export const RootDeviceHintsSchema = z.object({
  deviceName: z.string().optional().describe('Linux device name under /dev/, e.g. /dev/sda or /dev/disk/by-path/...; exact match.'),
  hctl: z.string().optional().describe('SCSI address like 0:0:0:0; exact match.'),
  model: z.string().optional().describe('Device model; substring match.'),
  vendor: z.string().optional().describe('Device vendor; substring match.'),
  serialNumber: z.string().optional().describe('Device serial number; exact match.'),
  minSizeGigabytes: z.int().min(0).optional().describe('Smallest acceptable size in GB.'),
  wwn: z.string().optional().describe('World wide name; exact match.'),
  wwnWithExtension: z.string().optional().describe('WWN with vendor extension; exact match.'),
  wwnVendorExtension: z.string().optional().describe('WWN vendor extension; exact match.'),
  rotational: z.boolean().optional().describe('true for spinning media, false for solid state.'),
});
export type RootDeviceHints = z.infer<typeof RootDeviceHintsSchema>;

export const ImageSchema = z.object({
  url: z.string().describe('Where the image is downloaded from (http(s):// or oci://). Setting it provisions the host.'),
  checksum: z.string().optional().describe('Checksum value or URL of a checksum file. Required unless format is live-iso or the URL is oci://.'),
  checksumType: z.enum(CHECKSUM_TYPES).optional().describe('md5, sha256, sha512, or auto to detect it.'),
  format: z.enum(IMAGE_FORMATS).optional().describe('Disk format; live-iso boots the ISO instead of writing it to disk.'),
  ociAuthSecretName: z.string().optional().describe('dockerconfigjson Secret with registry credentials for oci:// images.'),
});
export type Image = z.infer<typeof ImageSchema>;

export const HardwareRaidVolumeSchema = z.object({
  sizeGibibytes: z.int().min(0).optional().describe('Size in GiB; 0 or unset uses the maximum.'),
  level: z.enum(HARDWARE_RAID_LEVELS).describe('RAID level: 0, 1, 2, 5, 6, 1+0, 5+0 or 6+0.'),
  name: z.string().max(64).optional().describe('Volume name, unique on the node.'),
  rotational: z.boolean().optional().describe('Use only rotational (true) or solid-state (false) disks.'),
  numberOfPhysicalDisks: z.int().min(1).optional().describe('Number of physical disks; defaults to the level\'s minimum.'),
  controller: z.string().optional().describe('RAID controller to use.'),
  physicalDisks: z.array(z.string()).optional().describe('Controller-specific physical disk names; needs controller.'),
});

export const SoftwareRaidVolumeSchema = z.object({
  rootVolume: z.boolean().default(false).describe('The installer takes this volume as the root device; at most one volume may set it.'),
  sizeGibibytes: z.int().min(0).optional().describe('Size in GiB; 0 or unset uses the maximum.'),
  level: z.enum(SOFTWARE_RAID_LEVELS).describe('RAID level: 0, 1 or 1+0; the first volume must be 1.'),
  physicalDisks: z.array(RootDeviceHintsSchema).min(2).optional().describe('Device hints for the member disks (at least 2).'),
});

export const RaidSchema = z.object({
  hardwareRAIDVolumes: z.array(HardwareRaidVolumeSchema).nullable().optional().describe('Hardware RAID volumes; [] clears the configuration.'),
  softwareRAIDVolumes: z
    .array(SoftwareRaidVolumeSchema)
    .max(2)
    .nullable()
    .optional()
    .describe('One or two software RAID volumes; exclusive with hardware RAID.'),
});

export const FirmwareConfigSchema = z.object({
  virtualizationEnabled: z.boolean().optional(),
  simultaneousMultithreadingEnabled: z.boolean().optional(),
  sriovEnabled: z.boolean().optional(),
});

export const CustomDeploySchema = z.object({
  method: z.string().describe('Deploy step name provided by a site-specific deploy ramdisk.'),
});

/** Upstream's NetworkInterface name pattern (`^[a-zA-Z0-9._-]+$`). */
export const INTERFACE_NAME_PATTERN = /^[a-zA-Z0-9._-]+$/;

export const SwitchPortIdentifierSchema = z.object({
  switchID: macAddress().describe('Management MAC address of the switch.'),
  portID: z.string().describe('Configuration name of the port in the switch management system.'),
  switchSystemName: z.string().optional().describe('Common name of the switch.'),
});

export const NetworkInterfaceSchema = z.object({
  name: z.string().regex(INTERFACE_NAME_PATTERN, 'must be an interface name like eno1 (letters, digits, ".", "_", "-")').optional()
    .describe('Interface name, as found by inspection; exclusive with macAddress.'),
  macAddress: macAddress().optional().describe('Interface MAC address, as found by inspection; exclusive with name.'),
  hostNetworkAttachment: z
    .object({
      name: z.string().max(253).optional().describe('Name of the HostNetworkAttachment.'),
      namespace: z.string().max(63).optional().describe('Its namespace (defaults to the host\'s).'),
    })
    .describe('HostNetworkAttachment describing the switch-port intent.'),
  switchPort: SwitchPortIdentifierSchema.optional().describe('Switch and port the interface is cabled to (overrides LLDP).'),
});

// ---- spec ----------------------------------------------------------------------

export const BareMetalHostSpecSchema = z
  .object({
    bmc: BmcDetailsSchema.optional().describe('How to reach the host\'s baseboard management controller.'),
    bootMACAddress: hardwareAddress()
      .optional()
      .describe('MAC of the NIC the host provisions through (never the BMC\'s). Immutable once set.'),
    bootMode: z.enum(BOOT_MODES).optional().describe('UEFI (default), UEFISecureBoot, or legacy.'),
    online: z.boolean().describe('Whether the host should be powered on.'),
    image: ImageSchema.optional().describe('Image to provision; setting it starts provisioning, clearing it deprovisions.'),
    customDeploy: CustomDeploySchema.optional().describe('Custom deploy step instead of an image (advanced).'),
    userData: SecretReferenceSchema.optional().describe('Secret (key userData or value) passed to the host as config-drive user data.'),
    networkData: SecretReferenceSchema.optional().describe('Secret (key networkData or value) passed as config-drive network data.'),
    metaData: SecretReferenceSchema.optional().describe('Secret (key metaData or value) merged over the generated config-drive meta data.'),
    preprovisioningNetworkDataName: z.string().optional().describe('Secret with network data for the deploy ramdisk.'),
    rootDeviceHints: RootDeviceHintsSchema.optional().describe('How to choose the disk the image is written to.'),
    raid: RaidSchema.optional().describe('RAID volumes to build before provisioning.'),
    firmware: FirmwareConfigSchema.optional().describe('Deprecated: use HostFirmwareSettings.'),
    externallyProvisioned: z.boolean().optional().describe('Something else deployed the host; only power is managed.'),
    automatedCleaningMode: z
      .enum(AUTOMATED_CLEANING_MODES)
      .default('metadata')
      .describe('metadata (default) wipes disk metadata before and after provisioning; disabled skips it.'),
    consumerRef: ObjectReferenceSchema.optional().describe('What is using the host (e.g. a Metal3Machine); set means "in use".'),
    hardwareProfile: z.string().optional().describe('Deprecated hardware profile name.'),
    description: z.string().optional().describe('Free text to help identify the host.'),
    taints: z.array(TaintSchema).optional().describe('Deprecated, never implemented upstream.'),
    architecture: z.string().optional().describe('CPU architecture (x86_64, aarch64); filled in by inspection when unset.'),
    disablePowerOff: z.boolean().optional().describe('Reboot instead of powering off; cannot be combined with online: false.'),
    inspectionMode: z
      .enum(INSPECTION_MODES)
      .optional()
      .describe('disabled: no inspection; agent: boot the inspection ramdisk; fast: out-of-band Redfish inventory.'),
    networkInterfaces: z.array(NetworkInterfaceSchema).optional().describe('Switch-port configuration per host NIC.'),
  })
  .describe('Desired state of the BareMetalHost.');
export type BareMetalHostSpec = z.infer<typeof BareMetalHostSpecSchema>;
/** What a user may write: defaulted fields are optional. */
export type BareMetalHostSpecInput = z.input<typeof BareMetalHostSpecSchema>;

// ---- status --------------------------------------------------------------------

export const CredentialsStatusSchema = z.object({
  credentials: SecretReferenceSchema.optional().describe('The credentials Secret.'),
  credentialsVersion: z.string().optional().describe('resourceVersion of the Secret.'),
});

export const OperationMetricSchema = z.object({
  start: dateTime().nullable().optional(),
  end: dateTime().nullable().optional(),
});

export const OperationHistorySchema = z.object({
  register: OperationMetricSchema.optional(),
  inspect: OperationMetricSchema.optional(),
  provision: OperationMetricSchema.optional(),
  deprovision: OperationMetricSchema.optional(),
});

export const DeployRequestSchema = z.object({
  image: z.string().describe('URL of the image whose deploy was requested.'),
  attempt: z.int().min(0).describe('provisioningFailCount when it was requested.'),
  at: dateTime().describe('When it was requested.'),
});

export const ProvisionStatusSchema = z.object({
  state: z.enum(PROVISIONING_STATES).describe('What the provisioner is doing with the host.'),
  ID: z.string().describe('Ironic node UUID.'),
  image: ImageSchema.optional().describe('Image last provisioned successfully.'),
  rootDeviceHints: RootDeviceHintsSchema.optional().describe('Root device hints applied.'),
  bootMode: z.enum(BOOT_MODES).optional().describe('Boot mode used to provision.'),
  raid: RaidSchema.optional().describe('RAID configuration applied.'),
  firmware: FirmwareConfigSchema.optional().describe('Firmware settings applied (deprecated, always empty).'),
  customDeploy: CustomDeploySchema.optional().describe('Custom deploy applied.'),
});

export const BareMetalHostStatusSchema = z
  .object({
    operationalStatus: z.enum(OPERATIONAL_STATUSES).describe('OK, discovered, error, delayed, detached or servicing.'),
    errorType: z.enum(ERROR_TYPES).optional().describe('Class of the last failure, set while operationalStatus is error.'),
    errorMessage: z.string().describe('Last error message from the provisioning backend.'),
    errorCount: z.int().default(0).meta({ [CRD_REQUIRED]: true }).describe('Errors since the last success; drives the backoff.'),
    provisioningFailCount: z
      .int()
      .default(0)
      .meta({ [CRD_REQUIRED]: true })
      .describe('Failed provisioning attempts in a row for the same image.'),
    lastAttemptedImage: ImageSchema.optional().describe('Image of the current or last provisioning attempt.'),
    lastAttemptedCustomDeploy: CustomDeploySchema.optional().describe('metal3-functions only: the custom deploy step of the current or last provisioning attempt.'),
    deployRequest: DeployRequestSchema.optional().describe('metal3-functions only: the deploy request of the current attempt, recorded (resourceVersion-checked) just before it is sent, so duplicate deliveries never send a second one.'),
    provisioning: ProvisionStatusSchema.describe('What the provisioner tracks.'),
    hardware: HardwareDetailsSchema.optional().describe('Inspected hardware (HardwareData holds the same).'),
    hardwareProfile: z.string().optional().describe('Deprecated.'),
    poweredOn: z.boolean().describe('Whether the host is powered on.'),
    lastUpdated: dateTime().optional().describe('When this status was last written.'),
    goodCredentials: CredentialsStatusSchema.optional().describe('Credentials last validated as working.'),
    triedCredentials: CredentialsStatusSchema.optional().describe('Credentials last sent to the provisioner.'),
    operationHistory: OperationHistorySchema.optional().describe('Start and end of each operation.'),
    conditions: z
      .array(ConditionSchema)
      .max(32)
      .optional()
      .meta({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] })
      .describe('Manageable, Provisioned, Ready, AvailableForProvisioning, Progressing, Healthy, ...'),
  })
  .describe('Observed state of the BareMetalHost.');
export type BareMetalHostStatus = z.infer<typeof BareMetalHostStatusSchema>;
export type ProvisionStatus = z.infer<typeof ProvisionStatusSchema>;
export type CredentialsStatus = z.infer<typeof CredentialsStatusSchema>;
export type OperationHistory = z.infer<typeof OperationHistorySchema>;

// ---- the object -------------------------------------------------------------------

export const BareMetalHostSchema = z.object({
  apiVersion: z.literal(API_GROUP_VERSION),
  kind: z.literal('BareMetalHost'),
  metadata: ObjectMetaSchema,
  spec: BareMetalHostSpecSchema,
  status: BareMetalHostStatusSchema.optional(),
});
export type BareMetalHost = z.infer<typeof BareMetalHostSchema>;
export type BareMetalHostInput = z.input<typeof BareMetalHostSchema>;
