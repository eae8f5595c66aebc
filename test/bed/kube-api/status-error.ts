/** @module kube-api/status-error: Kubernetes `Status` failure objects, thrown by handlers and rendered once. */
import { type ResourceDef, qualifiedKind, qualifiedResource } from './types.ts';

export interface StatusCause {
  reason: string;
  message: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

/** The wire shape of a failed request (`kind: Status`). */
export interface StatusBody {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code: number;
}

/** A request failure carrying the exact Status body the real server would send. */
export class KubeStatusError extends Error {
  override readonly name = 'KubeStatusError';
  readonly code: number;
  readonly reason: string;
  readonly details: StatusDetails | undefined;
  constructor(code: number, reason: string, message: string, details?: StatusDetails) {
    super(message);
    this.code = code;
    this.reason = reason;
    this.details = details;
  }
  toStatus(): StatusBody {
    const body: StatusBody = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: this.message, reason: this.reason, code: this.code };
    if (this.details !== undefined) body.details = this.details;
    return body;
  }
}

const detailsOf = (def: ResourceDef, name?: string): StatusDetails => {
  const d: StatusDetails = {};
  if (name !== undefined && name !== '') d.name = name;
  if (def.group !== '') d.group = def.group;
  d.kind = def.plural;
  return d;
};

export const namespaceTerminating = (def: ResourceDef, ns: string, name: string): KubeStatusError =>
  new KubeStatusError(403, 'Forbidden', `${qualifiedResource(def)} "${name}" is forbidden: unable to create new content in namespace ${ns} because it is being terminated`, {
    ...detailsOf(def, name),
    causes: [{ reason: 'NamespaceTerminating', message: `namespace ${ns} is being terminated`, field: 'metadata.namespace' }],
  });

export const notFound = (def: ResourceDef, name: string): KubeStatusError =>
  new KubeStatusError(404, 'NotFound', `${qualifiedResource(def)} "${name}" not found`, detailsOf(def, name));

export const namespaceNotFound = (ns: string): KubeStatusError =>
  new KubeStatusError(404, 'NotFound', `namespaces "${ns}" not found`, { name: ns, kind: 'namespaces' });

export const pathNotFound = (): KubeStatusError =>
  new KubeStatusError(404, 'NotFound', 'the server could not find the requested resource', {});

export const alreadyExists = (def: ResourceDef, name: string): KubeStatusError =>
  new KubeStatusError(409, 'AlreadyExists', `${qualifiedResource(def)} "${name}" already exists`, detailsOf(def, name));

export const conflict = (def: ResourceDef, name: string): KubeStatusError =>
  new KubeStatusError(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${qualifiedResource(def)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    detailsOf(def, name),
  );

export const preconditionConflict = (def: ResourceDef, name: string, what: string, wanted: string, actual: string): KubeStatusError =>
  new KubeStatusError(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${qualifiedKind(def)} "${name}": the ${what} in the precondition (${wanted}) does not match the ${what} in record (${actual}). The object might have been modified`,
    detailsOf(def, name),
  );

/** 422 Invalid with one cause per field error, message shaped like the real server's. */
export const invalid = (def: ResourceDef, name: string, causes: StatusCause[]): KubeStatusError => {
  const rendered = causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message));
  const summary = rendered.length === 1 ? rendered[0] : `[${rendered.join(', ')}]`;
  // events.k8s.io Events are validated as the internal core Event: no group in message or details
  const validatedAs = def.flavor === 'events-event' ? { ...def, group: '' } : def;
  // NewInvalid names the Kind (not the plural) in details, so kubectl prints `The Widget "x" is invalid`
  const details: StatusDetails = { ...detailsOf(validatedAs, name), kind: def.kind, causes };
  return new KubeStatusError(422, 'Invalid', `${qualifiedKind(validatedAs)} "${name}" is invalid: ${summary}`, details);
};

export const badRequest = (message: string): KubeStatusError => new KubeStatusError(400, 'BadRequest', message);

export const methodNotAllowed = (method: string): KubeStatusError =>
  new KubeStatusError(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource`, { causes: [{ reason: 'MethodNotAllowed', message: `method ${method} not allowed` }] });

export const unsupportedMediaType = (accepted: readonly string[]): KubeStatusError =>
  new KubeStatusError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`);

export const expired = (message: string): KubeStatusError => new KubeStatusError(410, 'Expired', message);

export const forbidden = (def: { group: string; plural: string }, name: string | undefined, message: string): KubeStatusError => {
  const d: StatusDetails = {};
  if (name) d.name = name;
  if (def.group !== '') d.group = def.group;
  d.kind = def.plural;
  return new KubeStatusError(403, 'Forbidden', message, d);
};

export const unauthorized = (): KubeStatusError => new KubeStatusError(401, 'Unauthorized', 'Unauthorized');

/** Reason a fault-injected status code carries. */
export const reasonForCode = (code: number): string =>
  ({ 400: 'BadRequest', 403: 'Forbidden', 404: 'NotFound', 409: 'Conflict', 410: 'Expired', 422: 'Invalid', 429: 'TooManyRequests', 500: 'InternalError', 503: 'ServiceUnavailable', 504: 'Timeout' })[code] ?? 'Unknown';
