/** @module kube-api/write-delete: DELETE semantics (preconditions, finalizers mark, removal, namespace contents). */
import { type ApiContext, toRfc3339 } from './context.ts';
import { normalise } from './kinds.ts';
import { badRequest, preconditionConflict } from './status-error.ts';
import { type KubeObject, type ResourceDef, resourceKey } from './types.ts';
import { type WriteResult, isObject, loadExisting } from './write-common.ts';

export interface DeleteOptions {
  preconditions?: { uid?: string; resourceVersion?: string };
  propagationPolicy?: string;
  dryRun: boolean;
}

export function parseDeleteOptions(body: unknown, queryDryRun: boolean, queryPolicy: string | null): DeleteOptions {
  const b = isObject(body) ? body : {};
  const dryRun = queryDryRun || (Array.isArray(b.dryRun) && b.dryRun.includes('All'));
  const policy = (typeof b.propagationPolicy === 'string' ? b.propagationPolicy : undefined) ?? queryPolicy ?? undefined;
  if (policy !== undefined && !['Orphan', 'Background', 'Foreground'].includes(policy)) {
    throw badRequest(`DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "${policy}": supported values: "Foreground", "Background", "Orphan", "nil"`);
  }
  const out: DeleteOptions = { dryRun };
  if (policy) out.propagationPolicy = policy;
  if (isObject(b.preconditions)) out.preconditions = b.preconditions as DeleteOptions['preconditions'] & object;
  return out;
}

/** DELETE of one object: mark when finalizers remain, else remove. */
export function deleteObject(ctx: ApiContext, def: ResourceDef, namespace: string, name: string, options: DeleteOptions): WriteResult {
  const old = loadExisting(ctx, def, namespace, name);
  const pre = options.preconditions;
  if (pre?.uid && pre.uid !== old.metadata.uid) throw preconditionConflict(def, name, 'UID', pre.uid, old.metadata.uid ?? '');
  if (pre?.resourceVersion && pre.resourceVersion !== old.metadata.resourceVersion) {
    throw preconditionConflict(def, name, 'ResourceVersion', pre.resourceVersion, old.metadata.resourceVersion ?? '');
  }
  const key = resourceKey(def);
  if (def.flavor === 'namespace') return markNamespaceTerminating(ctx, def, old, options);
  if ((old.metadata.finalizers ?? []).length > 0) {
    if (old.metadata.deletionTimestamp) return { code: 200, body: old };
    const next = structuredClone(old) as KubeObject;
    next.metadata.deletionTimestamp = toRfc3339(ctx.now());
    next.metadata.deletionGracePeriodSeconds = 0;
    if (def.hasGeneration) next.metadata.generation = (old.metadata.generation ?? 0) + 1;
    normalise(def, next);
    if (options.dryRun) return { code: 200, body: next };
    next.metadata.resourceVersion = String(ctx.store.nextResourceVersion());
    ctx.store.put(key, next, 'MODIFIED', old);
    return { code: 200, body: next };
  }
  const status = {
    kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success',
    details: { name, ...(def.group ? { group: def.group } : {}), kind: def.plural, uid: old.metadata.uid },
  };
  if (options.dryRun) return { code: 200, body: status };
  const last = structuredClone(old) as KubeObject;
  last.metadata.resourceVersion = String(ctx.store.nextResourceVersion());
  ctx.store.remove(key, last);
  if (def.flavor === 'crd') ctx.onCrdChanged(last, true);
  return { code: 200, body: status };
}

/**
 * DELETE of a namespace only marks it (deletionTimestamp, phase Terminating) and answers it; the
 * namespace controller empties and then removes it (namespace-controller.ts).
 */
function markNamespaceTerminating(ctx: ApiContext, def: ResourceDef, old: KubeObject, options: DeleteOptions): WriteResult {
  if (old.metadata.deletionTimestamp) return { code: 200, body: old };
  const next = structuredClone(old) as KubeObject;
  next.metadata.deletionTimestamp = toRfc3339(ctx.now());
  normalise(def, next);
  if (options.dryRun) return { code: 200, body: next };
  next.metadata.resourceVersion = String(ctx.store.nextResourceVersion());
  ctx.store.put(resourceKey(def), next, 'MODIFIED', old);
  ctx.onNamespaceTerminating(old.metadata.name!);
  return { code: 200, body: next };
}
