/**
 * Malformed CloudEvents at every function (through faas-js-runtime, as
 * deployed) and at the broker ingress: each answers 400 with a reason (413
 * for oversized bodies), reads no more of an oversized body than its limit,
 * and a 400 from a function is dead-lettered at once, never retried.
 * The function's dependencies are in-memory fakes: a malformed event must
 * never reach them (the fake Ironic's call log proves it).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { request } from 'node:http';
import type { Server } from 'node:http';
import faasRuntime from 'faas-js-runtime';
import { CloudEvent, HTTP } from 'cloudevents';
import { loadFixture } from '../../events/src/fixtures.ts';
import { MAX_EVENT_BYTES } from '../../events/src/parse.ts';
import { EventType } from '../../events/src/types.ts';
import { startBroker } from '../../shared/src/broker/broker.ts';
import type { Broker } from '../../shared/src/broker/broker.ts';
import { createFunctionModule } from '../../shared/src/handler/runtime.ts';
import type { HandlerDeps } from '../../shared/src/handler/types.ts';
import { createLogger } from '../../shared/src/log.ts';
import { TRANSITION_NAMES } from '../../shared/src/state-machine/states.ts';
import type { TransitionName } from '../../shared/src/state-machine/states.ts';
import { TRANSITION_FUNCTIONS } from '../../shared/src/runner/all-in-one.ts';
import { FakeHostStore } from '../fakes/fake-host-store.ts';
import { FakeIronic } from '../fakes/fake-ironic.ts';
import { testConfig } from '../fakes/transition-harness.ts';
import { freeTcpPort } from '../bed/ports.ts';

type Mode = 'binary' | 'structured';
interface Sent { headers: Record<string, string>; body: string }

const FAAS_BODY_LIMIT = 1024 * 1024; // faas-js-runtime's default bodyLimit

function encode(attrs: Record<string, unknown>, mode: Mode): Sent {
  const ev = new CloudEvent(attrs as never, false);
  const msg = mode === 'binary' ? HTTP.binary(ev) : HTTP.structured(ev);
  return { headers: msg.headers as Record<string, string>, body: String(msg.body) };
}

/** Every malformed shape, for an event of `type`, in `mode`. */
function malformed(type: string, mode: Mode): { case: string; sent: Sent; reason: RegExp }[] {
  const good = structuredClone(loadFixture(type as never)) as unknown as Record<string, unknown>;
  const without = (k: string) => { const c = structuredClone(good); delete c[k]; return c; };
  return [
    { case: 'wrong spec version', sent: encode({ ...good, specversion: '0.3' }, mode), reason: /specversion/ },
    { case: 'unknown type', sent: encode({ ...good, type: 'io.example.unknown.v1' }, mode), reason: /type/ },
    { case: 'missing subject', sent: encode(without('subject'), mode), reason: /subject/ },
    { case: 'data not matching the schema', sent: encode({ ...good, data: { host: { name: 42 } } }, mode), reason: /data/ },
    mode === 'binary'
      ? { case: 'non-JSON body', sent: { headers: { ...encode(good, mode).headers, 'content-type': 'application/json' }, body: '{"host": nope' }, reason: /./ }
      : { case: 'non-JSON body', sent: { headers: { 'content-type': 'application/cloudevents+json' }, body: '{"specversion": "1.0", broken' }, reason: /./ },
    mode === 'binary'
      ? { case: 'wrong content type', sent: { headers: { ...encode(good, mode).headers, 'content-type': 'text/plain' }, body: 'hello' }, reason: /./ }
      : { case: 'wrong content type', sent: { headers: { 'content-type': 'application/xml' }, body: '<event/>' }, reason: /./ },
    { case: 'no CloudEvent headers at all', sent: { headers: { 'content-type': 'application/json' }, body: '{}' }, reason: /./ },
  ];
}

function post(url: string, sent: Sent): Promise<{ status: number; body: string }> {
  return fetch(url, { method: 'POST', headers: sent.headers, body: sent.body, signal: AbortSignal.timeout(30_000) })
    .then(async (r) => ({ status: r.status, body: await r.text() }));
}

/** Streams `totalBytes` of JSON-ish filler; resolves with the answer and how many bytes the server let us write. */
function postHuge(url: string, headers: Record<string, string>, totalBytes: number): Promise<{ status: number; body: string; written: number }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    let written = 0;
    let done = false;
    const req = request({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST', headers: { ...headers, 'content-length': String(totalBytes) } }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => { body += c.toString(); });
      res.on('end', () => { done = true; resolve({ status: res.statusCode ?? 0, body, written }); });
    });
    req.on('error', (e) => { if (!done) reject(e); });
    const chunk = Buffer.alloc(64 * 1024, 'a');
    const pump = (): void => {
      while (!done && written < totalBytes) {
        written += chunk.length;
        if (!req.write(chunk)) { req.once('drain', pump); return; }
      }
      if (!done) req.end();
    };
    req.on('response', () => { done = true; });
    pump();
  });
}

describe('malformed CloudEvents', () => {
  const servers: Server[] = [];
  const urls = {} as Record<TransitionName, string>;
  const ironic = new FakeIronic();
  let broker: Broker;

  beforeAll(async () => {
    const deps: HandlerDeps = { hosts: new FakeHostStore(), ironic, config: testConfig(), log: createLogger({ level: 'silent' }) };
    for (const name of TRANSITION_NAMES) {
      const port = await freeTcpPort();
      const module = createFunctionModule(TRANSITION_FUNCTIONS[name], { deps: () => deps });
      servers.push(await faasRuntime.start(module as never, { port, logLevel: 'silent' } as never) as unknown as Server);
      urls[name] = `http://127.0.0.1:${port}/`;
    }
    broker = await startBroker({ log: createLogger({ level: 'silent' }) });
  });

  afterAll(async () => {
    await broker?.close();
    await Promise.allSettled(servers.map((s) => new Promise<void>((r) => { s.closeAllConnections?.(); s.close(() => r()); })));
  });

  describe.each(TRANSITION_NAMES.flatMap((name) => (['binary', 'structured'] as const).map((mode) => ({ name, mode }))))('the $name function ($mode mode)', ({ name, mode }) => {
    it.each(malformed(EventType[name], mode))('answers 400 with a reason for $case', async ({ sent, reason }) => {
      // Act
      const res = await post(urls[name], sent);
      // Assess
      expect(res.status).toBe(400);
      const body = JSON.parse(res.body) as { message?: string };
      expect(body.message).toMatch(reason);
      expect(ironic.calls).toHaveLength(0);
    });
  });

  it('answers 413 to a body over the runtime limit without reading all of it', async () => {
    // Prepare: 64 MiB announced
    const total = 64 * 1024 * 1024;
    // Act
    const res = await postHuge(urls.provision, { 'content-type': 'application/cloudevents+json' }, total).catch((e: Error) => ({ status: -1, body: e.message, written: total }));
    // Assess: rejected early (fastify checks content-length against bodyLimit before reading)
    expect(res.status).toBe(413);
    expect(res.written).toBeLessThan(total / 2);
    expect(FAAS_BODY_LIMIT).toBeLessThan(total);
  });

  describe('the broker ingress', () => {
    it.each((['binary', 'structured'] as const).flatMap((mode) => malformed(EventType.provision, mode).map((m) => ({ ...m, case: `${m.case} (${mode})` }))))('answers 400 with a reason for $case', async ({ sent }) => {
      // Act
      const before = broker.stats.received;
      const res = await post(broker.url, sent);
      // Assess
      expect(res.status).toBe(400);
      expect((JSON.parse(res.body) as { error: string }).error.length).toBeGreaterThan(0);
      expect(broker.stats.received).toBe(before);
    });

    it('answers 413 to a body over its 64 KiB limit and stops reading', async () => {
      // Act
      const total = 32 * 1024 * 1024;
      const res = await postHuge(broker.url, { 'content-type': 'application/cloudevents+json' }, total).catch((e: Error) => ({ status: -1, body: e.message, written: total }));
      // Assess
      expect(res.status).toBe(413);
      expect(res.written).toBeLessThan(total / 2);
      expect(MAX_EVENT_BYTES).toBe(64 * 1024);
    });

    it('dead-letters an event its subscriber answers 400, without retrying', async () => {
      // Prepare: a trigger to the enroll function, and an event it must reject (another function's type)
      const local = await startBroker({ log: createLogger({ level: 'silent' }), triggers: [{ name: 't', type: EventType.provision, subscriber: urls.enroll, delivery: { retry: 5, backoffDelayMs: 100 } }] });
      try {
        const ev = new CloudEvent(structuredClone(loadFixture(EventType.provision)) as never, false);
        // Act
        local.publish(ev);
        await local.idle();
        // Assess
        expect(local.stats.deadLettered).toBe(1);
        expect(local.stats.retried).toBe(0);
        expect(local.deadLetters[0]?.reason).toMatch(/400/);
      } finally {
        await local.close();
      }
    });
  });
});
