/**
 * @module api/firmware: the firmware kinds of `metal3.io/v1alpha1` — HostFirmwareSettings,
 * FirmwareSchema, HostFirmwareComponents and HostUpdatePolicy.
 *
 * Wire names follow upstream's baremetal-operator (`hostfirmwaresettings_types.go`,
 * `firmwareschema_types.go`, `hostfirmwarecomponents_types.go`, `hostupdatepolicy_types.go`
 * and their generated CRDs): each of the three per-host kinds carries the host's name and
 * namespace; a FirmwareSchema is shared by the hosts whose BIOS registry is the same.
 */
import * as z from 'zod';
import { ConditionSchema, dateTime } from './common.ts';
import type { ObjectMetaView } from './object-meta.ts';

/** A desired setting value: Kubernetes IntOrString, as upstream's `DesiredSettingsMap`. */
export const IntOrStringSchema = z
  .union([z.int(), z.string()])
  .meta({ 'x-kubernetes-int-or-string': true });
export type IntOrString = z.infer<typeof IntOrStringSchema>;

/** Upstream's condition types of HostFirmwareSettings and HostFirmwareComponents. */
export const FirmwareConditionType = {
  /** the spec differs from what the host has */
  ChangeDetected: 'ChangeDetected',
  /** the spec can be applied (every setting known to the schema and allowed) */
  Valid: 'Valid',
} as const;
export type FirmwareConditionType = (typeof FirmwareConditionType)[keyof typeof FirmwareConditionType];

const conditionList = (what: string) =>
  z
    .array(ConditionSchema)
    .max(8)
    .optional()
    .meta({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] })
    .describe(what);

// ---- HostFirmwareSettings -----------------------------------------------------------

export const SchemaReferenceSchema = z.object({
  namespace: z.string().describe('Namespace of the FirmwareSchema.'),
  name: z.string().describe('Name of the FirmwareSchema.'),
});
export type SchemaReference = z.infer<typeof SchemaReferenceSchema>;

export const HostFirmwareSettingsSpecSchema = z
  .object({
    settings: z.record(z.string(), IntOrStringSchema).describe('Desired firmware (BIOS) settings, name to value.'),
  })
  .describe('Desired firmware settings of the BareMetalHost with the same name.');
export type HostFirmwareSettingsSpec = z.infer<typeof HostFirmwareSettingsSpecSchema>;

export const HostFirmwareSettingsStatusSchema = z
  .object({
    schema: SchemaReferenceSchema.optional().describe('The FirmwareSchema describing each setting.'),
    settings: z.record(z.string(), z.string()).describe('The settings the host has now, as Ironic last read them.'),
    lastUpdated: dateTime().optional().describe('When the status was last written.'),
    conditions: conditionList('Valid (the spec passes the schema) and ChangeDetected (the spec differs from the host).'),
  })
  .describe('Observed firmware settings.');
export type HostFirmwareSettingsStatus = z.infer<typeof HostFirmwareSettingsStatusSchema>;

// ---- FirmwareSchema -----------------------------------------------------------------

/** Upstream's `SettingSchema.AttributeType` values. */
export const ATTRIBUTE_TYPES = ['Enumeration', 'String', 'Integer', 'Boolean', 'Password'] as const;
export type AttributeType = (typeof ATTRIBUTE_TYPES)[number];

export const SettingSchemaSchema = z
  .object({
    attributeType: z.enum(ATTRIBUTE_TYPES).optional().describe('The type of setting.'),
    allowableValues: z.array(z.string()).optional().describe('The allowable values of an Enumeration setting.'),
    lowerBound: z.int().optional().describe('The lowest value of an Integer setting.'),
    upperBound: z.int().optional().describe('The highest value of an Integer setting.'),
    minLength: z.int().optional().describe('Minimum length of a String setting.'),
    maxLength: z.int().optional().describe('Maximum length of a String setting.'),
    readOnly: z.boolean().optional().describe('Whether the setting is read only.'),
    unique: z.boolean().optional().describe('Whether the value is unique to this host, e.g. a serial number.'),
  })
  .describe('What one firmware setting may hold.');
export type SettingSchema = z.infer<typeof SettingSchemaSchema>;

export const FirmwareSchemaSpecSchema = z
  .object({
    hardwareVendor: z.string().optional().describe('The hardware vendor this schema belongs to.'),
    hardwareModel: z.string().optional().describe('The hardware model this schema belongs to.'),
    schema: z.record(z.string(), SettingSchemaSchema).describe('Setting name to its schema.'),
  })
  .describe('The firmware settings registry of one kind of hardware.');
export type FirmwareSchemaSpec = z.infer<typeof FirmwareSchemaSpecSchema>;

// ---- HostFirmwareComponents ---------------------------------------------------------

/** The components upstream lets a HostFirmwareComponents update. */
export const FIRMWARE_COMPONENTS = ['bmc', 'bios'] as const;

export const FirmwareUpdateSchema = z
  .object({
    component: z.string().describe('bmc or bios.'),
    url: z.string().describe('Where the BMC downloads the firmware image.'),
  })
  .describe('One firmware update.');
export type FirmwareUpdate = z.infer<typeof FirmwareUpdateSchema>;

export const FirmwareComponentStatusSchema = z
  .object({
    component: z.string().describe('bmc, bios, or a NIC/GPU component Ironic reports.'),
    initialVersion: z.string().describe('The version first seen.'),
    currentVersion: z.string().optional().describe('The version running now.'),
    lastVersionFlashed: z.string().optional().describe('The version the last update flashed.'),
    updatedAt: dateTime().optional().describe('When the component was last updated.'),
  })
  .describe('One firmware component of the host.');
export type FirmwareComponentStatus = z.infer<typeof FirmwareComponentStatusSchema>;

export const HostFirmwareComponentsSpecSchema = z
  .object({
    updates: z.array(FirmwareUpdateSchema).describe('Firmware updates to apply.'),
  })
  .describe('Desired firmware updates of the BareMetalHost with the same name.');
export type HostFirmwareComponentsSpec = z.infer<typeof HostFirmwareComponentsSpecSchema>;

export const HostFirmwareComponentsStatusSchema = z
  .object({
    updates: z.array(FirmwareUpdateSchema).optional().describe('The updates last applied.'),
    components: z.array(FirmwareComponentStatusSchema).optional().describe('Every firmware component and its versions.'),
    lastUpdated: dateTime().optional().describe('When the status was last written.'),
    conditions: conditionList('Valid (the updates name known components) and ChangeDetected (updates not yet applied).'),
  })
  .describe('Observed firmware components.');
export type HostFirmwareComponentsStatus = z.infer<typeof HostFirmwareComponentsStatusSchema>;

// ---- HostUpdatePolicy ---------------------------------------------------------------

/** When a change may reach a provisioned host: upstream lists `onPreparing` and `onReboot`. */
export const UPDATE_POLICY_VALUES = ['onPreparing', 'onReboot'] as const;
export type UpdatePolicyValue = (typeof UPDATE_POLICY_VALUES)[number];

export const HostUpdatePolicySpecSchema = z
  .object({
    firmwareSettings: z.enum(UPDATE_POLICY_VALUES).optional().describe('Policy for changing firmware settings.'),
    firmwareUpdates: z.enum(UPDATE_POLICY_VALUES).optional().describe('Policy for updating firmware.'),
  })
  .describe('Which changes may be applied to the provisioned BareMetalHost with the same name.');
export type HostUpdatePolicySpec = z.infer<typeof HostUpdatePolicySpecSchema>;

// ---- stored objects -----------------------------------------------------------------

type StoredMeta = ObjectMetaView & {
  ownerReferences?: { apiVersion: string; kind: string; name: string; uid: string; controller?: boolean }[] | undefined;
};

/** A HostFirmwareSettings as read from the API server. */
export interface StoredFirmwareSettings {
  metadata: StoredMeta;
  spec?: Partial<HostFirmwareSettingsSpec> | undefined;
  status?: Partial<HostFirmwareSettingsStatus> | undefined;
}

/** A FirmwareSchema as read from the API server. */
export interface StoredFirmwareSchema {
  metadata: StoredMeta;
  spec: FirmwareSchemaSpec;
}

/** A HostFirmwareComponents as read from the API server. */
export interface StoredFirmwareComponents {
  metadata: StoredMeta;
  spec?: Partial<HostFirmwareComponentsSpec> | undefined;
  status?: Partial<HostFirmwareComponentsStatus> | undefined;
}

/** A HostUpdatePolicy as read from the API server. */
export interface StoredUpdatePolicy {
  metadata: StoredMeta;
  spec?: HostUpdatePolicySpec | undefined;
}
