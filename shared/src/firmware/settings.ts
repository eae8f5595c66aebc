/**
 * @module firmware/settings: BIOS settings as Ironic caches them → HostFirmwareSettings status and
 * a FirmwareSchema; desired settings checked against the schema; what is left to apply. Pure.
 *
 * Validation follows upstream's `SettingSchema.Validate` (firmwareschema_types.go): a name the
 * schema lacks, a read-only setting, a password, an enumeration value not listed, an integer
 * out of bounds, a string of the wrong length or a non-boolean is refused with a message.
 */
import { createHash } from 'node:crypto';
import type { Condition } from '../api/common.ts';
import {
  ATTRIBUTE_TYPES, FirmwareConditionType, type AttributeType, type FirmwareSchemaSpec, type HostFirmwareSettingsStatus,
  type IntOrString, type SchemaReference, type SettingSchema,
} from '../api/firmware.ts';
import type { IronicBiosSetting } from '../ironic/types.ts';

/** What Ironic's cache says: the current values and the registry they come with. */
export interface BiosReading {
  current: Record<string, string>;
  schema: FirmwareSchemaSpec;
}

const isAttributeType = (t: unknown): t is AttributeType => (ATTRIBUTE_TYPES as readonly unknown[]).includes(t);

/** Ironic's `detail=True` BIOS list → current values and the registry (fields Ironic left null are left out). */
export function readBios(settings: readonly IronicBiosSetting[], hardware: { vendor?: string | undefined; model?: string | undefined } = {}): BiosReading {
  const current: Record<string, string> = {};
  const schema: Record<string, SettingSchema> = {};
  for (const s of settings) {
    current[s.name] = s.value ?? '';
    const entry: SettingSchema = {};
    if (isAttributeType(s.attribute_type)) entry.attributeType = s.attribute_type;
    if (s.allowable_values?.length) entry.allowableValues = [...s.allowable_values];
    if (typeof s.lower_bound === 'number') entry.lowerBound = s.lower_bound;
    if (typeof s.upper_bound === 'number') entry.upperBound = s.upper_bound;
    if (typeof s.min_length === 'number') entry.minLength = s.min_length;
    if (typeof s.max_length === 'number') entry.maxLength = s.max_length;
    if (typeof s.read_only === 'boolean') entry.readOnly = s.read_only;
    if (typeof s.unique === 'boolean') entry.unique = s.unique;
    schema[s.name] = entry;
  }
  return {
    current,
    schema: { ...(hardware.vendor ? { hardwareVendor: hardware.vendor } : {}), ...(hardware.model ? { hardwareModel: hardware.model } : {}), schema },
  };
}

/** The shared schema's name: the same registry gives the same name, so hosts of one model share it. */
export function schemaNameOf(spec: FirmwareSchemaSpec): string {
  const canonical = JSON.stringify([spec.hardwareVendor ?? '', spec.hardwareModel ?? '', Object.entries(spec.schema).sort(([a], [b]) => a.localeCompare(b))]);
  return `schema-${createHash('sha256').update(canonical).digest('hex').slice(0, 8)}`;
}

const asString = (v: IntOrString): string => (typeof v === 'number' ? String(v) : v);

/** Why `name = value` cannot be applied; undefined when it can. */
export function settingProblem(name: string, value: IntOrString, schema: FirmwareSchemaSpec['schema']): string | undefined {
  const entry = schema[name];
  const invalid = (why: string) => `Setting ${name} is invalid, ${why}`;
  if (entry === undefined) return invalid('it is not in the associated schema');
  if (entry.readOnly === true) return invalid('it is ReadOnly');
  if (name.includes('Password')) return invalid("Password fields can't be set");
  const text = asString(value);
  switch (entry.attributeType) {
    case 'Enumeration':
      return entry.allowableValues?.includes(text) ? undefined : invalid(`unknown enumeration value - ${text}`);
    case 'Integer': {
      if (!/^-?\d+$/.test(text)) return invalid(`String ${text} entered while integer expected`);
      const n = Number(text);
      if (entry.lowerBound !== undefined && n < entry.lowerBound) return invalid(`integer ${n} is below minimum value ${entry.lowerBound}`);
      if (entry.upperBound !== undefined && n > entry.upperBound) return invalid(`integer ${n} is above maximum value ${entry.upperBound}`);
      return undefined;
    }
    case 'String':
      if (entry.minLength !== undefined && text.length < entry.minLength) return invalid(`string ${text} length is below minimum length ${entry.minLength}`);
      if (entry.maxLength !== undefined && text.length > entry.maxLength) return invalid(`string ${text} length is above maximum length ${entry.maxLength}`);
      return undefined;
    case 'Boolean':
      return text === 'true' || text === 'false' ? undefined : invalid(`${text} is not a boolean`);
    case 'Password':
      return invalid('passwords are immutable');
    case undefined:
      // the registry may not say (upstream allows the set)
      return undefined;
  }
}

/** Every problem of the desired settings, in name order. */
export function settingsProblems(desired: Readonly<Record<string, IntOrString>>, schema: FirmwareSchemaSpec['schema']): string[] {
  return Object.keys(desired).sort().flatMap((name) => settingProblem(name, desired[name]!, schema) ?? []);
}

/** The desired settings whose value differs from the current one (what cleaning or servicing must apply). */
export function pendingSettings(desired: Readonly<Record<string, IntOrString>>, current: Readonly<Record<string, string>>): { name: string; value: string }[] {
  return Object.keys(desired).sort().filter((name) => current[name] !== asString(desired[name]!)).map((name) => ({ name, value: asString(desired[name]!) }));
}

/** Upstream's condition reasons on the firmware kinds. */
/** A Kubernetes timestamp (RFC 3339, whole seconds), as status fields and conditions carry them. */
export const kubeTime = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

/** A condition message for a list of problems, within the API's 32 KiB limit. */
export const problemsMessage = (problems: readonly string[]): string => problems.join('; ').slice(0, 32768);

export const FirmwareReason = { Success: 'Success', ConfigurationError: 'ConfigurationError' } as const;

/** A condition with its transition time kept when the status did not change (metav1 semantics). */
export function condition(previous: readonly Condition[] | undefined, next: Omit<Condition, 'lastTransitionTime'>, now: Date): Condition {
  const before = previous?.find((c) => c.type === next.type);
  const lastTransitionTime = before && before.status === next.status ? before.lastTransitionTime : kubeTime(now);
  return { ...next, lastTransitionTime };
}

export interface SettingsVerdict {
  /** the HostFirmwareSettings status to write */
  status: HostFirmwareSettingsStatus;
  /** the spec's settings fail the schema: nothing is applied */
  problems: string[];
  /** valid settings that differ from the host's: to apply */
  pending: { name: string; value: string }[];
}

/**
 * The HostFirmwareSettings status for what Ironic read and what the spec asks: `Valid` (False with
 * every problem as the message) and `ChangeDetected` (the spec differs from the host).
 */
export function judgeSettings(input: {
  desired: Readonly<Record<string, IntOrString>>;
  reading: BiosReading;
  schemaRef: SchemaReference;
  previous?: Partial<HostFirmwareSettingsStatus> | undefined;
  generation?: number | undefined;
  now: Date;
}): SettingsVerdict {
  const { desired, reading, schemaRef, previous, generation, now } = input;
  const problems = settingsProblems(desired, reading.schema.schema);
  const changed = pendingSettings(desired, reading.current);
  const observedGeneration = generation !== undefined ? { observedGeneration: generation } : {};
  const conditions = [
    condition(previous?.conditions, {
      type: FirmwareConditionType.ChangeDetected, status: changed.length > 0 ? 'True' : 'False', reason: FirmwareReason.Success,
      message: changed.length > 0 ? `settings to apply: ${changed.map((c) => c.name).join(', ')}` : '', ...observedGeneration,
    }, now),
    condition(previous?.conditions, {
      type: FirmwareConditionType.Valid, status: problems.length === 0 ? 'True' : 'False',
      reason: problems.length === 0 ? FirmwareReason.Success : FirmwareReason.ConfigurationError,
      message: problemsMessage(problems), ...observedGeneration,
    }, now),
  ];
  return {
    status: { schema: schemaRef, settings: reading.current, lastUpdated: kubeTime(now), conditions },
    problems,
    pending: problems.length === 0 ? changed : [],
  };
}
