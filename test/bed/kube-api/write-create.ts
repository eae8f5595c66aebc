/** @module kube-api/write-create: POST semantics (uid, timestamps, generateName, status dropped, Secret folding, CRD registration). */
import { randomInt } from 'node:crypto';
import { type ApiContext, type WriteOptions, toRfc3339 } from './context.ts';
import { crdStatus, normalise } from './kinds.ts';
import { createNameCauses } from './name-validation.ts';
import { alreadyExists, badRequest, invalid } from './status-error.ts';
import { type ResourceDef, resourceKey } from './types.ts';
import { admitByPolicies } from './cel-validation.ts';
import { type WriteResult, asObject, checkObject, checkTypeMeta, requireNamespace, storageNs } from './write-common.ts';

const GENERATE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

function generatedName(prefix: string): string {
  let s = prefix.slice(0, 58); // names.SimpleNameGenerator: at most 63 characters in all
  for (let i = 0; i < 5; i++) s += GENERATE_ALPHABET[randomInt(GENERATE_ALPHABET.length)];
  return s;
}


/** POST to a collection. */
export function createObject(ctx: ApiContext, def: ResourceDef, namespace: string, body: unknown, opts: WriteOptions): WriteResult {
  const obj = asObject(body);
  checkTypeMeta(def, obj);
  requireNamespace(ctx, def, namespace, obj.metadata.name ?? '');
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
  // the name is generated before validation, as the apiserver does: a bad generateName names the object it refused
  const nameCauses = createNameCauses(def, obj.metadata);
  if (nameCauses.length > 0) throw invalid(def, obj.metadata.name, nameCauses);
  if (ctx.store.get(key, storageNs(def, namespace), obj.metadata.name)) throw alreadyExists(def, obj.metadata.name);
  // the status subresource owns status: a create cannot set it
  if (def.statusSubresource) delete obj.status;
  normalise(def, obj);
  const checked = checkObject(ctx, def, obj, namespace, opts);
  if (def.flavor === 'custom') admitByPolicies(ctx.store, def, 'CREATE', checked);
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

