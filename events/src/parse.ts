/**
 * @module events/parse: the only place incoming events are validated.
 * Anything wrong becomes an EventValidationError (HTTP 400) listing every issue.
 */
import { CloudEvent, HTTP } from 'cloudevents';
import type { z } from 'zod';
import { EventUnauthorizedError, EventValidationError } from '../../shared/src/errors.ts';
import type { TransitionName } from '../../shared/src/state-machine/states.ts';
import { Extension, SUBJECT, TRACEPARENT } from './attributes.ts';
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

type Issue = { path: string; message: string };

const zodIssues = (e: z.ZodError): Issue[] => e.issues.map((i) => ({ path: ['data', ...i.path].join('.'), message: i.message }));

/** Validates a CloudEvent (already decoded from HTTP) against our catalogue. */
export function parseEvent(event: unknown, { acceptTypes, allowedSources }: ParseOptions = {}): ParsedEvent {
  const issues: Issue[] = [];
  if (typeof event !== 'object' || event === null) throw new EventValidationError('not a CloudEvent', [{ path: '', message: 'expected an object' }]);
  const ce = event as Record<string, unknown>;
  const str = (k: string): string | undefined => (typeof ce[k] === 'string' && (ce[k] as string).length > 0 ? (ce[k] as string) : undefined);

  if (ce.specversion !== '1.0') issues.push({ path: 'specversion', message: `must be "1.0", got ${JSON.stringify(ce.specversion)}` });
  for (const k of ['id', 'source', 'type', 'subject'] as const) if (!str(k)) issues.push({ path: k, message: 'required, non-empty string' });
  const type = str('type');
  if (type !== undefined && !isEventType(type)) issues.push({ path: 'type', message: `unknown event type "${type.slice(0, 200)}"` });
  else if (type !== undefined && acceptTypes && !acceptTypes.includes(type as RequestedEventType))
    issues.push({ path: 'type', message: `this endpoint accepts only ${acceptTypes.join(', ')}` });
  const subject = str('subject');
  if (subject !== undefined && !SUBJECT.test(subject)) issues.push({ path: 'subject', message: 'must be "<namespace>/<name>"' });
  const dct = ce.datacontenttype;
  if (dct !== undefined && typeof dct === 'string' && !/^application\/json(;\s*charset=utf-8)?$/i.test(dct))
    issues.push({ path: 'datacontenttype', message: `must be application/json, got "${dct.slice(0, 100)}"` });
  const tp = ce[Extension.traceparent];
  if (tp !== undefined && (typeof tp !== 'string' || !TRACEPARENT.test(tp))) issues.push({ path: 'traceparent', message: 'not a W3C traceparent' });

  let data: RequestedData | undefined;
  if (type !== undefined && isEventType(type)) {
    // binary mode with a non-JSON content type hands the SDK's raw bytes over
    const bytes = ce.data instanceof Uint8Array ? Buffer.from(ce.data).toString('utf8') : undefined;
    const raw = typeof ce.data === 'string' ? safeJson(ce.data, issues) : bytes !== undefined ? safeJson(bytes, issues) : ce.data;
    if (raw === undefined) {
      if (!issues.some((i) => i.path === 'data')) issues.push({ path: 'data', message: 'required' });
    } else {
      const r = Schemas[type].safeParse(raw);
      if (r.success) data = r.data;
      else issues.push(...zodIssues(r.error));
    }
  }
  if (data && subject && subject !== `${data.host.namespace}/${data.host.name}`)
    issues.push({ path: 'subject', message: 'does not match data.host namespace/name' });
  if (data && ce[Extension.hostUid] !== undefined && ce[Extension.hostUid] !== data.host.uid)
    issues.push({ path: Extension.hostUid, message: 'does not match data.host.uid' });

  if (issues.length > 0 || !data || !type) {
    throw new EventValidationError(`invalid CloudEvent: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, issues);
  }
  const source = str('source') as string;
  if (allowedSources && !allowedSources.some((p) => source === p || source.startsWith(p.endsWith('/') ? p : `${p}/`))) {
    throw new EventUnauthorizedError(`source "${source.slice(0, 200)}" is not allowed to send ${type}`);
  }
  const eventType = type as RequestedEventType;
  return {
    id: str('id') as string,
    source,
    type: eventType,
    transition: transitionOf(eventType),
    subject: subject as string,
    data,
    traceparent: typeof tp === 'string' ? tp : undefined,
  };
}

function safeJson(text: string, issues: Issue[]): unknown {
  try {
    return JSON.parse(text);
  } catch {
    issues.push({ path: 'data', message: 'not valid JSON' });
    return undefined;
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
  const issues: Issue[] = [];
  if (typeof event !== 'object' || event === null) throw new EventValidationError('not a CloudEvent', [{ path: '', message: 'expected an object' }]);
  const ce = event as Record<string, unknown>;
  const str = (k: string): string | undefined => (typeof ce[k] === 'string' && (ce[k] as string).length > 0 ? (ce[k] as string) : undefined);
  if (ce.specversion !== '1.0') issues.push({ path: 'specversion', message: `must be "1.0", got ${JSON.stringify(ce.specversion)}` });
  for (const k of ['id', 'source', 'type', 'subject'] as const) if (!str(k)) issues.push({ path: k, message: 'required, non-empty string' });
  const type = str('type');
  if (type !== undefined && type !== ClaimEventType.claim) issues.push({ path: 'type', message: `this endpoint accepts only ${ClaimEventType.claim}` });
  const subject = str('subject');
  if (subject !== undefined && !SUBJECT.test(subject)) issues.push({ path: 'subject', message: 'must be "<namespace>/<name>"' });
  const dct = ce.datacontenttype;
  if (dct !== undefined && typeof dct === 'string' && !/^application\/json(;\s*charset=utf-8)?$/i.test(dct))
    issues.push({ path: 'datacontenttype', message: `must be application/json, got "${dct.slice(0, 100)}"` });
  const tp = ce[Extension.traceparent];
  if (tp !== undefined && (typeof tp !== 'string' || !TRACEPARENT.test(tp))) issues.push({ path: 'traceparent', message: 'not a W3C traceparent' });
  let data: ClaimRequestedData | undefined;
  const bytes = ce.data instanceof Uint8Array ? Buffer.from(ce.data).toString('utf8') : undefined;
  const raw = typeof ce.data === 'string' ? safeJson(ce.data, issues) : bytes !== undefined ? safeJson(bytes, issues) : ce.data;
  if (raw === undefined) {
    if (!issues.some((i) => i.path === 'data')) issues.push({ path: 'data', message: 'required' });
  } else {
    const r = ClaimRequestedDataSchema.safeParse(raw);
    if (r.success) data = r.data;
    else issues.push(...zodIssues(r.error));
  }
  if (data && subject && subject !== `${data.claim.namespace}/${data.claim.name}`) issues.push({ path: 'subject', message: 'does not match data.claim namespace/name' });
  if (data && ce[Extension.claimUid] !== undefined && ce[Extension.claimUid] !== data.claim.uid) issues.push({ path: Extension.claimUid, message: 'does not match data.claim.uid' });
  if (issues.length > 0 || !data) throw new EventValidationError(`invalid CloudEvent: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, issues);
  const source = str('source') as string;
  if (allowedSources && !allowedSources.some((p) => source === p || source.startsWith(p.endsWith('/') ? p : `${p}/`))) {
    throw new EventUnauthorizedError(`source "${source.slice(0, 200)}" is not allowed to send ${ClaimEventType.claim}`);
  }
  return { id: str('id') as string, source, type: ClaimEventType.claim, subject: subject as string, data, traceparent: typeof tp === 'string' ? tp : undefined };
}
