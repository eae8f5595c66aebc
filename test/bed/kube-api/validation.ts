/**
 * @module kube-api/validation: structural-schema pruning and validation of custom resources.
 *
 * Mirrors the apiextensions-apiserver order: unknown fields are pruned (or reported, under
 * `fieldValidation=Strict`), nulls of non-nullable fields are dropped, `default`s fill absent
 * fields whose parent object exists, then the object is validated; every violation becomes one
 * `details.causes[]` entry of a 422 Invalid, worded like kube-openapi's messages.
 */
import type { StatusCause } from './status-error.ts';
import type { Json, JsonSchema, KubeObject } from './types.ts';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface SchemaResult {
  /** The object with unknown fields and non-nullable nulls pruned, and defaults applied. */
  object: KubeObject;
  /** One entry per violation (empty = valid). */
  causes: StatusCause[];
  /** Dotted paths of pruned fields, for `fieldValidation=Strict|Warn`. */
  unknownFields: string[];
}

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** The type name kube-openapi prints for a value. */
function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

/** Go-ish rendering of an invalid value in messages: strings quoted, the rest as JSON. */
const show = (v: unknown): string => (typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(v) ?? 'null');

function typeMatches(schema: JsonSchema, v: unknown): boolean {
  if (v === null) return schema.nullable === true;
  if (schema['x-kubernetes-int-or-string']) return typeof v === 'string' || (typeof v === 'number' && Number.isInteger(v));
  switch (schema.type) {
    case undefined: return true;
    case 'object': return isObject(v);
    case 'array': return Array.isArray(v);
    case 'string': return typeof v === 'string';
    case 'boolean': return typeof v === 'boolean';
    case 'integer': return typeof v === 'number' && Number.isInteger(v);
    case 'number': return typeof v === 'number';
    default: return true;
  }
}

interface Walk {
  causes: StatusCause[];
  unknown: string[];
}

const fieldPath = (parent: string, key: string): string => (parent === '' ? key : `${parent}.${key}`);

/** Validate `value` at `path`; returns the pruned value. */
function visit(schema: JsonSchema, value: unknown, path: string, w: Walk): unknown {
  if (!typeMatches(schema, value)) {
    const expected = schema['x-kubernetes-int-or-string'] ? 'integer,string' : schema.type;
    // current servers report type errors as FieldValueTypeInvalid (1.20 said FieldValueInvalid); same message
    w.causes.push({ reason: 'FieldValueTypeInvalid', field: path, message: `Invalid value: "${typeName(value)}": ${path} in body must be of type ${expected}: "${typeName(value)}"` });
    return value;
  }
  if (value === null) return value;
  if (schema.enum && !schema.enum.some((e) => JSON.stringify(e) === JSON.stringify(value))) {
    w.causes.push({ reason: 'FieldValueNotSupported', field: path, message: `Unsupported value: ${show(value)}: supported values: ${schema.enum.map(show).join(', ')}` });
  }
  if (typeof value === 'string') checkString(schema, value, path, w);
  if (typeof value === 'number') checkNumber(schema, value, path, w);
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) w.causes.push({ reason: 'FieldValueInvalid', field: path, message: `Invalid value: ${value.length}: ${path} in body should have at least ${schema.minItems} items` });
    if (schema.maxItems !== undefined && value.length > schema.maxItems) w.causes.push({ reason: 'FieldValueTooMany', field: path, message: `Too many: ${value.length}: must have at most ${schema.maxItems} items` });
    const items = schema.items;
    return items ? value.map((item, i) => visit(items, item, `${path}[${i}]`, w)) : value;
  }
  if (isObject(value)) return visitObject(schema, value, path, w);
  return value;
}

function checkString(schema: JsonSchema, v: string, path: string, w: Walk): void {
  if (schema.minLength !== undefined && [...v].length < schema.minLength) w.causes.push({ reason: 'FieldValueInvalid', field: path, message: `Invalid value: ${show(v)}: ${path} in body should be at least ${schema.minLength} chars long` });
  if (schema.maxLength !== undefined && [...v].length > schema.maxLength) w.causes.push({ reason: 'FieldValueTooLong', field: path, message: `Too long: may not be longer than ${schema.maxLength}` });
  if (schema.pattern !== undefined && !new RegExp(schema.pattern, 'u').test(v)) w.causes.push({ reason: 'FieldValueInvalid', field: path, message: `Invalid value: ${show(v)}: ${path} in body should match '${schema.pattern}'` });
  if (schema.format === 'date-time' && Number.isNaN(Date.parse(v))) w.causes.push({ reason: 'FieldValueInvalid', field: path, message: `Invalid value: ${show(v)}: ${path} in body must be of type date-time: ${show(v)}` });
}

function checkNumber(schema: JsonSchema, v: number, path: string, w: Walk): void {
  if (schema.minimum !== undefined) {
    const bad = schema.exclusiveMinimum ? v <= schema.minimum : v < schema.minimum;
    if (bad) w.causes.push({ reason: 'FieldValueInvalid', field: path, message: `Invalid value: ${v}: ${path} in body should be greater than ${schema.exclusiveMinimum ? '' : 'or equal to '}${schema.minimum}` });
  }
  if (schema.maximum !== undefined) {
    const bad = schema.exclusiveMaximum ? v >= schema.maximum : v > schema.maximum;
    if (bad) w.causes.push({ reason: 'FieldValueInvalid', field: path, message: `Invalid value: ${v}: ${path} in body should be less than ${schema.exclusiveMaximum ? '' : 'or equal to '}${schema.maximum}` });
  }
}

function visitObject(schema: JsonSchema, value: Record<string, unknown>, path: string, w: Walk): Record<string, unknown> {
  const props = schema.properties ?? {};
  const preserve = schema['x-kubernetes-preserve-unknown-fields'] === true;
  const additional = schema.additionalProperties;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const child = props[k] ?? (typeof additional === 'object' ? additional : undefined);
    // structural schemas: a null where the schema does not allow one is dropped (200), not refused
    if (child && v === null && child.nullable !== true) continue;
    if (child) out[k] = visit(child, v, fieldPath(path, k), w);
    else if (additional === true || preserve || (schema['x-kubernetes-embedded-resource'] && ['apiVersion', 'kind', 'metadata'].includes(k))) out[k] = v;
    else w.unknown.push(fieldPath(path, k));
  }
  // defaulting runs after pruning and before validation, so a defaulted field is never "Required"
  for (const [k, child] of Object.entries(props)) {
    if (child.default !== undefined && !Object.hasOwn(out, k)) out[k] = structuredClone(child.default);
  }
  for (const req of schema.required ?? []) {
    if (!Object.hasOwn(out, req)) w.causes.push({ reason: 'FieldValueRequired', field: fieldPath(path, req), message: 'Required value' });
  }
  return out;
}

/** Prune and validate a custom object against its CRD version's `openAPIV3Schema`. */
export function checkAgainstSchema(schema: JsonSchema | undefined, object: KubeObject): SchemaResult {
  const w: Walk = { causes: [], unknown: [] };
  const name = object.metadata.name ?? '';
  // RBAC objects take path-segment names (`system:auth-delegator`); name-validation.ts checks them
  const rbac = String(object.apiVersion).startsWith('rbac.authorization.k8s.io/');
  if (!rbac && name !== '' && (name.length > 253 || !DNS1123_SUBDOMAIN.test(name))) {
    w.causes.push({
      reason: 'FieldValueInvalid',
      field: 'metadata.name',
      message: `Invalid value: ${show(name)}: a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
    });
  }
  if (!schema) return { object, causes: w.causes, unknownFields: [] };
  const { apiVersion, kind, metadata, ...rest } = object;
  const rootSchema: JsonSchema = { ...schema, properties: { ...(schema.properties ?? {}) } };
  delete rootSchema.properties!.apiVersion;
  delete rootSchema.properties!.kind;
  delete rootSchema.properties!.metadata;
  rootSchema.required = (schema.required ?? []).filter((r) => !['apiVersion', 'kind', 'metadata'].includes(r));
  const pruned = visitObject(rootSchema, rest, '', w) as Record<string, Json>;
  return { object: { apiVersion, kind, metadata, ...pruned } as KubeObject, causes: w.causes, unknownFields: w.unknown };
}
