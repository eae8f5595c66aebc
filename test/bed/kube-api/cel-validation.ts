/**
 * @module kube-api/cel-validation: CRD validation rules (`x-kubernetes-validations`), evaluated
 * with @bufbuild/cel the way the apiextensions-apiserver does.
 *
 * - every rule runs once per instance of its schema node in the new object (`self`);
 * - a rule that mentions `oldSelf` is a transition rule: it runs only on update, and only where
 *   the stored object has the same node (array items are not correlated: upstream forbids
 *   transition rules under atomic lists, so they never run there);
 * - JSON integers are CEL `int`, objects are maps, so `has(self.x)` and `size()` behave as on
 *   the real server;
 * - a failure is one cause: reason (default FieldValueInvalid), field = node path + `fieldPath`,
 *   message `Invalid value: "<node type>": <message>`, as field.Invalid formats it.
 */
import { type CelInput, type CelResult, celEnv, isCelError, parse, plan } from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';
import { KubeStatusError, type StatusCause } from './status-error.ts';
import type { JsonSchema, KubeObject, ResourceDef } from './types.ts';

interface Rule {
  rule: string;
  message?: string;
  fieldPath?: string;
  reason?: string;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** JSON → CEL input: objects as maps, integers as int. */
function toCel(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(toCel);
  if (isPlainObject(v)) return new Map(Object.entries(v).map(([k, x]) => [k, toCel(x)]));
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  return v;
}

const join = (parent: string, key: string): string => (parent === '' ? key : `${parent}.${key}`);

function rulesOf(schema: JsonSchema): Rule[] {
  const r = schema['x-kubernetes-validations'];
  return Array.isArray(r) ? (r as Rule[]) : [];
}

/** Kubernetes CEL includes the extended strings library; the env is built once. */
const env = celEnv({ funcs: strings });
/** Planned rules, cached: parsing and planning are the slow part and CRDs rarely change. */
const planned = new Map<string, (vars: Record<string, unknown>) => CelResult>();
function evaluate(rule: string, vars: Record<string, unknown>): CelResult {
  let fn = planned.get(rule);
  if (!fn) {
    const compiled = plan(env, parse(rule)) as (ctx?: Record<string, CelInput>) => CelResult;
    fn = (v) => compiled(v as Record<string, CelInput>);
    planned.set(rule, fn);
  }
  return fn(vars);
}

function checkNode(schema: JsonSchema, value: unknown, old: unknown, hasOld: boolean, path: string, causes: StatusCause[]): void {
  if (value === undefined || value === null) return;
  for (const r of rulesOf(schema)) {
    const transition = /\boldSelf\b/.test(r.rule);
    if (transition && !hasOld) continue;
    const vars: Record<string, unknown> = { self: toCel(value) };
    if (transition) vars.oldSelf = toCel(old);
    const result = evaluate(r.rule, vars);
    if (result === true) continue;
    // a rule on the root with no fieldPath has a nil field path, which the apiserver prints as `<nil>`
    const field = (r.fieldPath ? join(path, r.fieldPath.replace(/^\./, '')) : path) || '<nil>';
    const type = schema.type ?? 'object';
    const message = isCelError(result)
      ? `Invalid value: "${type}": ${r.rule}: ${String((result as { message?: string }).message ?? result)}`
      : `Invalid value: "${type}": ${r.message ?? `failed rule: ${r.rule}`}`;
    causes.push({ reason: r.reason ?? 'FieldValueInvalid', field, message });
  }
  if (Array.isArray(value) && schema.items) {
    value.forEach((item, i) => checkNode(schema.items!, item, undefined, false, `${path}[${i}]`, causes));
    return;
  }
  if (isPlainObject(value)) {
    const oldObj = hasOld && isPlainObject(old) ? old : undefined;
    for (const [k, child] of Object.entries(schema.properties ?? {})) {
      if (!Object.hasOwn(value, k)) continue;
      const childHasOld = oldObj !== undefined && Object.hasOwn(oldObj, k) && oldObj[k] !== null;
      checkNode(child, value[k], oldObj?.[k], childHasOld, join(path, k), causes);
    }
  }
}

/** Whether any node of the schema carries validation rules (skip the walk otherwise). */
export function hasCelRules(schema: JsonSchema | undefined): boolean {
  if (!schema) return false;
  if (rulesOf(schema).length > 0) return true;
  if (schema.items && hasCelRules(schema.items)) return true;
  return Object.values(schema.properties ?? {}).some((c) => hasCelRules(c));
}

/** Every failed validation rule of `object` (and, on update, transition rules against `old`). */
export function checkCelRules(schema: JsonSchema | undefined, object: KubeObject, old?: KubeObject): StatusCause[] {
  if (!schema || !hasCelRules(schema)) return [];
  const causes: StatusCause[] = [];
  checkNode(schema, object, old, old !== undefined, '', causes);
  return causes;
}

// ---- ValidatingAdmissionPolicy ------------------------------------------------------

interface PolicyStore {
  list(key: string, namespace?: string): KubeObject[];
}

interface ResourceRule { apiGroups?: string[]; apiVersions?: string[]; operations?: string[]; resources?: string[] }
interface Validation { expression: string; message?: string; reason?: string }

const anyOf = (list: string[] | undefined, value: string): boolean => (list ?? []).some((x) => x === '*' || x === value);

/** The apiserver's code for a policy's reason (reasonToCode). */
const codeOf = (reason: string): number => ({ Forbidden: 403, Unauthorized: 401, RequestEntityTooLarge: 413, Invalid: 422 } as Record<string, number>)[reason] ?? 400;

/**
 * Runs every bound ValidatingAdmissionPolicy that matches this write of `def` (main resource
 * only: a rule for `baremetalhosts` does not match `baremetalhosts/status`). The first denial
 * is thrown as the apiserver's Status: `<resource> "<name>" is forbidden: ValidatingAdmissionPolicy
 * '<policy>' with binding '<binding>' denied request: <message>`, reason from the validation
 * (Invalid by default), one cause holding that message. Bindings' matchResources and params
 * are not modelled: a binding applies everywhere.
 */
export function admitByPolicies(store: PolicyStore, def: ResourceDef, operation: 'CREATE' | 'UPDATE', object: KubeObject, old?: KubeObject): void {
  const policies = store.list('admissionregistration.k8s.io/validatingadmissionpolicies');
  if (policies.length === 0) return;
  const bindings = store.list('admissionregistration.k8s.io/validatingadmissionpolicybindings');
  for (const policy of policies) {
    const spec = (policy.spec ?? {}) as { matchConstraints?: { resourceRules?: ResourceRule[] }; validations?: Validation[]; failurePolicy?: string };
    const matches = (spec.matchConstraints?.resourceRules ?? []).some((r) =>
      anyOf(r.apiGroups, def.group) && anyOf(r.apiVersions, def.version) && anyOf(r.operations, operation) && anyOf(r.resources, def.plural));
    if (!matches) continue;
    const bound = bindings.filter((b) => {
      const bs = (b.spec ?? {}) as { policyName?: string; validationActions?: string[] };
      return bs.policyName === policy.metadata.name && (bs.validationActions ?? []).includes('Deny');
    });
    if (bound.length === 0) continue;
    const vars = {
      object: toCel(object),
      oldObject: old === undefined ? null : toCel(old),
      request: toCel({ operation, name: object.metadata.name ?? '', namespace: object.metadata.namespace ?? '', resource: { group: def.group, version: def.version, resource: def.plural } }),
      params: null,
    };
    for (const v of spec.validations ?? []) {
      const result = evaluate(v.expression, vars);
      if (result === true) continue;
      if (isCelError(result) && spec.failurePolicy === 'Ignore') continue;
      const why = isCelError(result)
        ? `expression '${v.expression}' resulted in error: ${String((result as { message?: string }).message ?? result)}`
        : v.message ?? `failed expression: ${v.expression}`;
      const message = `ValidatingAdmissionPolicy '${policy.metadata.name}' with binding '${bound[0]!.metadata.name}' denied request: ${why}`;
      const reason = v.reason ?? 'Invalid';
      const name = object.metadata.name ?? '';
      const resource = def.group === '' ? def.plural : `${def.plural}.${def.group}`;
      throw new KubeStatusError(codeOf(reason), reason, `${resource} "${name}" is forbidden: ${message}`, {
        ...(name ? { name } : {}), ...(def.group ? { group: def.group } : {}), kind: def.plural, causes: [{ message } as StatusCause],
      });
    }
  }
}
