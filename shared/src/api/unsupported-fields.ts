/**
 * @module api/unsupported-fields: spec fields the API accepts (as upstream does)
 * but our functions do not act on yet. The lead reports them in a status
 * condition, so nothing a user sets is silently ignored.
 */
import type { BareMetalHostSpecInput } from './baremetalhost.ts';

/** Field path → why it is not acted on. One place: remove a row when the feature lands. */
export const UNSUPPORTED_SPEC_FIELDS = {
  networkInterfaces: 'switch-port configuration needs Ironic networking; not implemented',
  preprovisioningNetworkDataName: 'no PreprovisioningImage builder; the deploy ramdisk gets no network data',
  hardwareProfile: 'deprecated upstream; use rootDeviceHints and architecture',
  taints: 'deprecated upstream and never implemented',
  'image.ociAuthSecretName': 'oci:// images are not supported yet',
} as const satisfies Record<string, string>;

export type UnsupportedField = keyof typeof UNSUPPORTED_SPEC_FIELDS;

/** A value counts as set when it asks for something: true, non-empty text or list, any object. */
function isSet(value: unknown): boolean {
  if (value === undefined || value === null || value === false || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  return true;
}

function valueAt(spec: BareMetalHostSpecInput, path: string): unknown {
  let node: unknown = spec;
  for (const key of path.split('.')) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

/** The set fields of `spec` we accept but do not act on, in the order of UNSUPPORTED_SPEC_FIELDS. */
export function unsupportedFields(spec: BareMetalHostSpecInput): UnsupportedField[] {
  return (Object.keys(UNSUPPORTED_SPEC_FIELDS) as UnsupportedField[]).filter((path) => isSet(valueAt(spec, path)));
}
