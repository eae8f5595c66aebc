/** @module kube-api/reads: get and list (selectors, limit/continue, Table and metadata-only rendering). */
import type { ApiContext } from './context.ts';
import { notAcceptable, partialList, partialObject, wantsMetadata } from './metadata.ts';
import { fieldSelector, fieldsOf, labelSelector } from './selectors.ts';
import { objectJson } from './serialize.ts';
import { expired, notFound, badRequest } from './status-error.ts';
import { type IncludeObject, toTable, wantsTable } from './tables.ts';
import { type KubeObject, type ResourceDef, apiVersionOf, resourceKey } from './types.ts';

export interface ReadResult {
  code: number;
  /** A pre-serialised JSON body. */
  json: string;
}

const storageNs = (def: ResourceDef, namespace: string): string => (def.namespaced ? namespace : '');

const include = (q: URLSearchParams): IncludeObject => (q.get('includeObject') as IncludeObject | null) ?? 'Metadata';

export function getObject(ctx: ApiContext, def: ResourceDef, namespace: string, name: string, accept: string | undefined, query: URLSearchParams): ReadResult {
  const obj = ctx.store.get(resourceKey(def), storageNs(def, namespace), name);
  if (!obj) throw notFound(def, name);
  const metadataForm = wantsMetadata(accept);
  if (metadataForm === 'PartialObjectMetadataList') throw notAcceptable(def, metadataForm, false);
  if (metadataForm) return { code: 200, json: JSON.stringify(partialObject(obj)) };
  if (wantsTable(accept)) {
    return { code: 200, json: JSON.stringify(toTable(def, [obj], { includeObject: include(query), resourceVersion: obj.metadata.resourceVersion ?? '' })) };
  }
  return { code: 200, json: objectJson(obj) };
}

/** A predicate for the request's namespace, label and field selectors. */
export function selectorOf(def: ResourceDef, query: URLSearchParams): (obj: KubeObject) => boolean {
  const labels = labelSelector(query.get('labelSelector'));
  const fields = fieldSelector(query.get('fieldSelector'), fieldsOf(def.flavor), { metadata: {} });
  return (obj) => labels(obj.metadata.labels) && fields(obj);
}

interface ContinueToken {
  rv: number;
  after: string;
}

const encodeContinue = (t: ContinueToken): string => Buffer.from(JSON.stringify(t)).toString('base64url');

function decodeContinue(s: string, ctx: ApiContext): ContinueToken {
  try {
    const t = JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as ContinueToken;
    if (typeof t.rv !== 'number' || typeof t.after !== 'string') throw new Error('shape');
    return t;
  } catch {
    throw badRequest(`invalid continue token: ${s}`);
  } finally {
    void ctx;
  }
}

const itemKey = (o: KubeObject): string => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;

/** List with selectors; `limit` pages with an opaque continue token (consistent enough for tests). */
export function listObjects(ctx: ApiContext, def: ResourceDef, namespace: string, accept: string | undefined, query: URLSearchParams): ReadResult {
  const metadataForm = wantsMetadata(accept);
  if (metadataForm === 'PartialObjectMetadata') throw notAcceptable(def, metadataForm, true);
  const matches = selectorOf(def, query);
  const all = ctx.store.list(resourceKey(def), def.namespaced && namespace !== '' ? namespace : undefined);
  let items = all.filter(matches);
  const rv = String(ctx.store.resourceVersion);
  const token = query.get('continue');
  if (token) {
    const t = decodeContinue(token, ctx);
    if (t.rv < ctx.store.oldestListableRv) throw expired('The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.');
    let lo = 0;
    let hi = items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (itemKey(items[mid]!) <= t.after) lo = mid + 1;
      else hi = mid;
    }
    items = items.slice(lo);
  }
  const limit = Number(query.get('limit') ?? '0');
  let cont = '';
  let remaining: number | undefined;
  if (limit > 0 && items.length > limit) {
    remaining = items.length - limit;
    items = items.slice(0, limit);
    cont = encodeContinue({ rv: Number(rv), after: itemKey(items[items.length - 1]!) });
  }
  if (wantsTable(accept)) {
    return { code: 200, json: JSON.stringify(toTable(def, items, { includeObject: include(query), resourceVersion: rv, continueToken: cont })) };
  }
  const listMeta = { resourceVersion: rv, ...(cont ? { continue: cont, remainingItemCount: remaining } : {}) };
  if (metadataForm) return { code: 200, json: JSON.stringify(partialList(items, listMeta)) };
  const meta = JSON.stringify(listMeta);
  const json = `{"apiVersion":${JSON.stringify(apiVersionOf(def))},"kind":${JSON.stringify(def.listKind)},"metadata":${meta},"items":[${items.map(objectJson).join(',')}]}`;
  return { code: 200, json };
}
