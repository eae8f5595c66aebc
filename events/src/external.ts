/**
 * @module events/external: the catalogue of events outside systems send to the `external`
 * function, their `data` schemas and `parseExternalEvent`, the only place they are validated.
 *
 * Each type asks for one change a Kubernetes user could make by hand (an upstream annotation on a
 * host, `spec.online`, a HostClaim created or deleted); the function checks with a
 * SubjectAccessReview that the sender may make it, then makes it. Nothing else can be asked for:
 * no status, no arbitrary annotation, no other field.
 */
import { z } from 'zod';
import { HostClaimSpecSchema } from '../../shared/src/api/hostclaim.ts';
import { EventValidationError } from '../../shared/src/errors.ts';
import { Extension, SUBJECT, TRACEPARENT } from './attributes.ts';

export const EXTERNAL_EVENT_TYPE_PREFIX = 'io.metal3.external';

/** The external catalogue: one type per request an outside system may make. */
export const ExternalEventType = {
  reboot: `${EXTERNAL_EVENT_TYPE_PREFIX}.reboot.requested`,
  inspect: `${EXTERNAL_EVENT_TYPE_PREFIX}.inspect.requested`,
  power: `${EXTERNAL_EVENT_TYPE_PREFIX}.power.requested`,
  claim: `${EXTERNAL_EVENT_TYPE_PREFIX}.claim.requested`,
  release: `${EXTERNAL_EVENT_TYPE_PREFIX}.release.requested`,
} as const;
export type ExternalRequest = keyof typeof ExternalEventType;
export type ExternalEventTypeName = (typeof ExternalEventType)[ExternalRequest];
export const EXTERNAL_REQUESTS = Object.keys(ExternalEventType) as ExternalRequest[];
export const EXTERNAL_EVENT_TYPES: readonly ExternalEventTypeName[] = EXTERNAL_REQUESTS.map((r) => ExternalEventType[r]);

// Kubernetes object names: a namespace is a DNS label, a host or claim name a DNS subdomain
const NAMESPACE = z.string().regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'must be a DNS label (a Kubernetes namespace)');
const NAME = z.string().max(253).regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, 'must be a DNS subdomain (a Kubernetes object name)');
export const ObjectRefSchema = z.object({ namespace: NAMESPACE, name: NAME }).strict();

export const ExternalSchemas = {
  /** reboot the host once (upstream's one-shot `reboot.metal3.io` annotation); `mode` soft falls back to hard */
  reboot: z.object({ host: ObjectRefSchema, mode: z.enum(['hard', 'soft']).optional() }).strict(),
  /** inspect an available host again (upstream's `inspect.metal3.io: ""`) */
  inspect: z.object({ host: ObjectRefSchema }).strict(),
  /** power the host on or off (`spec.online`) */
  power: z.object({ host: ObjectRefSchema, online: z.boolean() }).strict(),
  /** ask for a machine: create this HostClaim in the tenant's namespace */
  claim: z.object({ claim: ObjectRefSchema, spec: HostClaimSpecSchema.strict() }).strict(),
  /** give a machine back: delete this HostClaim */
  release: z.object({ claim: ObjectRefSchema }).strict(),
} as const satisfies Record<ExternalRequest, z.ZodType>;

export type ExternalData = { [R in ExternalRequest]: z.infer<(typeof ExternalSchemas)[R]> };

/** One valid external event: which request, for which object, with what. */
export type ParsedExternalEvent = {
  [R in ExternalRequest]: { request: R; id: string; source: string; type: (typeof ExternalEventType)[R]; subject: string | undefined; data: ExternalData[R]; traceparent?: string | undefined };
}[ExternalRequest];

type Issue = { path: string; message: string };

/** The object an external event is about: `<namespace>/<name>` of its host or claim. */
export const targetOf = (e: ParsedExternalEvent): { namespace: string; name: string } => ('host' in e.data ? e.data.host : e.data.claim);

/**
 * Validates an external CloudEvent (already decoded from HTTP): CloudEvents 1.0, a type of the
 * external catalogue, `data` against that type's strict schema, and a `subject`, when given, that
 * names the same object. Every issue is listed (400).
 */
export function parseExternalEvent(event: unknown): ParsedExternalEvent {
  const issues: Issue[] = [];
  if (typeof event !== 'object' || event === null) throw new EventValidationError('not a CloudEvent', [{ path: '', message: 'expected an object' }]);
  const ce = event as Record<string, unknown>;
  const str = (k: string): string | undefined => (typeof ce[k] === 'string' && (ce[k] as string).length > 0 ? (ce[k] as string) : undefined);
  if (ce.specversion !== '1.0') issues.push({ path: 'specversion', message: `must be "1.0", got ${JSON.stringify(ce.specversion)?.slice(0, 50)}` });
  for (const k of ['id', 'source', 'type'] as const) if (!str(k)) issues.push({ path: k, message: 'required, non-empty string' });
  const type = str('type');
  const request = EXTERNAL_REQUESTS.find((r) => ExternalEventType[r] === type);
  if (type !== undefined && request === undefined) issues.push({ path: 'type', message: `unknown event type "${type.slice(0, 200)}"; this endpoint accepts ${EXTERNAL_EVENT_TYPES.join(', ')}` });
  const subject = str('subject');
  if (subject !== undefined && !SUBJECT.test(subject)) issues.push({ path: 'subject', message: 'must be "<namespace>/<name>"' });
  const dct = ce.datacontenttype;
  if (dct !== undefined && typeof dct === 'string' && !/^application\/json(;\s*charset=utf-8)?$/i.test(dct))
    issues.push({ path: 'datacontenttype', message: `must be application/json, got "${dct.slice(0, 100)}"` });
  const tp = ce[Extension.traceparent];
  if (tp !== undefined && (typeof tp !== 'string' || !TRACEPARENT.test(tp))) issues.push({ path: 'traceparent', message: 'not a W3C traceparent' });
  const bytes = ce.data instanceof Uint8Array ? Buffer.from(ce.data).toString('utf8') : undefined;
  const raw = typeof ce.data === 'string' ? safeJson(ce.data, issues) : bytes !== undefined ? safeJson(bytes, issues) : ce.data;
  let data: unknown;
  if (raw === undefined) {
    if (!issues.some((i) => i.path === 'data')) issues.push({ path: 'data', message: 'required' });
  } else if (request !== undefined) {
    const r = ExternalSchemas[request].safeParse(raw);
    if (r.success) data = r.data;
    else issues.push(...r.error.issues.map((i) => ({ path: ['data', ...i.path].join('.'), message: i.message })));
  }
  if (data !== undefined && subject !== undefined) {
    const t = (data as { host?: { namespace: string; name: string }; claim?: { namespace: string; name: string } });
    const ref = t.host ?? t.claim!;
    if (subject !== `${ref.namespace}/${ref.name}`) issues.push({ path: 'subject', message: `does not match data.${t.host ? 'host' : 'claim'} namespace/name` });
  }
  if (issues.length > 0 || request === undefined || data === undefined) {
    throw new EventValidationError(`invalid CloudEvent: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, issues);
  }
  return { request, id: str('id')!, source: str('source')!, type: ExternalEventType[request], subject, data, traceparent: typeof tp === 'string' ? tp : undefined } as ParsedExternalEvent;
}

function safeJson(text: string, issues: Issue[]): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    issues.push({ path: 'data', message: `not valid JSON: ${(e as Error).message.slice(0, 200)}` });
    return undefined;
  }
}
