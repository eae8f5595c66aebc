/** @module api/object-meta: the object metadata our code reads, as the API server sends it. */

export interface ObjectMetaView {
  name: string;
  namespace?: string | undefined;
  uid?: string | undefined;
  generation?: number | undefined;
  resourceVersion?: string | undefined;
  labels?: Record<string, string> | undefined;
  annotations?: Record<string, string> | undefined;
  finalizers?: string[] | undefined;
  deletionTimestamp?: string | undefined;
}
