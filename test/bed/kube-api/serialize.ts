/** @module kube-api/serialize: JSON of stored objects, memoised (stored objects are immutable, so lists and watch fan-out serialise each once). */
import type { KubeObject } from './types.ts';

const cache = new WeakMap<object, string>();

export function objectJson(obj: KubeObject): string {
  if (!Object.isFrozen(obj)) return JSON.stringify(obj);
  let s = cache.get(obj);
  if (s === undefined) {
    s = JSON.stringify(obj);
    cache.set(obj, s);
  }
  return s;
}
