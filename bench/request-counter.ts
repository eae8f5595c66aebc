/**
 * @module bench/request-counter: counts Ironic requests by component and
 * kind. Every HTTP attempt our Ironic client makes is reported through its
 * `onRequest` hook (retries and pages count separately), in both modes.
 */
import type { IronicRequestInfo } from '../shared/src/ironic/client.ts';

export interface RequestCounts {
  total: number;
  /** GET /v1/nodes (the list call, any query) */
  list: number;
  /** GET of one node or its sub-resources */
  get: number;
  /** PUT/POST/PATCH/DELETE */
  write: number;
  byComponent: Record<string, number>;
}

export const emptyCounts = (): RequestCounts => ({ total: 0, list: 0, get: 0, write: 0, byComponent: {} });

export function countRequest(counts: RequestCounts, info: IronicRequestInfo & { component: string }): void {
  counts.total++;
  counts.byComponent[info.component] = (counts.byComponent[info.component] ?? 0) + 1;
  const path = info.path.split('?')[0]!.replace(/\/+$/, '');
  if (info.method !== 'GET') counts.write++;
  else if (path.endsWith('/v1/nodes')) counts.list++;
  else counts.get++;
}

/** `later − earlier`, field by field. */
export function diffCounts(later: RequestCounts, earlier: RequestCounts): RequestCounts {
  const byComponent: Record<string, number> = {};
  for (const [k, v] of Object.entries(later.byComponent)) byComponent[k] = v - (earlier.byComponent[k] ?? 0);
  return { total: later.total - earlier.total, list: later.list - earlier.list, get: later.get - earlier.get, write: later.write - earlier.write, byComponent };
}

/** `a + b`, field by field. */
export function addCounts(a: RequestCounts, b: RequestCounts): RequestCounts {
  const byComponent: Record<string, number> = { ...a.byComponent };
  for (const [k, v] of Object.entries(b.byComponent)) byComponent[k] = (byComponent[k] ?? 0) + v;
  return { total: a.total + b.total, list: a.list + b.list, get: a.get + b.get, write: a.write + b.write, byComponent };
}
