/**
 * @module ky-lazy: ky, loaded on first use. Its load-time feature check builds a `Request`, which
 * pulls in Node's fetch (undici): ~15 ms of a function's cold start that an event needing no HTTP
 * call (a no-op, a host not found) would otherwise pay before its first answer.
 */
type Ky = typeof import('ky');

let loading: Promise<Ky> | undefined;

export const loadKy = (): Promise<Ky> => (loading ??= import('ky'));
