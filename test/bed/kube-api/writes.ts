/**
 * @module kube-api/writes: create, update, patch and delete with the real server's semantics.
 *
 * Rules kept here (kube-api-fixture.md §1.5–1.7): one global resourceVersion; a no-op write keeps the RV
 * and emits nothing; generation +1 on spec changes and on the first deletionTimestamp; the status
 * subresource takes only status, the main resource ignores status; emptying finalizers of a deleting
 * object deletes it with exactly one DELETED event, answering with the old RV.
 */
import { randomInt } from 'node:crypto';
import { serverSideApply } from './apply.ts';
import { type ApiContext, type WriteOptions, toRfc3339 } from './context.ts';
import { defFromCrd, CrdDefinitionError } from './resources.ts';
import { crdStatus, normalise, validateKind } from './kinds.ts';
import { JsonPatchError, canonical, jsonPatch, mergePatch, strategicMergePatch } from './patch.ts';
import {
  KubeStatusError, alreadyExists, badRequest, conflict, invalid, namespaceNotFound, notFound, pathNotFound,
  preconditionConflict, unsupportedMediaType,
} from './status-error.ts';
import { checkAgainstSchema } from './validation.ts';
import { type KubeObject, type ResourceDef, apiVersionOf, resourceKey } from './types.ts';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface WriteResult {
  code: number;
  body: unknown;
}

const GENERATE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

function generatedName(prefix: string): string {
  let s = prefix;
  for (let i = 0; i < 5; i++) s += GENERATE_ALPHABET[randomInt(GENERATE_ALPHABET.length)];
  return s;
}

function asObject(body: unknown): KubeObject {
  if (!isObject(body)) throw badRequest('Object in request body is not a JSON object');
  const obj = structuredClone(body) as KubeObject;
  if (obj.metadata !== undefined && !isObject(obj.metadata)) throw badRequest('metadata must be an object');
  obj.metadata ??= {};
  return obj;
}

function checkTypeMeta(def: ResourceDef, obj: KubeObject): void {
  const want = apiVersionOf(def);
  if (obj.apiVersion !== undefined && obj.apiVersion !== want) {
    throw badRequest(`the API version in the data (${obj.apiVersion}) does not match the expected API version (${want})`);
  }
  if (obj.kind !== undefined && obj.kind !== def.kind) throw badRequest(`${obj.kind} in version "${def.version}" cannot be handled as a ${def.kind}: kind mismatch`);
  obj.apiVersion = want;
  obj.kind = def.kind;
}

/** What generation tracks: everything but metadata (and status, when it has its own subresource). */
function generationRelevant(def: ResourceDef, obj: KubeObject): string {
  const { metadata: _m, status, ...rest } = obj;
  return JSON.stringify(canonical(def.statusSubresource ? rest : { ...rest, status }));
}

const sameContent = (a: KubeObject, b: KubeObject): boolean => {
  const strip = (o: KubeObject) => ({ ...o, metadata: { ...o.metadata, resourceVersion: undefined } });
  return JSON.stringify(canonical(strip(a))) === JSON.stringify(canonical(strip(b)));
};

/** Prune unknown fields and validate against the schema (custom kinds) or kind rules (built-ins). */
function checkObject(ctx: ApiContext, def: ResourceDef, obj: KubeObject, namespace: string, opts: WriteOptions): KubeObject {
  validateKind(def, obj, namespace);
  const result = checkAgainstSchema(def.flavor === 'custom' ? def.schema : undefined, obj);
  if (result.unknownFields.length > 0) {
    if (opts.fieldValidation === 'Strict') {
      throw badRequest(`strict decoding error: ${result.unknownFields.map((f) => `unknown field "${f}"`).join(', ')}`);
    }
    if (opts.fieldValidation === 'Warn') for (const f of result.unknownFields) opts.warnings.push(`unknown field "${f}"`);
  }
  if (result.causes.length > 0) throw invalid(def, obj.metadata.name ?? '', result.causes);
  if (def.flavor === 'crd') {
    try {
      defFromCrd(result.object);
    } catch (e) {
      if (e instanceof CrdDefinitionError) throw invalid(def, obj.metadata.name ?? '', [{ reason: 'FieldValueInvalid', field: 'spec', message: e.message }]);
      throw e;
    }
  }
  void ctx;
  return result.object;
}

function requireNamespace(ctx: ApiContext, def: ResourceDef, namespace: string): void {
  if (!def.namespaced) return;
  if (!ctx.store.get('/namespaces', '', namespace)) throw namespaceNotFound(namespace);
}

const storageNs = (def: ResourceDef, namespace: string): string => (def.namespaced ? namespace : '');

/** POST to a collection. */
export function createObject(ctx: ApiContext, def: ResourceDef, namespace: string, body: unknown, opts: WriteOptions): WriteResult {
  const obj = asObject(body);
  checkTypeMeta(def, obj);
  requireNamespace(ctx, def, namespace);
  if (def.namespaced) {
    if (obj.metadata.namespace && obj.metadata.namespace !== namespace) throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    obj.metadata.namespace = namespace;
  } else delete obj.metadata.namespace;
  const key = resourceKey(def);
  if (!obj.metadata.name) {
    if (!obj.metadata.generateName) throw invalid(def, '', [{ reason: 'FieldValueRequired', field: 'metadata.name', message: 'Required value: name or generateName is required' }]);
    do obj.metadata.name = generatedName(obj.metadata.generateName);
    while (ctx.store.get(key, storageNs(def, namespace), obj.metadata.name));
  }
  if (ctx.store.get(key, storageNs(def, namespace), obj.metadata.name)) throw alreadyExists(def, obj.metadata.name);
  // the status subresource owns status: a create cannot set it
  if (def.statusSubresource) delete obj.status;
  normalise(def, obj);
  const checked = checkObject(ctx, def, obj, namespace, opts);
  const meta = checked.metadata;
  for (const f of ['uid', 'resourceVersion', 'generation', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'selfLink'] as const) delete meta[f];
  const now = ctx.now();
  meta.uid = ctx.uid();
  meta.creationTimestamp = toRfc3339(now);
  if (def.hasGeneration) meta.generation = 1;
  if (def.flavor === 'crd') checked.status = crdStatus(checked, toRfc3339(now));
  if (opts.dryRun) return { code: 201, body: checked };
  meta.resourceVersion = String(ctx.store.nextResourceVersion());
  ctx.store.put(key, checked, 'ADDED');
  if (def.flavor === 'crd') ctx.onCrdChanged(checked, false);
  return { code: 201, body: checked };
}

function loadExisting(ctx: ApiContext, def: ResourceDef, namespace: string, name: string): KubeObject {
  const old = ctx.store.get(resourceKey(def), storageNs(def, namespace), name);
  if (!old) throw notFound(def, name);
  return old;
}

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
        throw new KubeStatusError(422, 'Invalid', 'the server rejected our request due to an error in our request', {
          causes: [{ reason: 'FieldValueInvalid', field: 'patch', message: e.message }],
        });
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
  next = checkObject(ctx, def, next, namespace, opts);
  if (def.flavor === 'crd' && subresource === '') next.status = old.status;
  if (def.hasGeneration && generationRelevant(def, next) !== generationRelevant(def, old)) {
    next.metadata.generation = (old.metadata.generation ?? 0) + 1;
  }
  if (sameContent(next, old)) return { code: 200, body: old };
  const key = resourceKey(def);
  if (next.metadata.deletionTimestamp && (next.metadata.finalizers ?? []).length === 0) {
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
  if (def.flavor === 'namespace') removeNamespaceContents(ctx, name);
  const last = structuredClone(old) as KubeObject;
  last.metadata.resourceVersion = String(ctx.store.nextResourceVersion());
  ctx.store.remove(key, last);
  if (def.flavor === 'crd') ctx.onCrdChanged(last, true);
  return { code: 200, body: status };
}

/** No namespace controller here: deleting a namespace removes its objects at once, finalizers or not. */
function removeNamespaceContents(ctx: ApiContext, namespace: string): void {
  for (const key of ctx.store.keysWithNamespace(namespace)) {
    for (const obj of ctx.store.list(key, namespace)) {
      const last = structuredClone(obj) as KubeObject;
      last.metadata.resourceVersion = String(ctx.store.nextResourceVersion());
      ctx.store.remove(key, last);
    }
  }
}
