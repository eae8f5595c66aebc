/**
 * @module ky-lazy: ky, loaded on first use. Its load-time feature check builds a `Request`, which
 * loads Node's fetch (undici): ~15 ms (bench/cold-start.ts measures it) that an event needing no
 * HTTP call (a no-op, a host not found) would otherwise pay before its first answer. The bundles
 * require Node's built-ins rather than import them, so nothing else loads it (scripts/bundle.ts).
 */
import type { KyInstance, Options } from 'ky';

type Ky = typeof import('ky');

let loading: Promise<Ky> | undefined;

export const loadKy = (): Promise<Ky> => (loading ??= import('ky'));

/** A ky instance with `options`, created on the first call of the returned function. */
export function lazyKyInstance(options: Options): () => Promise<KyInstance> {
  let instance: Promise<KyInstance> | undefined;
  return () => (instance ??= loadKy().then(({ default: ky }) => ky.create(options)));
}
