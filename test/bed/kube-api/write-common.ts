/** @module kube-api/write-common: helpers shared by the create, update and delete paths. */
import type { ApiContext, WriteOptions } from './context.ts';
import { validateKind } from './kinds.ts';
import { canonical } from './patch.ts';
import { CrdDefinitionError, defFromCrd } from './resources.ts';
import { badRequest, invalid, namespaceNotFound, namespaceTerminating, notFound } from './status-error.ts';
import { type KubeObject, type ResourceDef, apiVersionOf, resourceKey } from './types.ts';
import { checkCelRules } from './cel-validation.ts';
import { checkAgainstSchema } from './validation.ts';
import { pruneUnknownCrdSchemaFields } from './crd-schema-fields.ts';

export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface WriteResult {
  code: number;
  body: unknown;
}


export function asObject(body: unknown): KubeObject {
  if (!isObject(body)) throw badRequest('Object in request body is not a JSON object');
  const obj = structuredClone(body) as KubeObject;
  if (obj.metadata !== undefined && !isObject(obj.metadata)) throw badRequest('metadata must be an object');
  obj.metadata ??= {};
  return obj;
}

export function checkTypeMeta(def: ResourceDef, obj: KubeObject): void {
  const want = apiVersionOf(def);
  if (obj.apiVersion !== undefined && obj.apiVersion !== want) {
    throw badRequest(`the API version in the data (${obj.apiVersion}) does not match the expected API version (${want})`);
  }
  if (obj.kind !== undefined && obj.kind !== def.kind) throw badRequest(`${obj.kind} in version "${def.version}" cannot be handled as a ${def.kind}: kind mismatch`);
  obj.apiVersion = want;
  obj.kind = def.kind;
}

/** What generation tracks: everything but metadata (and status, when it has its own subresource). */
export function generationRelevant(def: ResourceDef, obj: KubeObject): string {
  const { metadata: _m, status, ...rest } = obj;
  return JSON.stringify(canonical(def.statusSubresource ? rest : { ...rest, status }));
}

export const sameContent = (a: KubeObject, b: KubeObject): boolean => {
  const strip = (o: KubeObject) => ({ ...o, metadata: { ...o.metadata, resourceVersion: undefined } });
  return JSON.stringify(canonical(strip(a))) === JSON.stringify(canonical(strip(b)));
};

/** Prune unknown fields and validate against the schema (custom kinds) or kind rules (built-ins). */
export function checkObject(ctx: ApiContext, def: ResourceDef, obj: KubeObject, namespace: string, opts: WriteOptions, old?: KubeObject): KubeObject {
  validateKind(def, obj, namespace);
  const result = checkAgainstSchema(def.flavor === 'custom' ? def.schema : undefined, obj);
  if (def.flavor === 'crd') result.unknownFields.push(...pruneUnknownCrdSchemaFields(result.object));
  if (result.unknownFields.length > 0) {
    if (opts.fieldValidation === 'Strict') {
      // a built-in kind fails in its Go decoder, which names the kind first
      const decoder = def.flavor === 'custom' ? '' : `${def.kind} in version "${def.version}" cannot be handled as a ${def.kind}: `;
      throw badRequest(`${decoder}strict decoding error: ${result.unknownFields.map((f) => `unknown field "${f}"`).join(', ')}`);
    }
    if (opts.fieldValidation === 'Warn') for (const f of result.unknownFields) opts.warnings.push(`unknown field "${f}"`);
  }
  if (result.causes.length > 0) throw invalid(def, obj.metadata.name ?? '', result.causes);
  // CRD validation rules run on the pruned, schema-valid object (transition rules against the stored one)
  const ruleCauses = def.flavor === 'custom' ? checkCelRules(def.schema, result.object, old) : [];
  if (ruleCauses.length > 0) throw invalid(def, obj.metadata.name ?? '', ruleCauses);
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

/** The namespace of a create must exist and not be terminating (then 403 NamespaceTerminating). */
export function requireNamespace(ctx: ApiContext, def: ResourceDef, namespace: string, name: string): void {
  if (!def.namespaced) return;
  const ns = ctx.store.get('/namespaces', '', namespace);
  if (!ns) throw namespaceNotFound(namespace);
  if (ns.metadata.deletionTimestamp) throw namespaceTerminating(def, namespace, name);
}

export const storageNs = (def: ResourceDef, namespace: string): string => (def.namespaced ? namespace : '');

export function loadExisting(ctx: ApiContext, def: ResourceDef, namespace: string, name: string): KubeObject {
  const old = ctx.store.get(resourceKey(def), storageNs(def, namespace), name);
  if (!old) throw notFound(def, name);
  return old;
}
