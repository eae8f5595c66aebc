/**
 * @module ironic/errors: Ironic error bodies → our typed errors.
 *
 * Ironic wraps every error twice (`ironic/api/middleware/parsable_error.py`): the
 * body is `{"error_message": "<string>"}` and that string is itself JSON,
 * `{"faultcode": "Client", "faultstring": "...", "debuginfo": null}`.
 */
import { IronicAuthError, IronicConflictError, IronicRequestError, IronicUnavailableError, type ErrorContext } from '../errors.ts';

const MAX_FAULT_CHARS = 1_000;

/** Ironic's human message from an error body (parsed JSON or raw text); falls back to the text itself. */
export function faultStringOf(body: unknown): string {
  const fromObject = (value: unknown): string | undefined => {
    if (typeof value !== 'object' || value === null) return undefined;
    const v = value as Record<string, unknown>;
    if (typeof v.faultstring === 'string') return v.faultstring;
    if ('error_message' in v) return faultStringOf(v.error_message);
    if (typeof v.message === 'string') return v.message;
    return undefined;
  };
  let text: string;
  if (typeof body === 'string') {
    const inner = tryJson(body);
    text = (inner === undefined ? undefined : fromObject(inner)) ?? body;
  } else {
    text = fromObject(body) ?? (body === undefined || body === null ? '' : JSON.stringify(body));
  }
  text = text.trim();
  return text.length > MAX_FAULT_CHARS ? `${text.slice(0, MAX_FAULT_CHARS)}…` : text;
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** What a 409 meant, for callers that want to tell a lock from a duplicate. */
export type IronicConflictKind = 'locked' | 'exists' | 'state';

export function conflictKindOf(fault: string): IronicConflictKind {
  if (/is locked by host/i.test(fault)) return 'locked';
  if (/already exists/i.test(fault)) return 'exists';
  return 'state';
}

export interface HttpFailure {
  /** e.g. `PUT /v1/nodes/<uuid>/states/provision` */
  operation: string;
  status: number;
  body: unknown;
  /** Strings that must not appear in the message (e.g. passwords sent in the request). */
  secrets?: readonly string[];
  retryAfterMs?: number;
}

/** 409 → IronicConflictError (retry); 5xx → IronicUnavailableError; other 4xx → IronicRequestError. */
export function toIronicError({ operation, status, body, secrets = [], retryAfterMs }: HttpFailure): Error {
  const fault = scrub(faultStringOf(body), secrets);
  const message = `${operation} failed: ${status}${fault ? ` ${fault}` : ''}`;
  const context: ErrorContext = { operation, status };
  if (status === 409) {
    const err = new IronicConflictError(message, { context: { ...context, conflict: conflictKindOf(fault) } });
    if (retryAfterMs !== undefined) err.retryAfterMs = retryAfterMs;
    return err;
  }
  if (status === 401 || status === 403) {
    return new IronicAuthError(`${operation} failed: ${status} ${status === 401 ? 'Ironic rejected the credentials (IRONIC_USERNAME / IRONIC_PASSWORD)' : 'the Ironic user may not do this'}`, { context });
  }
  if (status >= 500) {
    const err = new IronicUnavailableError(message, { context });
    if (retryAfterMs !== undefined) err.retryAfterMs = retryAfterMs;
    return err;
  }
  return new IronicRequestError(message, status, { context });
}

/** Replace every secret value in `text`; short values are skipped so ordinary words survive. */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length >= 4 && out.includes(s)) out = out.split(s).join('[REDACTED]');
  return out;
}

const SECRET_KEY = /pass|secret|token|key|user_data|configdrive|meta_data|network_data/i;

/** String values under secret-looking keys anywhere in a request body (never echoed in errors). */
export function secretsIn(body: unknown, underSecretKey = false, out: string[] = []): string[] {
  if (typeof body === 'string') {
    if (underSecretKey) out.push(body);
  } else if (Array.isArray(body)) {
    for (const item of body) secretsIn(item, underSecretKey, out);
  } else if (typeof body === 'object' && body !== null) {
    const o = body as Record<string, unknown>;
    // a JSON-patch op carries its key in `path`: {"path": "/driver_info/ipmi_password", "value": "..."}
    const patchPathSecret = typeof o.path === 'string' && SECRET_KEY.test(o.path);
    for (const [k, v] of Object.entries(o)) secretsIn(v, underSecretKey || SECRET_KEY.test(k) || (patchPathSecret && k === 'value'), out);
  }
  return out;
}

/** Parse a `Retry-After` header (seconds or HTTP date) into milliseconds. */
export function retryAfterMsOf(header: string | null, now = Date.now()): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1_000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * Ironic refused an action because of the node's state ("The requested action … can not be performed
 * on node … while it is in state …"): whoever asked saw an older state, e.g. a concurrent duplicate
 * delivery already moved the node on.
 */
export function isInvalidStateRequest(e: unknown): boolean {
  return e instanceof IronicRequestError && e.statusCode === 400 && /can ?not be performed on node .* while it is in state/i.test(e.message);
}
