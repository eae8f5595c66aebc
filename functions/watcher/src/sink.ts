/**
 * @module watcher/sink: sends CloudEvents to K_SINK in HTTP binary mode.
 * A non-2xx answer or a network failure is retried with backoff; nothing is
 * dropped silently (a give-up is logged and counted, and the next resync re-emits).
 */
import { HTTP } from 'cloudevents';
import type { CloudEvent } from 'cloudevents';
import type { Logger } from '../../../shared/src/log.ts';

export interface SinkOptions {
  url: string;
  log: Logger;
  /** K_CE_OVERRIDES: {"extensions": {...}} applied to every event */
  overrides?: { extensions?: Record<string, string> } | undefined;
  retries?: number;
  baseDelayMs?: number;
  timeoutMs?: number;
  /** concurrent deliveries */
  concurrency?: number;
  fetch?: typeof fetch;
  /** bearer token for an authenticating broker ingress: fixed, or read anew per send (a renewed token file) */
  token?: string | (() => string | undefined) | undefined;
}

export interface Sink {
  send(event: CloudEvent<unknown>): Promise<boolean>;
  readonly stats: { sent: number; retried: number; failed: number };
  idle(): Promise<void>;
}

export function parseCeOverrides(text: string | undefined): SinkOptions['overrides'] {
  if (!text) return undefined;
  const v = JSON.parse(text) as { extensions?: Record<string, string> };
  return v && typeof v === 'object' ? v : undefined;
}

export function createSink({ url, log, overrides, retries = 6, baseDelayMs = 200, timeoutMs = 10_000, concurrency = 16, fetch: doFetch = fetch, token }: SinkOptions): Sink {
  const stats = { sent: 0, retried: 0, failed: 0 };
  let active = 0;
  const waiting: (() => void)[] = [];
  const idleWaiters: (() => void)[] = [];
  const acquire = async (): Promise<void> => {
    if (active < concurrency) { active++; return; }
    await new Promise<void>((r) => waiting.push(r));
    active++;
  };
  const release = (): void => {
    active--;
    waiting.shift()?.();
    if (active === 0 && waiting.length === 0) idleWaiters.splice(0).forEach((r) => r());
  };

  const bearer = (): Record<string, string> => {
    const t = typeof token === 'function' ? token() : token;
    return t ? { authorization: `Bearer ${t}` } : {};
  };

  async function deliver(event: CloudEvent<unknown>): Promise<boolean> {
    const ev = overrides?.extensions ? event.cloneWith(overrides.extensions) : event;
    const message = HTTP.binary(ev);
    for (let attempt = 0; ; attempt++) {
      try {
        const res = await doFetch(url, {
          method: 'POST',
          headers: { ...(message.headers as Record<string, string>), ...bearer() },
          body: typeof message.body === 'string' ? message.body : JSON.stringify(message.body),
          signal: AbortSignal.timeout(timeoutMs),
        });
        await res.arrayBuffer().catch(() => undefined);
        if (res.status >= 200 && res.status < 300) { stats.sent++; return true; }
        // 400: the broker will never take it; retrying cannot help
        if (res.status === 400 || res.status === 413) {
          stats.failed++;
          log.error('sink refused event', { type: ev.type, id: ev.id, status: res.status });
          return false;
        }
        throw new Error(`sink answered ${res.status}`);
      } catch (e) {
        if (attempt >= retries) {
          stats.failed++;
          log.error('could not deliver event; the next resync will emit it again', { type: ev.type, id: ev.id, error: (e as Error).message });
          return false;
        }
        stats.retried++;
        const delay = Math.min(baseDelayMs * 2 ** attempt, 10_000) * (0.5 + Math.random() / 2);
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  return {
    stats,
    send: async function send(event) {
      await acquire();
      try {
        return await deliver(event);
      } finally {
        release();
      }
    },
    idle: function idle() {
      return active === 0 && waiting.length === 0 ? Promise.resolve() : new Promise<void>((r) => idleWaiters.push(r));
    },
  };
}
