/**
 * @module events/envelope: the CloudEvent envelope rules every endpoint of ours applies before it
 * looks at the type's own data: spec version 1.0, the required attributes as non-empty strings, a
 * `<namespace>/<name>` subject, JSON content, a W3C traceparent. Issues are collected, not thrown,
 * so a 400 lists every one of them.
 */
import { EventValidationError } from '../../shared/src/errors.ts';
import { Extension, SUBJECT, TRACEPARENT } from './attributes.ts';

export type Issue = { path: string; message: string };

export interface Envelope {
  /** the event's attributes as decoded from HTTP */
  ce: Record<string, unknown>;
  /** everything wrong so far; callers add their own */
  issues: Issue[];
  /** an attribute when it is a non-empty string */
  str(key: string): string | undefined;
  type: string | undefined;
  subject: string | undefined;
  traceparent: string | undefined;
}

export function readEnvelope(event: unknown, required: readonly string[] = ['id', 'source', 'type', 'subject']): Envelope {
  if (typeof event !== 'object' || event === null) throw new EventValidationError('not a CloudEvent', [{ path: '', message: 'expected an object' }]);
  const ce = event as Record<string, unknown>;
  const issues: Issue[] = [];
  const str = (k: string): string | undefined => (typeof ce[k] === 'string' && (ce[k] as string).length > 0 ? (ce[k] as string) : undefined);
  if (ce.specversion !== '1.0') issues.push({ path: 'specversion', message: `must be "1.0", got ${JSON.stringify(ce.specversion)?.slice(0, 50)}` });
  for (const k of required) if (!str(k)) issues.push({ path: k, message: 'required, non-empty string' });
  const subject = str('subject');
  if (subject !== undefined && !SUBJECT.test(subject)) issues.push({ path: 'subject', message: 'must be "<namespace>/<name>"' });
  const dct = ce.datacontenttype;
  if (dct !== undefined && typeof dct === 'string' && !/^application\/json(;\s*charset=utf-8)?$/i.test(dct))
    issues.push({ path: 'datacontenttype', message: `must be application/json, got "${dct.slice(0, 100)}"` });
  const tp = ce[Extension.traceparent];
  if (tp !== undefined && (typeof tp !== 'string' || !TRACEPARENT.test(tp))) issues.push({ path: 'traceparent', message: 'not a W3C traceparent' });
  return { ce, issues, str, type: str('type'), subject, traceparent: typeof tp === 'string' ? tp : undefined };
}

/**
 * The event's data as JSON (binary mode with a non-JSON content type hands the SDK's raw bytes
 * over); undefined, with the issue recorded, when it is missing or not JSON.
 */
export function dataOf({ ce, issues }: Envelope): unknown {
  const bytes = ce.data instanceof Uint8Array ? Buffer.from(ce.data).toString('utf8') : undefined;
  const text = typeof ce.data === 'string' ? ce.data : bytes;
  let raw: unknown = ce.data;
  if (text !== undefined) {
    try {
      raw = JSON.parse(text) as unknown;
    } catch {
      issues.push({ path: 'data', message: 'not valid JSON' });
      return undefined;
    }
  }
  if (raw === undefined) issues.push({ path: 'data', message: 'required' });
  return raw;
}

/** Throws the 400 listing every issue, if there is any. */
export function refuseIfInvalid(issues: readonly Issue[]): void {
  if (issues.length > 0) throw new EventValidationError(`invalid CloudEvent: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, [...issues]);
}
