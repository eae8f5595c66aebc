/**
 * @module eventauth/authorize: the check every authenticated endpoint runs
 * before it reads the event's data: a bearer token valid for this audience
 * (else 401), whose identity the policy table lets send this event type
 * (else 403). Pure apart from the verifier; nothing is changed either way.
 */
import type { TokenVerifier, Verification } from './verifier.ts';

export interface EventAuth {
  verifier: TokenVerifier;
  /** the audience tokens must be issued for (this endpoint's) */
  audience: string;
  /** identity → event types it may send here */
  allowed: ReadonlyMap<string, ReadonlySet<string>>;
}

export type AuthVerdict =
  | { kind: 'allowed'; identity: string }
  | { kind: 'unauthenticated'; reason: string }
  | { kind: 'forbidden'; identity: string; reason: string };

/** The token of an `Authorization: Bearer …` header, or undefined. */
export function bearerTokenOf(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  const m = /^Bearer[ \t]+([^\s]+)[ \t]*$/i.exec(value ?? '');
  return m?.[1];
}

/** Who is calling: the identity of a token valid for this audience. Throws only when the verifier could not answer. */
export async function authenticateRequest(auth: Pick<EventAuth, 'verifier' | 'audience'>, authorization: string | string[] | undefined): Promise<Verification> {
  const token = bearerTokenOf(authorization);
  if (token === undefined) return { ok: false, reason: 'no bearer token (Authorization: Bearer <token>)' };
  // the token goes to the verifier only: no reason, log line or reply carries it (not registered with the
  // log scrubber either: senders choose tokens, and a flood of them would push real secrets out of its bounded set)
  return auth.verifier.verify(token, auth.audience);
}

/** May `identity` send `eventType` here? Undefined when it may, else the reason. */
export function refusalOf(auth: Pick<EventAuth, 'allowed'>, identity: string, eventType: unknown): string | undefined {
  const types = auth.allowed.get(identity);
  if (types === undefined) return `${identity} may not send events here`;
  const type = typeof eventType === 'string' ? eventType.slice(0, 200) : '(none)';
  return types.has(type) ? undefined : `${identity} may not send ${type}`;
}

/** Both checks for one request and one event type. Throws only when the verifier could not answer. */
export async function authorizeEvent(auth: EventAuth, authorization: string | string[] | undefined, eventType: unknown): Promise<AuthVerdict> {
  const who = await authenticateRequest(auth, authorization);
  if (!who.ok) return { kind: 'unauthenticated', reason: who.reason };
  const refusal = refusalOf(auth, who.identity, eventType);
  return refusal === undefined ? { kind: 'allowed', identity: who.identity } : { kind: 'forbidden', identity: who.identity, reason: refusal };
}
