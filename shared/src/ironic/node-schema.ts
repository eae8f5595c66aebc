/**
 * @module ironic/node-schema: zod schemas for the parts of Ironic's answers we read.
 * Only the fields we use are checked; unknown fields pass through untouched.
 */
import * as z from 'zod';

const nullableString = z.string().nullable();
const record = z.record(z.string(), z.unknown());

/** A node as `GET /v1/nodes/{id}` (no `fields`) returns it. */
export const IronicNodeSchema = z.looseObject({
  uuid: z.string(),
  name: nullableString,
  driver: z.string(),
  provision_state: nullableString,
  target_provision_state: nullableString,
  power_state: nullableString,
  target_power_state: nullableString,
  last_error: nullableString,
  maintenance: z.boolean(),
  reservation: nullableString,
  instance_uuid: nullableString,
  automated_clean: z.boolean().nullable().optional(),
  fault: nullableString.optional(),
  health: nullableString.optional(),
  updated_at: nullableString.optional(),
  driver_info: record.optional(),
  instance_info: record.optional(),
  properties: record.optional(),
  extra: record.optional(),
  boot_interface: z.string().nullable().optional(),
  deploy_interface: z.string().nullable().optional(),
  inspect_interface: z.string().nullable().optional(),
  power_interface: z.string().nullable().optional(),
  management_interface: z.string().nullable().optional(),
});

/** A node fetched with `?fields=`: only the requested fields (plus `uuid`, which we always ask for). */
export const IronicNodeFieldsSchema = IronicNodeSchema.partial().required({ uuid: true });

export const IronicNodeListSchema = z.looseObject({
  nodes: z.array(IronicNodeFieldsSchema),
  next: z.string().optional(),
});

export const IronicPortSchema = z.looseObject({
  uuid: z.string(),
  address: z.string(),
  node_uuid: z.string(),
  pxe_enabled: z.boolean().optional(),
});

export const IronicPortListSchema = z.looseObject({
  ports: z.array(IronicPortSchema),
  next: z.string().optional(),
});

export const IronicInventorySchema = z.looseObject({
  inventory: record,
  plugin_data: record.optional(),
});

export const IronicValidationSchema = z.record(
  z.string(),
  z.looseObject({ result: z.boolean().nullable(), reason: z.string().nullable().optional() }),
);

/** `GET /v1/nodes/{id}/bios?detail=True` (API ≥ 1.74: the registry fields beside each value). */
export const IronicBiosSettingSchema = z.looseObject({
  name: z.string(),
  value: z.string().nullable(),
  attribute_type: z.string().nullable().optional(),
  allowable_values: z.array(z.string()).nullable().optional(),
  lower_bound: z.number().nullable().optional(),
  upper_bound: z.number().nullable().optional(),
  min_length: z.number().nullable().optional(),
  max_length: z.number().nullable().optional(),
  read_only: z.boolean().nullable().optional(),
  reset_required: z.boolean().nullable().optional(),
  unique: z.boolean().nullable().optional(),
});
export const IronicBiosListSchema = z.looseObject({ bios: z.array(IronicBiosSettingSchema) });

/** `GET /v1/nodes/{id}/firmware` (API ≥ 1.86): the component versions the firmware interface cached. */
export const IronicFirmwareComponentSchema = z.looseObject({
  component: z.string(),
  initial_version: z.string(),
  current_version: z.string().nullable().optional(),
  last_version_flashed: z.string().nullable().optional(),
  created_at: z.string().nullable().optional(),
  updated_at: z.string().nullable().optional(),
});
export const IronicFirmwareListSchema = z.looseObject({ firmware: z.array(IronicFirmwareComponentSchema) });

const versionString = z.string().regex(/^\d+\.\d+$/);

/** `GET /`: the API root document naming the microversion range. */
export const IronicRootSchema = z.looseObject({
  default_version: z.looseObject({ id: z.string(), min_version: versionString, version: versionString }).optional(),
  versions: z.array(z.looseObject({ id: z.string(), min_version: versionString, version: versionString })).optional(),
});
