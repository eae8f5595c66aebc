/**
 * @module handler/reply: the ONLY place outcomes and errors become HTTP.
 * 2xx = done (Knative stops); 400 = poison (dead-letter, never retried);
 * 401 = no valid token; 403 = not authorised; 404 = the object an external
 * request names does not exist; 409/5xx = retry me.
 */
import type { CloudEvent } from 'cloudevents';

export type HandlerResult =
  | { kind: 'noop'; reason: string }
  | { kind: 'progressed'; state: string; reason: string; reply?: CloudEvent<unknown> | undefined }
  | { kind: 'recorded'; state: string; errorType: string; message: string; reply?: CloudEvent<unknown> | undefined }
  | { kind: 'retry'; reason: string; retryAfterMs: number }
  | { kind: 'invalid'; message: string; issues: readonly { path: string; message: string }[] }
  | { kind: 'unauthenticated'; message: string }
  | { kind: 'unauthorized'; message: string }
  | { kind: 'notFound'; message: string }
  | { kind: 'crashed'; message: string };

export interface StructuredReply {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

const json = (statusCode: number, body: unknown, headers: Record<string, string> = {}): StructuredReply => ({
  statusCode,
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});

export function toReply(r: HandlerResult): StructuredReply | CloudEvent<unknown> {
  switch (r.kind) {
    case 'noop': return json(200, { result: 'ignored', reason: r.reason });
    case 'progressed': return r.reply ?? json(200, { result: 'progressed', state: r.state, reason: r.reason });
    case 'recorded': return r.reply ?? json(200, { result: 'error recorded', state: r.state, errorType: r.errorType, message: r.message });
    case 'retry': return json(503, { result: 'retry', reason: r.reason }, { 'retry-after': String(Math.max(1, Math.ceil(r.retryAfterMs / 1000))) });
    case 'invalid': return json(400, { result: 'invalid event', message: r.message, issues: r.issues });
    case 'unauthenticated': return json(401, { result: 'unauthenticated', message: r.message }, { 'www-authenticate': 'Bearer' });
    case 'unauthorized': return json(403, { result: 'unauthorized', message: r.message });
    case 'notFound': return json(404, { result: 'not found', message: r.message });
    case 'crashed': return json(500, { result: 'internal error', message: r.message });
  }
}
