/**
 * @module bmc/redfish/transport: one BMC's HTTP edge: ky (on a per-host undici 7 Agent when
 * the host has TLS options), auth, size cap, zod.
 *
 * TLS is verified by default; a pinned CA or `disableCertificateVerification` applies to this
 * host's Agent only (never NODE_TLS_REJECT_UNAUTHORIZED). undici is imported on first use by
 * such a host: it costs ~30 MB and ~0.3 s, which the functions' cold start cannot afford, and
 * the default (verify against the system CAs) is what the global fetch already does. Sessions: POST Sessions → X-Auth-Token,
 * re-login once on 401, DELETE on close. `auto` falls back to Basic when the BMC has no usable
 * session service (but never after a 401: wrong credentials stay wrong).
 */
import type { Agent } from 'undici';
import type * as z from 'zod';
import { lazyKyInstance } from '../../ky-lazy.ts';
import { redact, silentLogger, type Logger } from '../../log.ts';
import { BmcAuthError, BmcUnreachableError } from '../../errors.ts';
import { errorForStatus, errorForTransport, protocolError } from './errors.ts';
import { ServiceRootSchema } from './schemas.ts';

export type RedfishAuthMode = 'session' | 'basic' | 'auto';

export interface RedfishTlsOptions {
  /** PEM of the CA (or the self-signed certificate) to trust for this host only */
  caPem?: string;
  /** trust any certificate from this host (explicit opt-in, as `bmc.disableCertificateVerification`) */
  disableCertificateVerification?: boolean;
}

export interface RedfishTransportOptions {
  /** 'https://host[:port]' */
  baseUrl: string;
  username: string;
  password: string;
  tls?: RedfishTlsOptions;
  auth?: RedfishAuthMode;
  /** per request (default 20 s) */
  timeoutMs?: number;
  /** larger answers are refused (default 2 MiB) */
  maxResponseBytes?: number;
  /** injectable for tests; defaults to the global fetch (with our Agent as dispatcher when `tls` asks for one) */
  fetch?: (input: Request | URL | string, init?: RequestInit) => Promise<Response>;
  log?: Logger;
}

export interface RedfishResponse {
  status: number;
  headers: Headers;
  body: unknown;
}

export interface RequestOptions {
  json?: unknown;
  headers?: Record<string, string>;
  /** statuses returned to the caller instead of thrown (e.g. 412 for the ETag dance) */
  allow?: readonly number[];
  /** no credentials (the service root) */
  anonymous?: boolean;
}

export interface RedfishTransport {
  readonly host: string;
  request(method: string, path: string, options?: RequestOptions): Promise<RedfishResponse>;
  get<S extends z.ZodType>(path: string, schema: S): Promise<{ data: z.infer<S>; etag?: string }>;
  serviceRoot(): Promise<z.infer<typeof ServiceRootSchema>>;
  /** which auth is in use after the first request: 'session' or 'basic' */
  authInUse(): 'session' | 'basic' | undefined;
  close(): Promise<void>;
}

const DEFAULT_SESSIONS_PATH = '/redfish/v1/SessionService/Sessions';

function parseRetryAfter(value: string | null): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

export { parseRetryAfter };

async function readCapped(res: Response, max: number, operation: string): Promise<string> {
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (declared > max) {
    await res.body?.cancel().catch(() => undefined);
    throw protocolError(operation, `answer of ${declared} bytes exceeds the ${max}-byte limit`);
  }
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > max) {
      await reader.cancel().catch(() => undefined);
      throw protocolError(operation, `answer exceeds the ${max}-byte limit`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Until the address has answered as a Redfish service, what it answered is not repeated: the
 * message goes to the host's status, and a status code or error body from whatever listens
 * there would make the BMC address a port scanner. Only a class of failure is named.
 */
function serviceRootError(operation: string, res: RedfishResponse): Error {
  if (res.status === 401 || res.status === 403) return new BmcAuthError(`${operation}: credentials rejected`);
  if (res.status === 408 || res.status === 429 || res.status >= 500) {
    const err = new BmcUnreachableError(`${operation}: Redfish service unavailable`);
    const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'));
    if (retryAfterMs !== undefined) err.retryAfterMs = retryAfterMs;
    return err;
  }
  return protocolError(operation, 'no Redfish service answers at this address');
}

export function createRedfishTransport({
  baseUrl, username, password, tls = {}, auth = 'auto', timeoutMs = 20_000, maxResponseBytes = 2 * 1024 * 1024, fetch, log = silentLogger,
}: RedfishTransportOptions): RedfishTransport {
  redact.add(password);
  const origin = new URL(baseUrl).origin;
  const host = new URL(baseUrl).host;
  // only a host with its own TLS rules needs its own Agent (and so undici); created on first request
  const ownTls = tls.disableCertificateVerification === true || Boolean(tls.caPem);
  let agent: Promise<Agent> | undefined;
  const dispatcher = (): Promise<Agent> | undefined => {
    if (!ownTls) return undefined;
    agent ??= import('undici').then(({ Agent: UndiciAgent }) => new UndiciAgent({
      connect: tls.disableCertificateVerification ? { rejectUnauthorized: false } : { ca: tls.caPem },
    }));
    return agent;
  };
  const api = lazyKyInstance({
    baseUrl: origin,
    timeout: timeoutMs,
    throwHttpErrors: false,
    // ky never retries POST/PATCH; GETs retry on network failures only
    retry: { limit: 2, methods: ['get'], statusCodes: [] },
    headers: { Accept: 'application/json', 'OData-Version': '4.0' },
    ...(fetch ? { fetch } : {}),
  });

  let mode: 'session' | 'basic' | undefined = auth === 'basic' ? 'basic' : undefined;
  let token: string | undefined;
  let sessionUri: string | undefined;
  let login: Promise<void> | undefined;
  let root: z.infer<typeof ServiceRootSchema> | undefined;
  const basic = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  redact.add(basic.slice(6));

  /** A BMC may echo what it was sent: no password or token ever leaves in a message. */
  const scrubbed = (e: Error): Error => {
    for (const secret of [password, token, basic.slice(6)]) {
      if (secret) e.message = e.message.split(secret).join('[REDACTED]');
    }
    e.message = redact.scrub(e.message);
    return e;
  };

  /** Same-origin check for server-given URIs (Location, task monitors): our token never leaves this host. */
  const toPath = (uri: string, operation: string): string => {
    if (uri.startsWith('/')) return uri;
    let u: URL;
    try { u = new URL(uri); } catch { throw protocolError(operation, 'malformed URI in answer'); }
    if (u.origin !== origin) throw protocolError(operation, `refusing to follow a URI on another host (${u.host})`);
    return u.pathname + u.search;
  };

  const raw = async (method: string, path: string, headers: Record<string, string>, json: unknown): Promise<RedfishResponse> => {
    const operation = `${method} https://${host}${path}`;
    let res: Response;
    try {
      // undici 7 Agent as the per-host dispatcher (see bmc-protocols.md §7.2); ky hands unknown options to fetch
      const own = await dispatcher();
      res = await (await api())(path, { method, headers, ...(json !== undefined ? { json } : {}), ...((own ? { dispatcher: own } : {}) as object) });
    } catch (e) {
      throw errorForTransport(operation, e);
    }
    const text = await readCapped(res, maxResponseBytes, operation);
    let body: unknown;
    if (text.trim().length > 0) {
      try {
        body = JSON.parse(text);
      } catch {
        if (res.ok) throw protocolError(operation, 'answer is not valid JSON');
        body = undefined;
      }
    }
    return { status: res.status, headers: res.headers, body };
  };

  const serviceRoot = async (): Promise<z.infer<typeof ServiceRootSchema>> => {
    if (root) return root;
    let res = await raw('GET', '/redfish/v1/', {}, undefined);
    // some BMCs protect even the service root
    if (res.status === 401 && mode !== 'session') res = await raw('GET', '/redfish/v1/', { Authorization: basic }, undefined);
    if (res.status !== 200) throw serviceRootError(`GET https://${host}/redfish/v1/`, res);
    const parsed = ServiceRootSchema.safeParse(res.body);
    if (!parsed.success) throw protocolError(`GET https://${host}/redfish/v1/`, 'service root is malformed');
    root = parsed.data;
    return root;
  };

  const doLogin = async (): Promise<void> => {
    const r = await serviceRoot();
    const path = r.Links?.Sessions?.['@odata.id'] ?? DEFAULT_SESSIONS_PATH;
    const operation = `POST https://${host}${path}`;
    const res = await raw('POST', path, {}, { UserName: username, Password: password });
    const newToken = res.headers.get('x-auth-token');
    if ((res.status === 201 || res.status === 200) && newToken) {
      token = newToken;
      redact.add(token);
      const location = res.headers.get('location');
      sessionUri = location ? toPath(location, operation) : undefined;
      mode = 'session';
      log.debug('redfish session opened', { host });
      return;
    }
    if (res.status === 401 || res.status === 403 || auth === 'session') {
      throw scrubbed(errorForStatus({ operation, status: res.status === 201 || res.status === 200 ? 502 : res.status, body: res.body }));
    }
    // auto: no usable session service (404, 405, no token): Basic on every request
    log.info('redfish session service unusable; using basic auth', { host, status: res.status });
    mode = 'basic';
  };

  const ensureAuth = async (): Promise<void> => {
    if (mode === 'basic' || token) return;
    login ??= doLogin().finally(() => { login = undefined; });
    await login;
  };

  const authHeaders = (): Record<string, string> => (mode === 'session' && token ? { 'X-Auth-Token': token } : { Authorization: basic });

  const request = async (method: string, path: string, options: RequestOptions = {}): Promise<RedfishResponse> => {
    const operation = `${method} https://${host}${path}`;
    path = toPath(path, operation);
    if (!options.anonymous) await ensureAuth();
    let res = await raw(method, path, { ...(options.anonymous ? {} : authHeaders()), ...options.headers }, options.json);
    if (res.status === 401 && !options.anonymous && mode === 'session') {
      // the session expired (SessionTimeout) or was deleted: log in again, once
      log.info('redfish session rejected; logging in again', { host });
      token = undefined;
      sessionUri = undefined;
      await ensureAuth();
      res = await raw(method, path, { ...authHeaders(), ...options.headers }, options.json);
    }
    if ((res.status >= 200 && res.status < 300) || options.allow?.includes(res.status)) return res;
    throw scrubbed(errorForStatus({ operation, status: res.status, body: res.body, retryAfterMs: parseRetryAfter(res.headers.get('retry-after')) }));
  };

  return {
    host,
    request,
    serviceRoot,
    authInUse: () => mode,
    async get(path, schema) {
      const res = await request('GET', path);
      const parsed = schema.safeParse(res.body);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw protocolError(`GET https://${host}${path}`, `unexpected answer${issue ? ` at ${issue.path.join('.') || '(root)'}: ${issue.message}` : ''}`);
      }
      const bodyTag = (res.body as { '@odata.etag'?: unknown } | undefined)?.['@odata.etag'];
      const etag = res.headers.get('etag') ?? (typeof bodyTag === 'string' ? bodyTag : undefined);
      return { data: parsed.data, etag };
    },
    async close() {
      try {
        if (token && sessionUri) {
          const res = await raw('DELETE', sessionUri, { 'X-Auth-Token': token }, undefined).catch(() => undefined);
          if (res && res.status >= 300) log.warn('redfish session delete refused', { host, status: res.status });
        }
      } finally {
        token = undefined;
        sessionUri = undefined;
        const own = agent;
        agent = undefined;
        if (own) await own.then((a) => a.close()).catch(() => undefined);
      }
    },
  };
}
