/**
 * @module api/to-crd-schema: zod schema → structural `openAPIV3Schema` for a CRD.
 *
 * zod's JSON Schema is close but not structural (knative-and-libraries §7):
 * - `additionalProperties` beside `properties` is illegal; a loose object becomes
 *   `x-kubernetes-preserve-unknown-fields: true` instead, and so does a free map;
 * - `format: date-time` comes with a 400-character regex the apiserver does not need;
 * - integers come with ±2^53 bounds;
 * - defaulted fields that upstream still lists as required are put back (CRD_REQUIRED).
 */
import * as z from 'zod';
import { CRD_REQUIRED } from './common.ts';

export type JsonSchema = { [key: string]: unknown };

const isObject = (v: unknown): v is JsonSchema => typeof v === 'object' && v !== null && !Array.isArray(v);

export function toCrdSchema(schema: z.ZodType): JsonSchema {
  const out = z.toJSONSchema(schema, {
    target: 'openapi-3.0',
    // input mode: no `additionalProperties: false` everywhere, defaulted fields optional
    io: 'input',
    reused: 'inline',
    unrepresentable: 'throw',
  }) as JsonSchema;
  delete out.$schema;
  return makeStructural(out);
}

/** Rewrites one JSON Schema node (and its children) into what the apiserver accepts. */
function makeStructural(node: JsonSchema): JsonSchema {
  const js: JsonSchema = { ...node };
  if ('additionalProperties' in js) {
    const extra = js.additionalProperties;
    const isFreeForm = isObject(extra) && Object.keys(extra).length === 0;
    if (js.properties !== undefined || isFreeForm) {
      // loose object or map of anything: keep unknown fields instead of an illegal/empty schema
      if (extra !== false) js['x-kubernetes-preserve-unknown-fields'] = true;
      delete js.additionalProperties;
    } else if (isObject(extra)) {
      js.additionalProperties = makeStructural(extra);
    }
  }
  if (js.format === 'date-time') delete js.pattern;
  if (js.type === 'integer') {
    if (js.minimum === Number.MIN_SAFE_INTEGER) delete js.minimum;
    if (js.maximum === Number.MAX_SAFE_INTEGER) delete js.maximum;
  }
  if (isObject(js.items)) js.items = makeStructural(js.items);
  // int-or-string: the apiserver takes `anyOf` of integer and string beside the extension only
  if (Array.isArray(js.anyOf)) js.anyOf = (js.anyOf as unknown[]).map((b) => (isObject(b) ? makeStructural(b) : b));
  if (isObject(js.properties)) {
    const props: JsonSchema = {};
    const required = new Set(Array.isArray(js.required) ? (js.required as string[]) : []);
    for (const [name, child] of Object.entries(js.properties)) {
      if (!isObject(child)) continue;
      const converted = makeStructural(child);
      if (converted[CRD_REQUIRED] === true) required.add(name);
      delete converted[CRD_REQUIRED];
      props[name] = converted;
    }
    js.properties = props;
    if (required.size > 0) js.required = [...required];
  }
  return js;
}
