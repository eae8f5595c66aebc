/**
 * @module events/external: the catalogue of events outside systems send to the `external`
 * function, their `data` schemas and `parseExternalEvent`, the only place they are validated.
 *
 * Each type asks for one change a Kubernetes user could make by hand (an upstream annotation on a
 * host, `spec.online`, a HostClaim created or deleted); the function checks with a
 * SubjectAccessReview that the sender may make it, then makes it. Nothing else can be asked for:
 * no status, no arbitrary annotation, no other field.
 */
import * as z from 'zod';
import { HostClaimSpecSchema } from '../../shared/src/api/hostclaim.ts';
import { dataOf, readEnvelope, refuseIfInvalid } from './envelope.ts';

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

/** The object an external event is about: `<namespace>/<name>` of its host or claim. */
export const targetOf = (e: ParsedExternalEvent): { namespace: string; name: string } => ('host' in e.data ? e.data.host : e.data.claim);

/**
 * Validates an external CloudEvent (already decoded from HTTP): CloudEvents 1.0, a type of the
 * external catalogue, `data` against that type's strict schema, and a `subject`, when given, that
 * names the same object. Every issue is listed (400).
 */
export function parseExternalEvent(event: unknown): ParsedExternalEvent {
  const envelope = readEnvelope(event, ['id', 'source', 'type']);
  const { issues, str, type, subject } = envelope;
  const request = EXTERNAL_REQUESTS.find((r) => ExternalEventType[r] === type);
  if (type !== undefined && request === undefined) issues.push({ path: 'type', message: `unknown event type "${type.slice(0, 200)}"; this endpoint accepts ${EXTERNAL_EVENT_TYPES.join(', ')}` });
  const raw = dataOf(envelope);
  let data: unknown;
  if (raw !== undefined && request !== undefined) {
    const r = ExternalSchemas[request].safeParse(raw);
    if (r.success) data = r.data;
    else issues.push(...r.error.issues.map((i) => ({ path: ['data', ...i.path].join('.'), message: i.message })));
  }
  if (data !== undefined && subject !== undefined) {
    const t = (data as { host?: { namespace: string; name: string }; claim?: { namespace: string; name: string } });
    const ref = t.host ?? t.claim!;
    if (subject !== `${ref.namespace}/${ref.name}`) issues.push({ path: 'subject', message: `does not match data.${t.host ? 'host' : 'claim'} namespace/name` });
  }
  refuseIfInvalid(issues);
  return { request, id: str('id')!, source: str('source')!, type: ExternalEventType[request!], subject, data, traceparent: envelope.traceparent } as ParsedExternalEvent;
}
