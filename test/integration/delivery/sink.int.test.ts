/**
 * The watcher's sink over real HTTP: a broker that answers 500 twice and then
 * 202 gets the event delivered once, after retries; one that never accepts it
 * makes the send fail loudly (counted and logged), never silently.
 */
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import { afterEach, describe, expect, it } from '@jest/globals';
import { createSink } from '../../../functions/watcher/src/sink.ts';
import { buildRequestedEvent } from '../../../events/src/build.ts';
import { createLogger } from '../../../shared/src/log.ts';
import { aHost } from '../../builders/host.ts';

interface Broker { url: string; received: { headers: IncomingHttpHeaders; body: string }[]; stop(): Promise<void> }

/** A loopback "broker" answering each POST with the next status of `answers` (the last one repeats). */
async function startBroker(answers: number[]): Promise<Broker> {
  const received: Broker['received'] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(answers[Math.min(received.length - 1, answers.length - 1)] ?? 500).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  return {
    url: `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/`,
    received,
    stop: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

const event = () => buildRequestedEvent({ host: aHost('registering').build(), transition: 'enroll', reason: 'spec-changed', source: '/metal3/watcher/test' });

describe('watcher sink (real HTTP)', () => {
  let broker: Broker | undefined;

  afterEach(async () => {
    await broker?.stop();
    broker = undefined;
  });

  it('delivers once, in binary mode, after the broker answered 500 twice', async () => {
    // Prepare
    broker = await startBroker([500, 500, 202]);
    const sink = createSink({ url: broker.url, log: createLogger({ level: 'silent' }), baseDelayMs: 20 });
    const ev = event();

    // Act
    const delivered = await sink.send(ev);

    // Assess
    expect(delivered).toBe(true);
    expect(sink.stats).toEqual({ sent: 1, retried: 2, failed: 0 });
    expect(broker.received).toHaveLength(3);
    for (const r of broker.received) {
      expect(r.headers['ce-id']).toBe(ev.id);
      expect(r.headers['ce-type']).toBe(ev.type);
      expect(r.headers['content-type']).toMatch(/^application\/json/);
      expect(JSON.parse(r.body)).toMatchObject({ host: { name: 'host-0' } });
    }
  });

  it('gives up loudly (false, counted, logged) when the broker never accepts', async () => {
    // Prepare
    broker = await startBroker([503]);
    const lines: string[] = [];
    const sink = createSink({ url: broker.url, log: createLogger({ level: 'info', write: (l) => lines.push(l) }), retries: 2, baseDelayMs: 10 });
    const ev = event();

    // Act
    const delivered = await sink.send(ev);

    // Assess
    expect(delivered).toBe(false);
    expect(sink.stats).toEqual({ sent: 0, retried: 2, failed: 1 });
    expect(broker.received).toHaveLength(3);
    expect(lines.some((l) => l.includes('"level":"error"') && l.includes(ev.id))).toBe(true);
  });
});
