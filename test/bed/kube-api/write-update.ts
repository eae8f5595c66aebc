/**
 * @module kube-api/write-update: PUT and PATCH (merge, JSON, strategic for built-ins, server-side apply).
 *
 * The shared tail keeps the real server's rules: the status subresource takes only status and the main
 * resource ignores it; generation +1 on spec changes; a no-op keeps the RV and emits nothing; emptying
 * the finalizers of a deleting object deletes it with one DELETED event and answers with the old RV.
 */
import { serverSideApply } from './apply.ts';
import { type ApiContext, type WriteOptions, toRfc3339 } from './context.ts';
import { normalise } from './kinds.ts';
import { JsonPatchError, jsonPatch, mergePatch, strategicMergePatch } from './patch.ts';
import { KubeStatusError, badRequest, conflict, invalid, notFound, pathNotFound, unsupportedMediaType } from './status-error.ts';
import { type KubeObject, type ResourceDef, apiVersionOf, resourceKey } from './types.ts';
import { createObject } from './write-create.ts';
import { admitByPolicies } from './cel-validation.ts';
import {
  type WriteResult, asObject, checkObject, checkTypeMeta, generationRelevant, isObject, loadExisting, sameContent, storageNs,
} from './write-common.ts';

/** PUT of an object or its status. */
export function updateObject(ctx: ApiContext, def: ResourceDef, namespace: string, name: string, subresource: string, body: unknown, opts: WriteOptions): WriteResult {
  const obj = asObject(body);
  checkTypeMeta(def, obj);
  if (obj.metadata.name !== undefined && obj.metadata.name !== name) {
    throw badRequest(`the name of the object (${obj.metadata.name}) does not match the name on the URL (${name})`);
  }
  if (def.namespaced && obj.metadata.namespace && obj.metadata.namespace !== namespace) throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
  const old = loadExisting(ctx, def, namespace, name);
  const rv = obj.metadata.resourceVersion;
  if (!rv) {
    if (def.flavor === 'custom' || def.flavor === 'crd') {
      throw invalid(def, name, [{ reason: 'FieldValueInvalid', field: 'metadata.resourceVersion', message: 'Invalid value: 0x0: must be specified for an update' }]);
    }
  } else if (rv !== old.metadata.resourceVersion) throw conflict(def, name);
  return commitUpdate(ctx, def, old, obj, subresource, opts);
}

/** Patch media types the server accepts for this kind. */
const patchTypes = (def: ResourceDef): string[] => [
  'application/json-patch+json', 'application/merge-patch+json', 'application/apply-patch+yaml',
  ...(def.strategicMerge ? ['application/strategic-merge-patch+json'] : []),
];

/** PATCH of an object or its status, by content type. */
export function patchObject(
  ctx: ApiContext, def: ResourceDef, namespace: string, name: string, subresource: string,
  contentType: string, body: unknown, opts: WriteOptions,
): WriteResult {
  const type = contentType.split(';')[0]!.trim();
  if (!patchTypes(def).includes(type)) throw unsupportedMediaType(patchTypes(def));
  const old = ctx.store.get(resourceKey(def), storageNs(def, namespace), name);
  if (type === 'application/apply-patch+yaml') return applyObject(ctx, def, namespace, name, subresource, old, body, opts);
  if (!old) throw notFound(def, name);
  let candidate: unknown;
  switch (type) {
    case 'application/merge-patch+json':
      if (!isObject(body)) throw badRequest('the body of a merge patch must be a JSON object');
      candidate = mergePatch(old, body);
      break;
    case 'application/strategic-merge-patch+json':
      if (!isObject(body)) throw badRequest('the body of a strategic merge patch must be a JSON object');
      candidate = strategicMergePatch(old, body);
      break;
    default:
      try {
        candidate = jsonPatch(old, body);
      } catch (e) {
        if (!(e instanceof JsonPatchError)) throw e;
        // the apiserver's NewGenericServerResponse(422, …): a generic message, no cause, the patch error dropped
        throw new KubeStatusError(422, 'Invalid', 'the server rejected our request due to an error in our request', {});
      }
  }
  const obj = asObject(candidate);
  const rv = obj.metadata.resourceVersion;
  if (rv !== undefined && rv !== old.metadata.resourceVersion) throw conflict(def, name);
  checkTypeMeta(def, obj);
  return commitUpdate(ctx, def, old, obj, subresource, opts);
}

function applyObject(
  ctx: ApiContext, def: ResourceDef, namespace: string, name: string, subresource: string,
  old: KubeObject | undefined, body: unknown, opts: WriteOptions,
): WriteResult {
  if (!opts.fieldManager) {
    throw new KubeStatusError(422, 'Invalid', 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch', {
      kind: 'PatchOptions', group: 'meta.k8s.io', causes: [{ reason: 'FieldValueRequired', field: 'fieldManager', message: 'Required value: is required for apply patch' }],
    });
  }
  const config = asObject(body);
  checkTypeMeta(def, config);
  if (config.metadata.name !== undefined && config.metadata.name !== name) {
    throw badRequest(`the name of the object (${config.metadata.name}) does not match the name on the URL (${name})`);
  }
  if (!old && subresource !== '') throw notFound(def, name);
  const result = serverSideApply({
    existing: old, config: { ...config, metadata: { ...config.metadata, name, ...(def.namespaced ? { namespace } : {}) } },
    manager: opts.fieldManager, force: opts.force, apiVersion: apiVersionOf(def), now: toRfc3339(ctx.now()),
    ...(subresource ? { subresource } : {}),
  });
  if (result.kind === 'conflict') {
    const n = result.conflicts.length;
    const lines = result.conflicts.map((c) => `conflict with "${c.manager}": ${c.field}`);
    throw new KubeStatusError(409, 'Conflict', `Apply failed with ${n} conflict${n === 1 ? '' : 's'}: ${lines.join('\n')}`, {
      ...(def.group ? { group: def.group } : {}), kind: def.plural, name,
      causes: result.conflicts.map((c) => ({ reason: 'FieldManagerConflict', message: `conflict with "${c.manager}"`, field: c.field })),
    });
  }
  if (!old) {
    const created = createObject(ctx, def, namespace, result.object, opts);
    return created;
  }
  return commitUpdate(ctx, def, old, result.object, subresource, opts);
}

/** The shared tail of PUT and PATCH: subresource rules, checks, generation, no-op, finalizer deletion. */
function commitUpdate(ctx: ApiContext, def: ResourceDef, old: KubeObject, candidate: KubeObject, subresource: string, opts: WriteOptions): WriteResult {
  if (subresource !== '' && !(subresource === 'status' && def.statusSubresource)) throw pathNotFound();
  const name = old.metadata.name!;
  const namespace = old.metadata.namespace ?? '';
  let next: KubeObject;
  if (subresource === 'status') {
    // the status subresource ignores everything but status
    next = structuredClone(old) as KubeObject;
    if (candidate.status === undefined) delete next.status;
    else next.status = candidate.status;
    if (candidate.metadata.managedFields !== undefined) next.metadata.managedFields = candidate.metadata.managedFields;
  } else {
    next = candidate;
    const meta = next.metadata;
    for (const f of ['name', 'namespace', 'uid', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'generation', 'resourceVersion'] as const) {
      if (old.metadata[f] === undefined) delete meta[f];
      else (meta as Record<string, unknown>)[f] = old.metadata[f];
    }
    if (meta.managedFields === undefined && old.metadata.managedFields !== undefined) meta.managedFields = old.metadata.managedFields;
    // spec.finalizers of a namespace change only through its finalize subresource
    if (def.flavor === 'namespace') next.spec = { ...(next.spec as object | undefined), finalizers: (old.spec as { finalizers?: string[] } | undefined)?.finalizers ?? [] };
    if (def.statusSubresource && def.flavor !== 'namespace') {
      if (old.status === undefined) delete next.status;
      else next.status = structuredClone(old.status);
    }
    if (old.metadata.deletionTimestamp) {
      const before = new Set(old.metadata.finalizers ?? []);
      const added = (meta.finalizers ?? []).filter((f) => !before.has(f));
      if (added.length > 0) {
        throw invalid(def, name, [{
          reason: 'FieldValueForbidden', field: 'metadata.finalizers',
          message: `Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{${added.map((f) => JSON.stringify(f)).join(', ')}}`,
        }]);
      }
    }
  }
  normalise(def, next);
  next = checkObject(ctx, def, next, namespace, opts, old);
  if (def.flavor === 'custom' && subresource === '') admitByPolicies(ctx.store, def, 'UPDATE', next, old);
  if (def.flavor === 'crd' && subresource === '') next.status = old.status;
  if (def.hasGeneration && generationRelevant(def, next) !== generationRelevant(def, old)) {
    next.metadata.generation = (old.metadata.generation ?? 0) + 1;
  }
  if (sameContent(next, old)) return { code: 200, body: old };
  const key = resourceKey(def);
  const specFinalizers = def.flavor === 'namespace' ? ((next.spec as { finalizers?: string[] } | undefined)?.finalizers ?? []) : [];
  if (next.metadata.deletionTimestamp && (next.metadata.finalizers ?? []).length === 0 && specFinalizers.length === 0) {
    // the update is not persisted: the object goes, watchers see its last stored state once
    if (!opts.dryRun) {
      const last = structuredClone(old) as KubeObject;
      last.metadata.resourceVersion = String(ctx.store.nextResourceVersion());
      ctx.store.remove(key, last);
      if (def.flavor === 'crd') ctx.onCrdChanged(last, true);
    }
    return { code: 200, body: next };
  }
  if (opts.dryRun) return { code: 200, body: next };
  next.metadata.resourceVersion = String(ctx.store.nextResourceVersion());
  ctx.store.put(key, next, 'MODIFIED', old);
  if (def.flavor === 'crd') ctx.onCrdChanged(next, false);
  return { code: 200, body: next };
}
