/**
 * @module errors: the one error family of metal3-functions.
 *
 * Two axes, never mixed: the error *class* decides the disposition (retry the
 * event, record a permanent failure, or ignore it); the transition table row
 * decides which status `errorType` a recorded failure gets.
 * Messages name the operation and resource, never credentials or user data.
 */

/** Context carried by every error of ours; values must be safe to log. */
export type ErrorContext = Readonly<Record<string, string | number | boolean | undefined>>;

export interface AppErrorOptions extends ErrorOptions {
  context?: ErrorContext;
}

/** Base of every error we throw on purpose. */
export abstract class AppError extends Error {
  abstract readonly disposition: 'retry' | 'permanent' | 'ignore';
  readonly context: ErrorContext;
  constructor(message: string, options: AppErrorOptions = {}) {
    super(message, options);
    this.context = options.context ?? {};
  }
}

/** Transient: the event should be retried (reply 5xx/409, or requeue). */
export abstract class RetryableError extends AppError {
  readonly disposition = 'retry' as const;
  /** A hint for the retry delay, when the peer told us one. */
  retryAfterMs?: number;
}

/** Permanent: record it on the host's status and stop (reply 2xx). */
export abstract class PermanentError extends AppError {
  readonly disposition = 'permanent' as const;
}

/** Nothing to do: stale, duplicate or vanished (reply 2xx, no-op). */
export abstract class IgnorableError extends AppError {
  readonly disposition = 'ignore' as const;
}

// ---- edge validation -------------------------------------------------------

/** An incoming CloudEvent or request body failed validation: HTTP 400, never retried. */
export class EventValidationError extends AppError {
  override readonly name = 'EventValidationError';
  readonly disposition = 'permanent' as const;
  readonly issues: readonly { path: string; message: string }[];
  constructor(message: string, issues: readonly { path: string; message: string }[] = [], options: AppErrorOptions = {}) {
    super(message, options);
    this.issues = issues;
  }
}

/** A valid sender that may not send this (the policy table, or ALLOWED_SOURCES): HTTP 403. */
export class EventUnauthorizedError extends AppError {
  override readonly name = 'EventUnauthorizedError';
  readonly disposition = 'permanent' as const;
}

/** No bearer token, or one that is invalid, expired or for another audience: HTTP 401. */
export class EventUnauthenticatedError extends AppError {
  override readonly name = 'EventUnauthenticatedError';
  readonly disposition = 'permanent' as const;
}

// ---- Kubernetes -------------------------------------------------------------

export class HostNotFoundError extends IgnorableError {
  override readonly name = 'HostNotFoundError';
}

export class StaleEventError extends IgnorableError {
  override readonly name = 'StaleEventError';
}

/** A write lost an optimistic-concurrency race (409 on a stale resourceVersion; 410 when it expired): re-read. */
export class HostConflictError extends RetryableError {
  override readonly name = 'HostConflictError';
}

/** The Kubernetes API answered 5xx or could not be reached. */
export class KubeUnavailableError extends RetryableError {
  override readonly name = 'KubeUnavailableError';
}

/** The Kubernetes API refused a request for a reason a retry won't fix (403, 422 schema). */
export class KubeRequestError extends PermanentError {
  override readonly name = 'KubeRequestError';
  readonly statusCode: number;
  constructor(message: string, statusCode: number, options: AppErrorOptions = {}) {
    super(message, options);
    this.statusCode = statusCode;
  }
}

/** The host spec (or a Secret it names) is invalid; the message says what to fix. */
export class HostSpecError extends PermanentError {
  override readonly name = 'HostSpecError';
}

// ---- Ironic -----------------------------------------------------------------

/** Ironic 409: a conductor holds the node lock. Always transient. */
export class IronicConflictError extends RetryableError {
  override readonly name = 'IronicConflictError';
}

/** Ironic unreachable, 5xx, or timed out. */
export class IronicUnavailableError extends RetryableError {
  override readonly name = 'IronicUnavailableError';
}

/** Ironic 4xx other than 409, with its parsed `faultstring`. */
export class IronicRequestError extends PermanentError {
  override readonly name = 'IronicRequestError';
  readonly statusCode: number;
  constructor(message: string, statusCode: number, options: AppErrorOptions = {}) {
    super(message, options);
    this.statusCode = statusCode;
  }
}

/**
 * Ironic refused our credentials (401) or their rights (403), or the configuration would send
 * them unprotected. Permanent: retrying a wrong password only fills Ironic's logs.
 */
export class IronicAuthError extends PermanentError {
  override readonly name = 'IronicAuthError';
}

/** Ironic answered something we cannot read (malformed or oversized). */
export class IronicResponseError extends RetryableError {
  override readonly name = 'IronicResponseError';
}

/** The Ironic node reached a `* failed` state; the message is its `last_error`. */
export class OperationFailedError extends PermanentError {
  override readonly name = 'OperationFailedError';
}

// ---- BMC ----------------------------------------------------------------------

/** The BMC rejected the credentials. */
export class BmcAuthError extends PermanentError {
  override readonly name = 'BmcAuthError';
}

/** The BMC did not answer in time, or the connection failed. */
export class BmcUnreachableError extends RetryableError {
  override readonly name = 'BmcUnreachableError';
}

/** The scheme, command or option is not supported by this BMC or by us. */
export class BmcUnsupportedError extends PermanentError {
  override readonly name = 'BmcUnsupportedError';
}

/** The BMC address could not be parsed. */
export class BmcAddressError extends PermanentError {
  override readonly name = 'BmcAddressError';
}

/** The BMC answered with an error (IPMI completion code, Redfish error body). */
export class BmcCommandError extends PermanentError {
  override readonly name = 'BmcCommandError';
  /** IPMI completion code or HTTP status. */
  readonly code: number;
  constructor(message: string, code: number, options: AppErrorOptions = {}) {
    super(message, options);
    this.code = code;
  }
}

/** The BMC answered with a malformed or oversized message. */
export class BmcProtocolError extends RetryableError {
  override readonly name = 'BmcProtocolError';
}

// ---- guards: `instanceof` or `name`, so errors crossing bundles/realms still classify ----

const RETRYABLE = new Set([
  'HostConflictError', 'KubeUnavailableError', 'IronicConflictError', 'IronicUnavailableError',
  'IronicResponseError', 'BmcUnreachableError', 'BmcProtocolError', 'BmcOutcomeUnknownError', 'BmcSessionUnavailableError',
]);
const PERMANENT = new Set([
  'KubeRequestError', 'HostSpecError', 'IronicRequestError', 'OperationFailedError', 'BmcAuthError',
  'BmcUnsupportedError', 'BmcAddressError', 'BmcCommandError', 'EventValidationError', 'EventUnauthorizedError',
  'EventUnauthenticatedError',   'BmcDowngradeError',
]);
const IGNORABLE = new Set(['HostNotFoundError', 'StaleEventError']);

const nameOf = (e: unknown): string | undefined =>
  typeof e === 'object' && e !== null && typeof (e as { name?: unknown }).name === 'string' ? (e as { name: string }).name : undefined;

export const isRetryable = (e: unknown): boolean => e instanceof RetryableError || RETRYABLE.has(nameOf(e) ?? '');
export const isPermanent = (e: unknown): boolean => e instanceof PermanentError || PERMANENT.has(nameOf(e) ?? '');
export const isIgnorable = (e: unknown): boolean => e instanceof IgnorableError || IGNORABLE.has(nameOf(e) ?? '');
export const isEventValidationError = (e: unknown): e is EventValidationError =>
  e instanceof EventValidationError || nameOf(e) === 'EventValidationError';

/** Disposition of anything thrown; unknown errors are treated as transient (retry, never record). */
export function dispositionOf(e: unknown): 'retry' | 'permanent' | 'ignore' {
  if (isIgnorable(e)) return 'ignore';
  if (isPermanent(e)) return 'permanent';
  return 'retry';
}

/** A message safe for status/events: the error's own message, never its cause chain. */
export function messageOf(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}
