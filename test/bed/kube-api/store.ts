/**
 * @module kube-api/store: objects in memory, one global resourceVersion counter (like etcd's revision).
 *
 * Maps per resource and namespace, so a write is O(1) and a namespaced list touches only its namespace.
 * Stored objects are never mutated: writers build a new object and `put` it, so readers may share them.
 */
import { type ChangeType, WatchHub } from './watch-hub.ts';
import type { KubeObject } from './types.ts';

export class ObjectStore {
  #rv: number;
  readonly #data = new Map<string, Map<string, Map<string, KubeObject>>>();
  readonly hub: WatchHub;
  #count = 0;
  readonly #removed: ((last: KubeObject) => void)[] = [];

  constructor(options: { maxHistory: number; firstResourceVersion?: number }) {
    this.#rv = options.firstResourceVersion ?? 100;
    this.hub = new WatchHub({ maxHistory: options.maxHistory, startRv: this.#rv });
  }

  get resourceVersion(): number {
    return this.#rv;
  }

  /** Reserve the next resourceVersion. */
  nextResourceVersion(): number {
    return ++this.#rv;
  }

  /** Continue tokens and watches from before this RV are expired. */
  get oldestListableRv(): number {
    return this.hub.compactedRv;
  }

  get count(): number {
    return this.#count;
  }

  get(key: string, namespace: string, name: string): KubeObject | undefined {
    return this.#data.get(key)?.get(namespace)?.get(name);
  }

  /** Objects of a resource, in one namespace or all (`undefined`); sorted by namespace, then name. */
  list(key: string, namespace?: string): KubeObject[] {
    const byNs = this.#data.get(key);
    if (!byNs) return [];
    const namespaces = namespace === undefined ? [...byNs.keys()].sort() : [namespace];
    const out: KubeObject[] = [];
    for (const ns of namespaces) {
      const names = byNs.get(ns);
      if (!names) continue;
      const sorted = [...names.keys()].sort();
      for (const n of sorted) out.push(names.get(n)!);
    }
    return out;
  }

  /** Namespaces holding objects of any resource (for namespace deletion). */
  keysWithNamespace(namespace: string): string[] {
    return [...this.#data.entries()].filter(([, byNs]) => (byNs.get(namespace)?.size ?? 0) > 0).map(([k]) => k);
  }

  /** Persist `obj` (its metadata.resourceVersion already set) and notify watchers. */
  put(key: string, obj: KubeObject, type: Exclude<ChangeType, 'DELETED'>, previous?: KubeObject): void {
    const ns = obj.metadata.namespace ?? '';
    let byNs = this.#data.get(key);
    if (!byNs) this.#data.set(key, (byNs = new Map()));
    let names = byNs.get(ns);
    if (!names) byNs.set(ns, (names = new Map()));
    if (!names.has(obj.metadata.name!)) this.#count++;
    names.set(obj.metadata.name!, Object.freeze(obj));
    const ev = { rv: Number(obj.metadata.resourceVersion), type, key, object: obj } as const;
    this.hub.publish(previous ? { ...ev, previous } : ev);
  }

  /** Remove an object; `last` is its final state carrying the deletion resourceVersion. */
  remove(key: string, last: KubeObject): void {
    const names = this.#data.get(key)?.get(last.metadata.namespace ?? '');
    if (names?.delete(last.metadata.name!)) this.#count--;
    this.hub.publish({ rv: Number(last.metadata.resourceVersion), type: 'DELETED', key, object: Object.freeze(last) });
    for (const listener of this.#removed) listener(last);
  }

  /** Called after every removal (the namespace controller waits for the last object to go). */
  onRemoved(listener: (last: KubeObject) => void): void {
    this.#removed.push(listener);
  }

  /** Drop a whole resource (CRD deleted). */
  dropResource(key: string): KubeObject[] {
    const all = this.list(key);
    this.#data.delete(key);
    this.#count -= all.length;
    return all;
  }
}
