/**
 * @module kube-api/metadata: `meta.k8s.io/v1` PartialObjectMetadata answers, as kube-apiserver 1.32
 * gives them when the `Accept` header asks for `as=PartialObjectMetadata` (get, watch events) or
 * `as=PartialObjectMetadataList` (list): every object reduced to its whole `metadata` (managedFields
 * included), never its data or spec. Asking for the list form on a get, or the object form on a list,
 * is 406 NotAcceptable. The content type stays `application/json`.
 */
import { KubeStatusError } from './status-error.ts';
import type { KubeObject, ResourceDef } from './types.ts';

export type MetadataForm = 'PartialObjectMetadata' | 'PartialObjectMetadataList';

export const META_API_VERSION = 'meta.k8s.io/v1';

/** The form the first media type of `Accept` asks for, when it names one in `meta.k8s.io`. */
export function wantsMetadata(accept: string | undefined): MetadataForm | undefined {
  const first = (accept ?? '').split(',')[0] ?? '';
  const params = new Map(first.split(';').slice(1).map((p) => p.trim().split('=') as [string, string]));
  const as = params.get('as');
  if (params.get('g') !== 'meta.k8s.io' || (as !== 'PartialObjectMetadata' && as !== 'PartialObjectMetadataList')) return undefined;
  return as;
}

export const partialObject = (obj: Pick<KubeObject, 'metadata'>): object => ({ kind: 'PartialObjectMetadata', apiVersion: META_API_VERSION, metadata: obj.metadata });

export function partialList(objects: readonly KubeObject[], listMeta: Record<string, unknown>): object {
  // the real server's items is a Go slice that stays nil when nothing matched: `null`, not `[]`
  return { kind: 'PartialObjectMetadataList', apiVersion: META_API_VERSION, metadata: listMeta, items: objects.length === 0 ? null : objects.map(partialObject) };
}

/** The Go type the real server names in its 406 message. */
function goTypeOf(def: ResourceDef, list: boolean): string {
  if (def.flavor === 'custom') return list ? '*unstructured.UnstructuredList' : '*unstructured.Unstructured';
  const pkg = def.group === '' ? 'core' : def.group.split('.')[0]!;
  return `*${pkg}.${def.kind}${list ? 'List' : ''}`;
}

/** 406 for a form that does not fit the request (a list form on a get, an object form on a list). */
export function notAcceptable(def: ResourceDef, wanted: MetadataForm, isList: boolean): KubeStatusError {
  const message = isList
    ? `you requested ${wanted}, but the requested object is a list (${goTypeOf(def, true)})`
    : `you requested ${wanted}, but the requested object is not a list (${goTypeOf(def, false)})`;
  return new KubeStatusError(406, 'NotAcceptable', message);
}
