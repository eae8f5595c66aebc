/**
 * @module kube-api/name-validation: the apiserver's object-name rules on create
 * (apimachinery `ValidateObjectMeta` with `NameIsDNSSubdomain`, or `NameIsDNSLabel`
 * for namespaces). `generateName` is checked as a prefix: only a trailing `-` is
 * masked, so `host.` is refused even though `host.x2k9d` would be a fine name.
 * The generated name is the prefix cut to 58 characters plus 5 random ones
 * (`names.SimpleNameGenerator`), validated again as a name.
 */
import type { StatusCause } from './status-error.ts';
import type { ResourceDef } from './types.ts';

const DNS1123_LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_SUBDOMAIN_RE = new RegExp(`^${DNS1123_LABEL}(\\.${DNS1123_LABEL})*$`);
const DNS1123_LABEL_RE = new RegExp(`^${DNS1123_LABEL}$`);

const SUBDOMAIN_MESSAGE = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_MESSAGE = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

/** RBAC objects take any path-segment name (`ValidateRBACName`): `system:auth-delegator` is a ClusterRole. */
const RBAC_KINDS = new Set(['Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding']);

function pathSegmentProblems(name: string): string[] {
  if (name === '.' || name === '..') return [`may not be '${name}'`];
  return ['/', '%'].filter((c) => name.includes(c)).map((c) => `may not contain '${c}'`);
}

/** The messages `NameIsDNSSubdomain` / `NameIsDNSLabel` give for `name` (`prefix`: a generateName). */
function nameProblems(def: ResourceDef, name: string, prefix: boolean): string[] {
  if (RBAC_KINDS.has(def.kind)) return pathSegmentProblems(name);
  // only a trailing dash is special in a prefix (apimachinery's maskTrailingDash, quirk kept: it
  // replaces the last TWO characters with one 'a', so `ab-.-` passes and a lone `-` does not)
  const checked = prefix && name.length > 1 && name.endsWith('-') ? `${name.slice(0, -2)}a` : name;
  const label = def.kind === 'Namespace';
  const max = label ? 63 : 253;
  const out: string[] = [];
  if (checked.length > max) out.push(`must be no more than ${max} characters`);
  if (!(label ? DNS1123_LABEL_RE : DNS1123_SUBDOMAIN_RE).test(checked)) out.push(label ? LABEL_MESSAGE : SUBDOMAIN_MESSAGE);
  return out;
}

/** Causes for the name and generateName of an object being created (empty when both are valid). */
export function createNameCauses(def: ResourceDef, meta: { name?: string | undefined; generateName?: string | undefined }): StatusCause[] {
  const causes: StatusCause[] = [];
  if (meta.generateName) {
    for (const m of nameProblems(def, meta.generateName, true)) causes.push({ reason: 'FieldValueInvalid', field: 'metadata.generateName', message: `Invalid value: ${JSON.stringify(meta.generateName)}: ${m}` });
  }
  if (meta.name) {
    for (const m of nameProblems(def, meta.name, false)) causes.push({ reason: 'FieldValueInvalid', field: 'metadata.name', message: `Invalid value: ${JSON.stringify(meta.name)}: ${m}` });
  }
  return causes;
}
