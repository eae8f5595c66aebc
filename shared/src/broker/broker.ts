/**
 * @module broker/broker: an in-process broker with Knative Broker/Trigger
 * semantics, for the all-in-one runner and tests: an HTTP ingress that
 * validates and authorises every event, exact-type Triggers, delivery over
 * real HTTP in binary mode with retries and exponential backoff, reply events
 * re-injected, and a dead-letter log. At-least-once; no ordering promised.
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
import { EventUnauthorizedError, isEventValidationError, messageOf } from '../errors.ts';
import type { Logger } from '../log.ts';

export interface TriggerSpec {
  name: string;
  /** exact CloudEvent type filter */
  type: string;
  subscriber: string;
  delivery?: { retry?: number; backoffDelayMs?: number; backoffPolicy?: 'exponential' | 'linear'; timeoutMs?: number };
}

export interface DeadLetter { time: string; trigger: string; id: string; type: string; subject: string; reason: string }

export interface BrokerOptions {
  log: Logger;
  triggers?: TriggerSpec[];
  /** tokens allowed to post to the ingress; empty = no authentication */
  tokens?: readonly string[];
  /** CloudEvent `source` prefixes allowed in; empty = any */
  allowedSources?: readonly string[];
  /** append dead letters as JSON lines here */
  deadLetterFile?: string;
  /** concurrent deliveries per trigger */
  concurrency?: number;
  port?: number;
  /** faults for chaos runs: decide per delivery attempt */
  faults?: DeliveryFaults;
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
  /** inject an event as if POSTed to the ingress (already validated) */
  publish(event: CloudEvent<unknown>): void;
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

export async function startBroker({ log, triggers: initial = [], tokens = [], allowedSources = [], deadLetterFile, concurrency = 8, port = 0, faults }: BrokerOptions): Promise<Broker> {
  const triggers: TriggerSpec[] = [...initial];
  const stats: BrokerStats = { received: 0, rejected: 0, delivered: 0, retried: 0, deadLettered: 0, replies: 0, coalesced: 0, dropped: 0, duplicated: 0 };
  const deadLetters: DeadLetter[] = [];
  const lanes = new Map<string, Lane>();
  const active = new Map<string, number>();
  const queue = new Map<string, (() => void)[]>();
  let outstanding = 0;
  let idleWaiters: (() => void)[] = [];
  let closed = false;

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
          const copies = 1 + (faults?.duplicate?.(info) ?? 0);
          if (copies > 1) stats.duplicated += copies - 1;
          const sends = Array.from({ length: copies }, () => fetch(t.subscriber, {
            method: 'POST', headers: msg.headers as Record<string, string>, body: msg.body as string, signal: AbortSignal.timeout(timeoutMs),
          }).then(async (res) => ({ res, body: await res.text() })));
          const [first, ...rest] = await Promise.allSettled(sends);
          for (const r of rest) if (r.status === 'fulfilled') handleReply(r.value.res, r.value.body);
          if (first?.status === 'rejected') throw first.reason;
          const { res, body } = (first as PromiseFulfilledResult<{ res: Response; body: string }>).value;
          if (res.status >= 200 && res.status < 300) {
            stats.delivered++;
            handleReply(res, body);
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

  function handleReply(res: Response, body: string): void {
    if (!res.headers.get('ce-id') && !(res.headers.get('content-type') ?? '').startsWith('application/cloudevents')) return;
    try {
      const headers: Record<string, string> = {};
      res.headers.forEach((v, k) => { headers[k] = v; });
      const reply = HTTP.toEvent({ headers, body }) as CloudEvent<unknown>;
      parseEvent({ ...(reply as unknown as Record<string, unknown>) });
      stats.replies++;
      publish(reply);
    } catch (e) {
      log.warn('ignoring invalid reply event', { error: messageOf(e) });
    }
  }

  function route(t: TriggerSpec, ev: CloudEvent<unknown>): void {
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

  function publish(ev: CloudEvent<unknown>): void {
    stats.received++;
    for (const t of triggers) if (t.type === ev.type) route(t, ev);
    settle();
  }

  async function ingress(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const reply = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'POST') return reply(405, { error: 'POST CloudEvents to /' });
    try {
      if (tokens.length > 0) {
        const auth = req.headers.authorization ?? '';
        if (!tokens.some((t) => auth === `Bearer ${t}`)) throw new EventUnauthorizedError('missing or invalid bearer token');
      }
      const body = await readBody(req, MAX_EVENT_BYTES);
      const record = decodeHttpEvent(req.headers, body);
      parseEvent(record, allowedSources.length > 0 ? { allowedSources } : {});
      const ev = new CloudEvent(record as never, false);
      publish(ev);
      reply(202, { accepted: ev.id });
    } catch (e) {
      stats.rejected++;
      const status = (e as { status?: number }).status ?? (isEventValidationError(e) ? 400 : e instanceof EventUnauthorizedError ? 403 : 500);
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
    idle: () => (outstanding === 0 ? Promise.resolve() : new Promise<void>((r) => idleWaiters.push(r))),
    close: async function close() {
      closed = true;
      const done = new Promise<void>((r) => server.close(() => r()));
      server.closeAllConnections();
      await done;
    },
  };
}
