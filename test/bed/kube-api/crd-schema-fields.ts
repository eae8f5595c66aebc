/**
 * @module kube-api/crd-schema-fields: the fields a CRD's `openAPIV3Schema` may hold (JSONSchemaProps).
 *
 * A CRD is a built-in kind: the apiserver decodes it into Go structs, so an unknown schema field
 * (`_default`, `x_kubernetes_map_type`: what a generated client's renamed model looks like) is a
 * strict decoding error under `fieldValidation=Strict` (kubectl's default) and silently dropped
 * otherwise.
 */
import type { KubeObject } from './types.ts';

const PROPS = new Set([
  'id', '$schema', '$ref', 'description', 'type', 'format', 'title', 'default', 'maximum', 'exclusiveMaximum', 'minimum',
  'exclusiveMinimum', 'maxLength', 'minLength', 'pattern', 'maxItems', 'minItems', 'uniqueItems', 'multipleOf', 'enum',
  'maxProperties', 'minProperties', 'required', 'items', 'allOf', 'oneOf', 'anyOf', 'not', 'properties', 'additionalProperties',
  'patternProperties', 'dependencies', 'additionalItems', 'definitions', 'externalDocs', 'example', 'nullable',
  'x-kubernetes-preserve-unknown-fields', 'x-kubernetes-embedded-resource', 'x-kubernetes-int-or-string',
  'x-kubernetes-list-map-keys', 'x-kubernetes-list-type', 'x-kubernetes-map-type', 'x-kubernetes-validations',
]);
/** Fields whose value maps names to schemas. */
const SCHEMA_MAPS = new Set(['properties', 'patternProperties', 'definitions', 'dependencies']);
/** Fields whose value is a schema, an array of schemas, or (items, additionalProperties) either or a boolean. */
const SCHEMA_VALUES = new Set(['items', 'additionalProperties', 'additionalItems', 'not', 'allOf', 'oneOf', 'anyOf']);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Remove unknown JSONSchemaProps fields from every version's schema; returns their decoder paths. */
export function pruneUnknownCrdSchemaFields(crd: KubeObject): string[] {
  const unknown: string[] = [];
  const versions = (crd.spec as { versions?: unknown[] } | undefined)?.versions ?? [];
  versions.forEach((v, i) => {
    const schema = isObject(v) && isObject(v.schema) ? v.schema.openAPIV3Schema : undefined;
    if (isObject(schema)) walk(schema, `spec.versions[${i}].schema.openAPIV3Schema`, unknown);
  });
  return unknown;
}

function walk(schema: Record<string, unknown>, path: string, unknown: string[]): void {
  for (const key of Object.keys(schema)) {
    const value = schema[key];
    if (!PROPS.has(key)) {
      unknown.push(`${path}.${key}`);
      delete schema[key];
    } else if (SCHEMA_MAPS.has(key) && isObject(value)) {
      for (const [name, child] of Object.entries(value)) if (isObject(child)) walk(child, `${path}.${key}.${name}`, unknown);
    } else if (SCHEMA_VALUES.has(key)) {
      for (const child of Array.isArray(value) ? value : [value]) if (isObject(child)) walk(child, `${path}.${key}`, unknown);
    }
  }
}
