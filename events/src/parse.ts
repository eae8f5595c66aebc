/**
 * @module events/parse: the only place incoming events are validated.
 * Anything wrong becomes an EventValidationError (HTTP 400) listing every issue.
 */
import { CloudEvent, HTTP } from 'cloudevents';
import type * as z from 'zod';
import { EventUnauthorizedError, EventValidationError } from '../../shared/src/errors.ts';
import { dataOf, readEnvelope, refuseIfInvalid } from './envelope.ts';
import type { Issue } from './envelope.ts';
import type { TransitionName } from '../../shared/src/state-machine/states.ts';
import { Extension } from './attributes.ts';
import type { ClaimRequestedData, RequestedData } from './schemas.ts';
import { ClaimRequestedDataSchema, Schemas } from './schemas.ts';
import type { ClaimRequestedEventType, RequestedEventType } from './types.ts';
import { ClaimEventType, isEventType, transitionOf } from './types.ts';

/** Events larger than this are refused before parsing (a host event is < 2 KiB). */
export const MAX_EVENT_BYTES = 64 * 1024;

export interface ParsedEvent {
  id: string;
  source: string;
  type: RequestedEventType;
  transition: TransitionName;
  subject: string;
  data: RequestedData;
  traceparent?: string | undefined;
}

export interface ParseOptions {
  /** only these types are accepted (a function accepts its own trigger type) */
  acceptTypes?: readonly RequestedEventType[];
  /**
   * `source` prefixes allowed; anything else is refused (403). A filter on what the sender says about
   * itself, not a security boundary: who sent an event is what the bearer tokens establish (eventauth/).
   */
  allowedSources?: readonly string[];
}


const zodIssues = (e: z.ZodError): Issue[] => e.issues.map((i) => ({ path: ['data', ...i.path].join('.'), message: i.message }));

/** Validates a CloudEvent (already decoded from HTTP) against our catalogue. */
export function parseEvent(event: unknown, { acceptTypes, allowedSources }: ParseOptions = {}): ParsedEvent {
  const envelope = readEnvelope(event);
  const { ce, issues, str, type, subject } = envelope;
  if (type !== undefined && !isEventType(type)) issues.push({ path: 'type', message: `unknown event type "${type.slice(0, 200)}"` });
  else if (type !== undefined && acceptTypes && !acceptTypes.includes(type as RequestedEventType))
    issues.push({ path: 'type', message: `this endpoint accepts only ${acceptTypes.join(', ')}` });

  let data: RequestedData | undefined;
  if (type !== undefined && isEventType(type)) {
    const raw = dataOf(envelope);
    if (raw !== undefined) {
      const r = Schemas[type].safeParse(raw);
      if (r.success) data = r.data;
      else issues.push(...zodIssues(r.error));
    }
  }
  if (data && subject && subject !== `${data.host.namespace}/${data.host.name}`)
    issues.push({ path: 'subject', message: 'does not match data.host namespace/name' });
  if (data && ce[Extension.hostUid] !== undefined && ce[Extension.hostUid] !== data.host.uid)
    issues.push({ path: Extension.hostUid, message: 'does not match data.host.uid' });
  refuseIfInvalid(issues);
  const eventType = type as RequestedEventType;
  const source = str('source') as string;
  refuseUnlistedSource(source, eventType, allowedSources);
  return {
    id: str('id') as string,
    source,
    type: eventType,
    transition: transitionOf(eventType),
    subject: subject as string,
    data: data!,
    traceparent: envelope.traceparent,
  };
}

/** A source outside `allowedSources` may not send `type` (403). */
function refuseUnlistedSource(source: string, type: string, allowedSources: readonly string[] | undefined): void {
  if (allowedSources && !allowedSources.some((p) => source === p || source.startsWith(p.endsWith('/') ? p : `${p}/`))) {
    throw new EventUnauthorizedError(`source "${source.slice(0, 200)}" is not allowed to send ${type}`);
  }
}

/**
 * Decodes an HTTP request (binary or structured mode) into a CloudEvent-shaped
 * object without trusting the SDK's lenient parsing; size-capped.
 */
export function decodeHttpEvent(headers: Record<string, string | string[] | undefined>, body: string | Buffer | undefined): Record<string, unknown> {
  const size = body === undefined ? 0 : Buffer.byteLength(body);
  if (size > MAX_EVENT_BYTES) throw new EventValidationError(`event body of ${size} bytes exceeds ${MAX_EVENT_BYTES}`, [{ path: 'body', message: 'too large' }]);
  const flat: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined) flat[k.toLowerCase()] = Array.isArray(v) ? v.join(',') : v;
  const ct = flat['content-type'] ?? '';
  if (ct.startsWith('application/cloudevents-batch')) throw new EventValidationError('batch mode is not supported', [{ path: 'content-type', message: 'batch' }]);
  if (!ct.startsWith('application/cloudevents') && flat['ce-id'] === undefined)
    throw new EventValidationError('not a CloudEvent: no ce-id header and not application/cloudevents+json', [{ path: 'headers', message: 'missing ce-* headers' }]);
  let ev: unknown;
  try {
    ev = HTTP.toEvent({ headers: flat, body: body === undefined ? undefined : body.toString() });
  } catch (e) {
    throw new EventValidationError(`not a CloudEvent: ${(e as Error).message.slice(0, 200)}`, [{ path: 'body', message: 'unparseable' }]);
  }
  if (Array.isArray(ev)) throw new EventValidationError('batch mode is not supported', [{ path: 'body', message: 'batch' }]);
  return cloudEventToRecord(ev as CloudEvent<unknown>);
}

export function cloudEventToRecord(ev: CloudEvent<unknown>): Record<string, unknown> {
  return { ...(ev as unknown as Record<string, unknown>) };
}

export interface ParsedClaimEvent {
  id: string;
  source: string;
  type: ClaimRequestedEventType;
  subject: string;
  data: ClaimRequestedData;
  traceparent?: string | undefined;
}

/**
 * Validates a `io.metal3.hostclaim.claim.requested` CloudEvent: the same envelope rules as
 * `parseEvent`, then `data` against the claim schema; every issue listed (400), a source
 * outside `allowedSources` refused (403).
 */
export function parseClaimEvent(event: unknown, { allowedSources }: Pick<ParseOptions, 'allowedSources'> = {}): ParsedClaimEvent {
  const envelope = readEnvelope(event);
  const { ce, issues, str, type, subject } = envelope;
  if (type !== undefined && type !== ClaimEventType.claim) issues.push({ path: 'type', message: `this endpoint accepts only ${ClaimEventType.claim}` });
  let data: ClaimRequestedData | undefined;
  const raw = dataOf(envelope);
  if (raw !== undefined) {
    const r = ClaimRequestedDataSchema.safeParse(raw);
    if (r.success) data = r.data;
    else issues.push(...zodIssues(r.error));
  }
  if (data && subject && subject !== `${data.claim.namespace}/${data.claim.name}`) issues.push({ path: 'subject', message: 'does not match data.claim namespace/name' });
  if (data && ce[Extension.claimUid] !== undefined && ce[Extension.claimUid] !== data.claim.uid) issues.push({ path: Extension.claimUid, message: 'does not match data.claim.uid' });
  refuseIfInvalid(issues);
  const source = str('source') as string;
  refuseUnlistedSource(source, ClaimEventType.claim, allowedSources);
  return { id: str('id') as string, source, type: ClaimEventType.claim, subject: subject as string, data: data!, traceparent: envelope.traceparent };
}
