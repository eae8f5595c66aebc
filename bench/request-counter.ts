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

/** One Ironic request, as the system child traces it while asked to (`path` with its query: the probe and the list differ only there). */
export interface TracedRequest { at: number; method: string; path: string }

export interface SteadyRate {
  /** requests per minute over all streams */
  perMinute: number;
  /** request streams (method + path) seen in the trace */
  streams: number;
  /** streams seen only once, whose rate cannot be told from the trace (counted as one per window) */
  singles: number;
}

/**
 * The steady request rate from request times rather than a count in a
 * window: a window's count depends on where the window falls against each
 * poll cycle (a 60 s poll counted in a 62 s window reads 3 % low), so each
 * stream (one method and path with its query: the list call, the change
 * probe, one node's GET) gives
 * (k − 1) ÷ (last − first) and the streams are summed. A stream seen once
 * adds 1 ÷ window (the window should hold two cycles of the slowest stream).
 */
export function steadyRate(trace: readonly TracedRequest[], windowMs: number): SteadyRate {
  const streams = new Map<string, number[]>();
  for (const r of trace) {
    const key = `${r.method} ${r.path.replace(/\/+$/, '')}`;
    const times = streams.get(key);
    if (times) times.push(r.at);
    else streams.set(key, [r.at]);
  }
  let perMs = 0;
  let singles = 0;
  for (const times of streams.values()) {
    const span = times.length > 1 ? Math.max(...times) - Math.min(...times) : 0;
    if (span > 0) perMs += (times.length - 1) / span;
    else { singles++; perMs += times.length / windowMs; }
  }
  return { perMinute: perMs * 60_000, streams: streams.size, singles };
}
