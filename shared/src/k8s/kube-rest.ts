/**
 * @module k8s/kube-rest: a tiny Kubernetes REST client on `node:https`/`node:http`.
 *
 * Not undici or fetch on purpose: a custom CA or client certificate is a plain TLS option
 * here, with no extra import at cold start. One keep-alive agent per client; a deadline on
 * every request; answers larger than a cap are refused; a 401 re-reads a rotated token once.
 * Non-2xx answers become our error family through `kubeErrorFor`, the one mapping of
 * Kubernetes answers to errors (the HostStore has no other).
 */
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import {
  HostConflictError, HostNotFoundError, KubeRequestError, KubeUnavailableError,
} from '../errors.ts';
import type { KubeConnection } from './kube-connection.ts';

export const JSON_PATCH = 'application/json-patch+json';
export const MERGE_PATCH = 'application/merge-patch+json';

export interface KubeRestOptions {
  connection: KubeConnection;
  /** per request, connect to last byte (default 15 s) */
  timeoutMs?: number;
  /** larger answers are refused (default 8 MiB) */
  maxResponseBytes?: number;
  userAgent?: string;
}

export interface KubeRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** absolute API path, e.g. `/api/v1/namespaces/x/secrets/y` (segments already encoded) */
  path: string;
  /** sent as JSON */
  body?: unknown;
  /** default `application/json` */
  contentType?: string;
  /** names the operation and object in error messages, e.g. `get secret ns/name` */
  what: string;
  /** statuses returned instead of thrown (e.g. 409 on a create that may exist) */
  allow?: readonly number[];
}

export interface KubeResponse<T = unknown> {
  status: number;
  body: T;
}

export interface KubeRest {
  request<T = unknown>(req: KubeRequest): Promise<KubeResponse<T>>;
  /** closes idle keep-alive sockets */
  close(): void;
}

interface StatusBody { message?: unknown; details?: { causes?: { field?: string; message?: string }[] } }

/** `message; field: cause; …` of a Kubernetes Status body, else the first line of the raw text. */
function statusText(body: unknown, raw: string): string {
  if (body && typeof body === 'object' && typeof (body as StatusBody).message === 'string') {
    // 422 Invalid: the causes say which field and why
    const causes = ((body as StatusBody).details?.causes ?? []).map((c) => `${c.field ?? ''}: ${c.message ?? ''}`).slice(0, 5);
    return [(body as { message: string }).message, ...causes].join('; ');
  }
  return (raw.split('\n')[0] ?? '').slice(0, 300) || 'no message';
}

export function retryAfterMs(header: string | string[] | undefined): number | undefined {
  const s = Number(Array.isArray(header) ? header[0] : header);
  return Number.isFinite(s) && s >= 0 ? s * 1000 : undefined;
}

/**
 * The JSON-patch op every resourceVersion-checked write of ours starts with. A real apiserver treats a
 * resourceVersion in the patched object as a precondition and answers 409 Conflict when it is stale;
 * a failed `test` op instead gets a bare 422 ("the server rejected our request…", no cause), which
 * cannot be told from a real validation error.
 */
export const resourceVersionPrecondition = (resourceVersion: string | undefined) => ({ op: 'replace', path: '/metadata/resourceVersion', value: resourceVersion });

/**
 * A non-2xx answer as our error family; `what` names operation and object. The class decides
 * what the shell does: conflict → re-read and retry at once, unavailable → back off (honouring
 * Retry-After), not found → ignore, anything else → record on the host, never retry.
 */
export function kubeErrorFor(status: number, body: unknown, raw: string, what: string, retryAfter?: number): Error {
  const text = statusText(body, raw);
  const msg = `${what}: ${status} ${text}`;
  if (status === 404) return new HostNotFoundError(msg);
  // 409: a stale resourceVersion (our writes carry the one they read; see resourceVersionPrecondition).
  // 410 Gone: the resourceVersion we hold has expired; a fresh read is the cure, as for a conflict.
  if (status === 409 || status === 410) return new HostConflictError(msg);
  if (status === 429 || status >= 500) {
    const err = new KubeUnavailableError(msg);
    if (retryAfter !== undefined) err.retryAfterMs = retryAfter;
    return err;
  }
  return new KubeRequestError(msg, status);
}

export function createKubeRest({
  connection, timeoutMs = 15_000, maxResponseBytes = 8 * 1024 * 1024, userAgent = 'metal3-functions',
}: KubeRestOptions): KubeRest {
  const base = new URL(connection.server);
  const secure = base.protocol === 'https:';
  const basePath = base.pathname.replace(/\/+$/, '');
  const agent = secure
    ? new HttpsAgent({ keepAlive: true, maxSockets: 16, ...connection.tls })
    : new HttpAgent({ keepAlive: true, maxSockets: 16 });
  const send = secure ? httpsRequest : httpRequest;

  /** One round trip; resolves for any HTTP status, rejects with KubeUnavailableError on transport trouble. */
  function roundTrip(req: KubeRequest, token: string | undefined): Promise<{ status: number; raw: string; retryAfter?: number }> {
    const payload = req.body === undefined ? undefined : Buffer.from(JSON.stringify(req.body), 'utf8');
    const headers: Record<string, string | number> = { Accept: 'application/json', 'User-Agent': userAgent };
    if (payload) Object.assign(headers, { 'Content-Type': req.contentType ?? 'application/json', 'Content-Length': payload.length });
    if (token) headers.Authorization = `Bearer ${token}`;
    return new Promise((resolve, reject) => {
      let settled = false;
      let deadline: NodeJS.Timeout | undefined;
      const fail = (reason: string, cause?: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        reject(new KubeUnavailableError(`${req.what}: ${reason}`, cause === undefined ? {} : { cause }));
      };
      const r = send({
        protocol: base.protocol, hostname: base.hostname.replace(/^\[|\]$/g, ''), port: base.port || (secure ? 443 : 80),
        method: req.method, path: basePath + req.path, headers, agent,
      }, (res: IncomingMessage) => {
        const declared = Number(res.headers['content-length'] ?? NaN);
        if (declared > maxResponseBytes) {
          fail(`answer of ${declared} bytes exceeds the ${maxResponseBytes}-byte limit`);
          res.destroy();
          return;
        }
        const chunks: Buffer[] = [];
        let total = 0;
        res.on('data', (c: Buffer) => {
          total += c.length;
          if (total > maxResponseBytes) {
            // reason first: destroying emits 'aborted', which would name a vaguer one
            fail(`answer exceeds the ${maxResponseBytes}-byte limit`);
            res.destroy();
            return;
          }
          chunks.push(c);
        });
        res.on('error', (e) => fail(`answer interrupted: ${e.message}`, e));
        res.on('aborted', () => fail('answer interrupted'));
        res.on('end', () => {
          if (settled) return;
          settled = true;
          clearTimeout(deadline);
          const retryAfter = retryAfterMs(res.headers['retry-after']);
          resolve({ status: res.statusCode ?? 0, raw: Buffer.concat(chunks).toString('utf8'), ...(retryAfter !== undefined ? { retryAfter } : {}) });
        });
      });
      deadline = setTimeout(() => {
        fail(`no complete answer within ${timeoutMs} ms`);
        r.destroy();
      }, timeoutMs);
      r.on('error', (e: NodeJS.ErrnoException) => fail(`${e.code ?? 'request failed'}: ${e.message.split('\n')[0]}`, e));
      r.end(payload);
    });
  }

  return {
    request: async function request<T>(req: KubeRequest): Promise<KubeResponse<T>> {
      const token = await connection.bearerToken();
      let res = await roundTrip(req, token);
      // a projected ServiceAccount token may have rotated under us: re-read it, retry once if it changed
      if (res.status === 401) {
        const fresh = await connection.bearerToken({ refresh: true });
        if (fresh && fresh !== token) res = await roundTrip(req, fresh);
      }
      let body: unknown;
      if (res.raw.trim().length > 0) {
        try {
          body = JSON.parse(res.raw);
        } catch {
          if (res.status >= 200 && res.status < 300) throw new KubeUnavailableError(`${req.what}: ${res.status} answer is not valid JSON`);
        }
      }
      if ((res.status >= 200 && res.status < 300) || req.allow?.includes(res.status)) return { status: res.status, body: body as T };
      throw kubeErrorFor(res.status, body, res.raw, req.what, res.retryAfter);
    },
    close: function close() {
      agent.destroy();
    },
  };
}
