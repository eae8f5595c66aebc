/**
 * @module ironic/http: one Ironic HTTP exchange on ky: the microversion header, bounded
 * retries for idempotent methods, a body size cap, zod parsing, typed errors.
 */
import type * as z from 'zod';
import { IronicAuthError, IronicResponseError, IronicUnavailableError } from '../errors.ts';
import { lazyKyInstance, loadKy } from '../ky-lazy.ts';
import { redact } from '../log.ts';
import { retryAfterMsOf, scrub, secretsIn, toIronicError } from './errors.ts';
import { BodyTooLargeError, readBodyCapped } from './read-body.ts';

/** One HTTP attempt as seen on the wire (retries and every page count separately). */
export interface IronicRequestInfo {
  method: string;
  /** Path and query, e.g. `/v1/nodes?fields=uuid&limit=50` */
  path: string;
  /** 0 when no answer arrived (connection refused, timeout). */
  status: number;
  ms: number;
}

export interface IronicHttpOptions {
  /** Ironic's base URL, e.g. `http://127.0.0.1:6385` (a path prefix is kept). */
  url: string;
  /** Per attempt. */
  timeoutMs?: number;
  /** Retries of GET/PUT/DELETE on 5xx and network errors; `false` for none. Never 409, never POST/PATCH. */
  retry?: { limit?: number; backoffLimitMs?: number } | false;
  maxResponseBytes?: number;
  onRequest?: (info: IronicRequestInfo) => void;
  fetch?: typeof globalThis.fetch;
  /** HTTP basic auth, for Ironic deployments behind it (as Metal³'s). Refused over plain http unless allowInsecureAuth. */
  auth?: { username: string; password: string };
  /** PEM CA bundle that Ironic's TLS certificate must chain to (instead of the system roots). */
  caPem?: string;
  /** Send basic auth over plain http:// anyway (a loopback test bed only). */
  allowInsecureAuth?: boolean;
}

export interface IronicCall {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path below the base URL, e.g. `/v1/nodes/abc` */
  path: string;
  searchParams?: Record<string, string>;
  json?: unknown;
  /** Value of X-OpenStack-Ironic-API-Version; omitted when undefined. */
  microversion?: string;
  /** A 404 is an answer, not an error (the caller turns it into null or success). */
  allowNotFound?: boolean;
}

export type IronicAnswer = { status: number; text: string } | 'not-found';

export interface IronicHttp {
  send(call: IronicCall): Promise<IronicAnswer>;
  /** Parse an answer's JSON with `schema`; malformed → IronicResponseError naming `operation`. */
  parse<T>(operation: string, text: string, schema: z.ZodType<T>): T;
  readonly baseUrl: string;
}

const MiB = 1024 * 1024;

export function createIronicHttp({
  url,
  timeoutMs = 30_000,
  retry = {},
  maxResponseBytes = 16 * MiB,
  onRequest,
  fetch: fetchImpl = globalThis.fetch,
  auth,
  caPem,
  allowInsecureAuth = false,
}: IronicHttpOptions): IronicHttp {
  const baseUrl = url.replace(/\/+$/, '');
  const headers: Record<string, string> = { accept: 'application/json' };
  // anyone on the path would read the password, and could then drive every host
  if (auth && new URL(baseUrl).protocol !== 'https:' && !allowInsecureAuth) {
    throw new IronicAuthError(`refusing to send Ironic credentials over plain HTTP to ${new URL(baseUrl).origin}: use https:// (IRONIC_CA_BUNDLE for a private CA) or set IRONIC_INSECURE_HTTP_AUTH=true`);
  }
  // only a private CA needs its own undici Agent; created on first request
  let dispatcher: Promise<unknown> | undefined;
  const dispatcherOf = (): Promise<unknown> | undefined => {
    if (caPem === undefined) return undefined;
    dispatcher ??= import('undici').then(({ Agent }) => new Agent({ connect: { ca: caPem } }));
    return dispatcher;
  };
  if (auth) {
    redact.add(auth.password);
    headers.authorization = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
  }

  const countingFetch = async function countingFetch(input: Request | URL | string, init?: RequestInit): Promise<Response> {
    const started = performance.now();
    // duck-typed: ky's Request may come from another realm than ours
    const request = typeof input === 'object' && 'method' in input ? input : undefined;
    const target = new URL(request ? request.url : String(input));
    const report = (status: number): void =>
      onRequest?.({ method: request?.method ?? init?.method ?? 'GET', path: target.pathname + target.search, status, ms: performance.now() - started });
    try {
      const agent = await dispatcherOf();
      const response = await fetchImpl(input, agent === undefined ? init : ({ ...init, dispatcher: agent } as RequestInit));
      report(response.status);
      return response;
    } catch (err) {
      report(0);
      throw err;
    }
  };

  const http = lazyKyInstance({
    prefix: baseUrl,
    timeout: timeoutMs,
    headers,
    fetch: countingFetch,
    retry: retry === false
      ? { limit: 0 }
      : {
          limit: retry.limit ?? 2,
          // PUT and DELETE are idempotent for Ironic's state and delete endpoints; POST (create) and
          // PATCH are not retried blindly, and 409 (node locked) is left to the handler's own backoff
          methods: ['get', 'put', 'delete'],
          statusCodes: [500, 502, 503, 504],
          afterStatusCodes: [503],
          maxRetryAfter: 10_000,
          backoffLimit: retry.backoffLimitMs ?? 3_000,
          jitter: true,
        },
  });

  async function send(call: IronicCall): Promise<IronicAnswer> {
    const operation = `${call.method} ${call.path}`;
    const secrets = call.json === undefined ? [] : secretsIn(call.json);
    const { isHTTPError, isNetworkError, isTimeoutError } = await loadKy();
    const api = await http();
    let response: Response;
    try {
      response = await api(call.path.replace(/^\//, ''), {
        method: call.method,
        searchParams: call.searchParams,
        json: call.json,
        // an explicit `headers: undefined` would drop the instance's headers (auth among them)
        ...(call.microversion === undefined ? {} : { headers: { 'X-OpenStack-Ironic-API-Version': call.microversion } }),
      });
    } catch (err) {
      if (isHTTPError(err)) {
        if (err.response.status === 404 && call.allowNotFound) return 'not-found';
        throw toIronicError({
          operation, status: err.response.status, body: err.data, secrets,
          retryAfterMs: retryAfterMsOf(err.response.headers.get('retry-after')),
        });
      }
      if (isTimeoutError(err)) {
        throw new IronicUnavailableError(`${operation} failed: Ironic at ${baseUrl} did not answer within ${timeoutMs} ms`, {
          context: { operation },
        });
      }
      if (isNetworkError(err)) {
        throw new IronicUnavailableError(`${operation} failed: cannot reach Ironic at ${baseUrl}: ${networkReason(err)}`, {
          context: { operation },
        });
      }
      throw err;
    }
    try {
      const text = await readBodyCapped(response, maxResponseBytes);
      return { status: response.status, text };
    } catch (err) {
      if (err instanceof BodyTooLargeError) {
        throw new IronicResponseError(`${operation} failed: answer larger than ${maxResponseBytes} bytes`, { context: { operation } });
      }
      throw new IronicUnavailableError(`${operation} failed: answer cut off: ${scrub((err as Error).message, secrets)}`, { context: { operation } });
    }
  }

  function parse<T>(operation: string, text: string, schema: z.ZodType<T>): T {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new IronicResponseError(`${operation} failed: answer is not JSON (${text.length} chars)`, { context: { operation } });
    }
    const result = schema.safeParse(value);
    if (!result.success) {
      const issues = result.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
      throw new IronicResponseError(`${operation} failed: unexpected answer: ${issues}`, { context: { operation } });
    }
    return result.data;
  }

  return { send, parse, baseUrl };
}

/**
 * The socket-level reason (ECONNREFUSED, ENOTFOUND, ...) from undici's cause chain.
 * Duck-typed: the chain may come from another realm (e.g. Jest's VM), where `instanceof Error` fails.
 */
function networkReason(err: Error): string {
  let cause: unknown = err.cause;
  let last = err.message;
  for (let depth = 0; depth < 5 && typeof cause === 'object' && cause !== null; depth++) {
    const { code, message } = cause as { code?: unknown; message?: unknown };
    if (typeof code === 'string') return code;
    if (typeof message === 'string') last = message;
    cause = (cause as { cause?: unknown }).cause;
  }
  return last;
}
