/**
 * @module broker/broker: an in-process broker with Knative Broker/Trigger
 * semantics, for the all-in-one runner and tests: an HTTP ingress that
 * validates and authorises every event, exact-type Triggers, delivery over
 * real HTTP in binary mode with retries and exponential backoff, reply events
 * re-injected, and a dead-letter log. At-least-once; no ordering promised.
 *
 * Authenticated as Knative Eventing with `authentication-oidc` and
 * EventPolicies (when `auth` is set): every sender holds a short-lived token
 * for its identity (here signed by the broker's own Ed25519 issuer, where
 * Knative uses ServiceAccount tokens), every publish is checked against the
 * policy table (401 without a valid token, 403 for a type the identity may not
 * send), replies are re-published under their Trigger's identity, and every
 * delivery carries a token for the subscriber's audience that the function checks.
 *
 * One addition Knative does not have: deliveries are coalesced per
 * (trigger, subject): while an event for a host is in flight, newer events for
 * that host and trigger wait and only the newest is delivered. A function
 * re-reads the host anyway, so the newest event says all the older ones did.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { appendFile } from 'node:fs/promises';
import { CloudEvent, HTTP } from 'cloudevents';
import { MAX_EVENT_BYTES, decodeHttpEvent, parseEvent } from '../../../events/src/parse.ts';
import { EventUnauthenticatedError, EventUnauthorizedError, isEventValidationError, messageOf } from '../errors.ts';
import { bearerTokenOf, refusalOf } from '../eventauth/authorize.ts';
import type { EventAuth } from '../eventauth/authorize.ts';
import { verifyToken } from '../eventauth/jwt.ts';
import type { TokenIssuer } from '../eventauth/jwt.ts';
import { allowedTypes } from '../eventauth/policy.ts';
import type { Sender } from '../eventauth/policy.ts';
import type { Logger } from '../log.ts';

export interface TriggerSpec {
  name: string;
  /** exact CloudEvent type filter */
  type: string;
  subscriber: string;
  /** with auth: the identity the Trigger delivers (and re-publishes replies) as, and the subscriber's audience */
  identity?: string;
  audience?: string;
  delivery?: { retry?: number; backoffDelayMs?: number; backoffPolicy?: 'exponential' | 'linear'; timeoutMs?: number };
}

export interface DeadLetter { time: string; trigger: string; id: string; type: string; subject: string; reason: string }

export interface BrokerOptions {
  log: Logger;
  triggers?: TriggerSpec[];
  /** authenticate and authorise every publish (absent: anyone may publish anything, as Knative without OIDC) */
  auth?: BrokerAuth;
  /** CloudEvent `source` prefixes allowed in; empty = any. A filter on a self-declared attribute, not a security boundary */
  allowedSources?: readonly string[];
  /** append dead letters as JSON lines here */
  deadLetterFile?: string;
  /** concurrent deliveries per trigger */
  concurrency?: number;
  port?: number;
  /** faults for chaos runs: decide per delivery attempt */
  faults?: DeliveryFaults;
}

export interface BrokerAuth {
  /** signs every token the broker hands out */
  issuer: TokenIssuer;
  /** the Broker's own audience (tokens for publishing must name it) */
  audience: string;
  /** the policy table: who may publish which types */
  senders: readonly Sender[];
  /** lifetime of tokens handed out (default 600 s) */
  ttlSeconds?: number;
  now?: () => number;
}

/** Chaos hooks: each is consulted per delivery attempt. */
export interface DeliveryFaults {
  drop?(e: { type: string; subject: string }): boolean;
  duplicate?(e: { type: string; subject: string }): number;
  delayMs?(e: { type: string; subject: string }): number;
}

export interface BrokerStats { received: number; rejected: number; delivered: number; retried: number; deadLettered: number; replies: number; coalesced: number; dropped: number; duplicated: number }

export interface Broker {
  readonly url: string;
  readonly stats: BrokerStats;
  readonly deadLetters: readonly DeadLetter[];
  addTrigger(t: TriggerSpec): void;
  /**
   * Inject an event as if POSTed to the ingress (already validated). With auth, `token` must be
   * valid for the Broker's audience and its identity allowed the event's type: else throws
   * EventUnauthenticatedError (401) or EventUnauthorizedError (403), and nothing is routed.
   */
  publish(event: CloudEvent<unknown>, token?: string): void;
  /**
   * With auth: a source of tokens for `identity` and `audience` (default the Broker's), renewed
   * before they expire, as Knative's token provider does. Throws without auth.
   */
  tokenSource(identity: string, audience?: string): () => string;
  /** resolves when nothing is queued or in flight */
  idle(): Promise<void>;
  close(): Promise<void>;
}

interface Lane { inFlight: boolean; pending?: CloudEvent<unknown> | undefined }

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw Object.assign(new Error(`body exceeds ${limit} bytes`), { status: 413 });
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Tokens for one identity and audience, renewed when half their lifetime is gone. */
function cachedTokens(issuer: TokenIssuer, identity: string, audience: string, ttlSeconds: number, now: () => number): () => string {
  let token = '';
  let renewAt = 0;
  return function currentToken() {
    if (now() >= renewAt) {
      token = issuer.issue(identity, audience, ttlSeconds);
      renewAt = now() + (ttlSeconds * 1000) / 2;
    }
    return token;
  };
}

export async function startBroker({ log, triggers: initial = [], auth, allowedSources = [], deadLetterFile, concurrency = 8, port = 0, faults }: BrokerOptions): Promise<Broker> {
  const triggers: TriggerSpec[] = [...initial];
  const stats: BrokerStats = { received: 0, rejected: 0, delivered: 0, retried: 0, deadLettered: 0, replies: 0, coalesced: 0, dropped: 0, duplicated: 0 };
  const deadLetters: DeadLetter[] = [];
  const lanes = new Map<string, Lane>();
  const active = new Map<string, number>();
  const queue = new Map<string, (() => void)[]>();
  let outstanding = 0;
  let idleWaiters: (() => void)[] = [];
  let closed = false;
  const authNow = auth?.now ?? (() => Date.now());
  const ttl = auth?.ttlSeconds ?? 600;
  const policy: Pick<EventAuth, 'allowed'> | undefined = auth && { allowed: allowedTypes(auth.senders) };
  const tokenSources = new Map<string, () => string>();
  function tokenSource(identity: string, audience = auth?.audience): () => string {
    if (!auth || audience === undefined) throw new Error('this broker does not authenticate: it hands out no tokens');
    const key = `${identity}\n${audience}`;
    let source = tokenSources.get(key);
    if (!source) tokenSources.set(key, source = cachedTokens(auth.issuer, identity, audience, ttl, authNow));
    return source;
  }

  /** The publisher's identity and the policy's verdict; throws 401/403 errors. A no-op without auth. */
  function authorizePublish(type: unknown, token: string | undefined, { identityOnly = false } = {}): void {
    if (!auth || !policy) return;
    if (token === undefined) throw new EventUnauthenticatedError('no bearer token (Authorization: Bearer <token>)');
    const v = verifyToken(token, { publicKey: auth.issuer.publicKey, issuer: auth.issuer.issuer, audience: auth.audience, now: authNow });
    if (!v.ok) throw new EventUnauthenticatedError(v.reason);
    if (identityOnly) return;
    const refusal = refusalOf(policy, v.claims.sub, type);
    if (refusal !== undefined) throw new EventUnauthorizedError(refusal);
  }

  const settle = (): void => {
    if (outstanding === 0) { const w = idleWaiters; idleWaiters = []; w.forEach((r) => r()); }
  };

  async function slot(trigger: string): Promise<void> {
    const n = active.get(trigger) ?? 0;
    if (n < concurrency) { active.set(trigger, n + 1); return; }
    await new Promise<void>((r) => { const q = queue.get(trigger) ?? []; q.push(r); queue.set(trigger, q); });
    active.set(trigger, (active.get(trigger) ?? 0) + 1);
  }
  function freeSlot(trigger: string): void {
    active.set(trigger, (active.get(trigger) ?? 1) - 1);
    queue.get(trigger)?.shift()?.();
  }

  async function deadLetter(t: TriggerSpec, ev: CloudEvent<unknown>, reason: string): Promise<void> {
    stats.deadLettered++;
    const entry: DeadLetter = { time: new Date().toISOString(), trigger: t.name, id: ev.id, type: ev.type, subject: ev.subject ?? '', reason: reason.slice(0, 500) };
    deadLetters.push(entry);
    log.warn('event dead-lettered', { ...entry });
    if (deadLetterFile) await appendFile(deadLetterFile, JSON.stringify(entry) + '\n').catch(() => undefined);
  }

  /** One delivery with Knative's retry policy; returns when delivered or dead-lettered. */
  async function deliver(t: TriggerSpec, ev: CloudEvent<unknown>): Promise<void> {
    const { retry = 5, backoffDelayMs = 200, backoffPolicy = 'exponential', timeoutMs = 60_000 } = t.delivery ?? {};
    const info = { type: ev.type, subject: ev.subject ?? '' };
    for (let attempt = 0; ; attempt++) {
      if (closed) return;
      let reason: string;
      if (faults?.drop?.(info)) {
        stats.dropped++;
        reason = 'dropped (chaos)';
      } else {
        try {
          const delay = faults?.delayMs?.(info) ?? 0;
          if (delay > 0) await new Promise((r) => setTimeout(r, delay));
          const msg = HTTP.binary(ev);
          // the Trigger's identity, for the subscriber's audience (Knative: a token per Trigger OIDC ServiceAccount)
          const headers = { ...(msg.headers as Record<string, string>), ...(auth && t.identity && t.audience ? { authorization: `Bearer ${tokenSource(t.identity, t.audience)()}` } : {}) };
          const copies = 1 + (faults?.duplicate?.(info) ?? 0);
          if (copies > 1) stats.duplicated += copies - 1;
          const sends = Array.from({ length: copies }, () => fetch(t.subscriber, {
            method: 'POST', headers, body: msg.body as string, signal: AbortSignal.timeout(timeoutMs),
          }).then(async (res) => ({ res, body: await res.text() })));
          const [first, ...rest] = await Promise.allSettled(sends);
          for (const r of rest) if (r.status === 'fulfilled') handleReply(t, r.value.res, r.value.body);
          if (first?.status === 'rejected') throw first.reason;
          const { res, body } = (first as PromiseFulfilledResult<{ res: Response; body: string }>).value;
          if (res.status >= 200 && res.status < 300) {
            stats.delivered++;
            handleReply(t, res, body);
            return;
          }
          reason = `subscriber answered ${res.status}: ${body.slice(0, 300)}`;
          // Knative: 400 and 404 are not retried
          if (res.status === 400 || res.status === 404 || res.status === 413) {
            await deadLetter(t, ev, reason);
            return;
          }
        } catch (e) {
          reason = `delivery failed: ${messageOf(e)}`;
        }
      }
      if (attempt >= retry) {
        await deadLetter(t, ev, reason);
        return;
      }
      stats.retried++;
      const wait = backoffPolicy === 'exponential' ? backoffDelayMs * 2 ** attempt : backoffDelayMs * (attempt + 1);
      await new Promise((r) => setTimeout(r, wait));
    }
  }

  /** A reply is re-published as sent by the Trigger that delivered the request (Knative's broker filter does the same). */
  function handleReply(t: TriggerSpec, res: Response, body: string): void {
    if (!res.headers.get('ce-id') && !(res.headers.get('content-type') ?? '').startsWith('application/cloudevents')) return;
    try {
      const headers: Record<string, string> = {};
      res.headers.forEach((v, k) => { headers[k] = v; });
      const reply = HTTP.toEvent({ headers, body }) as CloudEvent<unknown>;
      parseEvent({ ...(reply as unknown as Record<string, unknown>) });
      const token = auth && t.identity ? tokenSource(t.identity)() : undefined;
      authorizePublish(reply.type, token);
      stats.replies++;
      route(reply);
    } catch (e) {
      if (e instanceof EventUnauthenticatedError || e instanceof EventUnauthorizedError) {
        stats.rejected++;
        log.warn('reply event refused', { trigger: t.name, type: res.headers.get('ce-type') ?? '', reason: messageOf(e) });
        return;
      }
      log.warn('ignoring invalid reply event', { error: messageOf(e) });
    }
  }

  function routeTo(t: TriggerSpec, ev: CloudEvent<unknown>): void {
    const laneKey = `${t.name}|${ev.subject ?? ev.id}`;
    const lane = lanes.get(laneKey) ?? { inFlight: false };
    lanes.set(laneKey, lane);
    if (lane.inFlight) {
      if (lane.pending) { stats.coalesced++; outstanding--; }
      lane.pending = ev;
      outstanding++;
      return;
    }
    lane.inFlight = true;
    outstanding++;
    void (async () => {
      let next: CloudEvent<unknown> | undefined = ev;
      while (next) {
        await slot(t.name);
        try { await deliver(t, next); } finally { freeSlot(t.name); }
        outstanding--;
        next = lane.pending;
        lane.pending = undefined;
      }
      lane.inFlight = false;
      lanes.delete(laneKey);
      settle();
    })();
  }

  /** Routes an event that passed the checks to every matching Trigger. */
  function route(ev: CloudEvent<unknown>): void {
    stats.received++;
    for (const t of triggers) if (t.type === ev.type) routeTo(t, ev);
    settle();
  }

  function publish(ev: CloudEvent<unknown>, token?: string): void {
    try {
      authorizePublish(ev.type, token);
    } catch (e) {
      stats.rejected++;
      throw e;
    }
    route(ev);
  }

  async function ingress(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const reply = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'POST') return reply(405, { error: 'POST CloudEvents to /' });
    try {
      const token = bearerTokenOf(req.headers.authorization);
      // the sender first: without a valid token nothing is read or parsed
      if (auth) authorizePublish(undefined, token, { identityOnly: true });
      const body = await readBody(req, MAX_EVENT_BYTES);
      const record = decodeHttpEvent(req.headers, body);
      parseEvent(record, allowedSources.length > 0 ? { allowedSources } : {});
      const ev = new CloudEvent(record as never, false);
      authorizePublish(ev.type, token);
      route(ev);
      reply(202, { accepted: ev.id });
    } catch (e) {
      stats.rejected++;
      const status = (e as { status?: number }).status
        ?? (isEventValidationError(e) ? 400 : e instanceof EventUnauthenticatedError ? 401 : e instanceof EventUnauthorizedError ? 403 : 500);
      if (status === 401) res.setHeader('www-authenticate', 'Bearer');
      reply(status, { error: messageOf(e) });
    }
  }

  const server: Server = createServer((req, res) => void ingress(req, res));
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const address = server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : port}/`;

  return {
    url,
    stats,
    deadLetters,
    addTrigger: (t) => { triggers.push(t); },
    publish,
    tokenSource,
    idle: () => (outstanding === 0 ? Promise.resolve() : new Promise<void>((r) => idleWaiters.push(r))),
    close: async function close() {
      closed = true;
      const done = new Promise<void>((r) => server.close(() => r()));
      server.closeAllConnections();
      await done;
    },
  };
}
