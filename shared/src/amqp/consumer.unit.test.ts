/**
 * @module amqp/consumer tests against a scripted loopback broker built from our own frame codec:
 * the handshake we send, message reassembly, every way a connection ends, and that the URL's
 * password never shows in an error. The real-RabbitMQ path is consumer.int.test.ts.
 */
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { createServer, type Server, type Socket } from 'node:net';
import { inspect } from 'node:util';
import { amqpServerName, subscribeAmqp, type AmqpMessage, type SubscribeOptions } from './consumer.ts';
import { AmqpError } from './errors.ts';
import {
  decodeMethod, encodeContent, encodeMethodFrame, FrameReader, FrameType, PROTOCOL_HEADER, type DecodedMethod, type Method,
} from './frames.ts';
import { freePort } from '../runner/free-port.ts';

const PASSWORD = 's3cret-Pa55word';
const BROKER_FRAME_MAX = 4096;

interface FakeBrokerScript {
  /** What to answer Start-Ok with: Tune (default), a 403 Connection.Close, or a bare hang-up. */
  startOk?: 'tune' | 'refuse' | 'hang-up';
  /** Send Connection.Start at all (default true). */
  greet?: boolean;
  /** Offered in Connection.Tune (default 60). */
  heartbeat?: number;
  /** Answer Exchange.Declare with Channel.Close 406, as RabbitMQ does for a type mismatch. */
  exchangeMismatch?: boolean;
}

interface FakeBroker {
  readonly port: number;
  /** Methods the client sent, in order. */
  readonly received: DecodedMethod[];
  readonly heartbeatsReceived: () => number;
  deliver(exchange: string, routingKey: string, body: Buffer): void;
  send(channel: number, m: Method): void;
  stop(): Promise<void>;
}

/** A loopback AMQP peer that answers each client method with its -Ok, scripted per test. */
async function startFakeBroker(script: FakeBrokerScript = {}): Promise<FakeBroker> {
  const received: DecodedMethod[] = [];
  let heartbeats = 0;
  let client: Socket | undefined;
  const server: Server = createServer((socket) => {
    client = socket;
    const reader = new FrameReader(131_072);
    let sawHeader = false;
    const send = (channel: number, m: Method): void => { socket.write(encodeMethodFrame(channel, m)); };
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      if (!sawHeader) {
        expect(chunk.subarray(0, 8)).toEqual(PROTOCOL_HEADER);
        sawHeader = true;
        chunk = chunk.subarray(8);
        if (script.greet !== false) {
          send(0, { name: 'connection.start', versionMajor: 0, versionMinor: 9, serverProperties: { product: 'fake' }, mechanisms: 'AMQPLAIN PLAIN', locales: 'en_US' });
        }
      }
      for (const frame of reader.push(chunk)) {
        if (frame.type === FrameType.Heartbeat) { heartbeats += 1; continue; }
        const m = decodeMethod(frame.payload);
        received.push(m);
        switch (m.name) {
          case 'connection.start-ok':
            if (script.startOk === 'refuse') send(0, { name: 'connection.close', replyCode: 403, replyText: 'ACCESS_REFUSED - Login was refused using authentication mechanism PLAIN', classId: 0, methodId: 0 });
            else if (script.startOk === 'hang-up') socket.destroy();
            else send(0, { name: 'connection.tune', channelMax: 2047, frameMax: BROKER_FRAME_MAX, heartbeat: script.heartbeat ?? 60 });
            break;
          case 'connection.open': send(0, { name: 'connection.open-ok' }); break;
          case 'connection.close': send(0, { name: 'connection.close-ok' }); socket.end(); break;
          case 'channel.open': send(frame.channel, { name: 'channel.open-ok' }); break;
          case 'exchange.declare':
            if (script.exchangeMismatch) {
              send(frame.channel, { name: 'channel.close', replyCode: 406, replyText: `PRECONDITION_FAILED - inequivalent arg 'type' for exchange '${m.exchange}'`, classId: 40, methodId: 10 });
            } else {
              send(frame.channel, { name: 'exchange.declare-ok' });
            }
            break;
          case 'queue.declare': send(frame.channel, { name: 'queue.declare-ok', queue: 'amq.gen-test', messageCount: 0, consumerCount: 0 }); break;
          case 'queue.bind': send(frame.channel, { name: 'queue.bind-ok' }); break;
          case 'basic.consume': send(frame.channel, { name: 'basic.consume-ok', consumerTag: 'amq.ctag-test' }); break;
          default: break;
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    port,
    received,
    heartbeatsReceived: () => heartbeats,
    deliver(exchange, routingKey, body) {
      client?.write(Buffer.concat([
        encodeMethodFrame(1, { name: 'basic.deliver', consumerTag: 'amq.ctag-test', deliveryTag: 1n, redelivered: false, exchange, routingKey }),
        ...encodeContent(1, body, BROKER_FRAME_MAX),
      ]));
    },
    send(channel, m) { client?.write(encodeMethodFrame(channel, m)); },
    stop: () => new Promise<void>((resolve) => { client?.destroy(); server.close(() => resolve()); }),
  };
}

const brokers: FakeBroker[] = [];
async function broker(script?: FakeBrokerScript): Promise<FakeBroker> {
  const b = await startFakeBroker(script);
  brokers.push(b);
  return b;
}
afterEach(async () => { await Promise.all(brokers.splice(0).map((b) => b.stop())); });

function options(port: number, over: Partial<SubscribeOptions> = {}): SubscribeOptions {
  return {
    url: `amqp://ironic:${PASSWORD}@127.0.0.1:${port}/`,
    exchange: 'ironic',
    routingKeys: ['ironic_versioned_notifications.info', 'ironic_versioned_notifications.error'],
    onMessage: () => undefined,
    ...over,
  };
}

async function rejection(p: Promise<unknown>): Promise<AmqpError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(AmqpError);
  return err as AmqpError;
}

/** Every way an error gets printed: none may show the password. */
function expectNoPassword(err: Error, password = PASSWORD): void {
  for (const shown of [err.message, String(err), err.stack ?? '', inspect(err, { depth: 10 }), JSON.stringify(err)]) {
    expect(shown).not.toContain(password);
    expect(shown).not.toContain(encodeURIComponent(password));
  }
}

async function waitFor(condition: () => boolean, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('amqpServerName', () => {
  it('keeps host, port and vhost; drops user and password in any form', () => {
    const shown = amqpServerName('amqp://ironic:s3cr%40t-pass@rabbit.ns.svc:5672/metal3');
    expect(shown).toBe('amqp://rabbit.ns.svc:5672/metal3');
    expect(shown).not.toMatch(/s3cr|ironic:/);
  });

  it('names the default port and vhost, and an unparsable URL without echoing it', () => {
    expect(amqpServerName('amqp://u:pw@[::1]')).toBe('amqp://[::1]:5672/%2F');
    expect(amqpServerName('amqp://u:s3cret@host:notaport/v')).toBe('(invalid AMQP URL)');
    expect(amqpServerName('amqps://u:s3cret@host/v')).toBe('(invalid AMQP URL)');
  });
});

describe('subscribeAmqp', () => {
  it('logs in with PLAIN, negotiates limits, declares oslo\'s exchange, binds each key and consumes with no-ack', async () => {
    // Prepare
    const b = await broker();
    // Act
    const sub = await subscribeAmqp(options(b.port));
    await sub.close();
    // Assess
    const sent = b.received.filter((m) => m.name !== 'connection.close');
    expect(sent).toEqual([
      expect.objectContaining({ name: 'connection.start-ok', mechanism: 'PLAIN', locale: 'en_US', response: Buffer.from(`\0ironic\0${PASSWORD}`) }),
      { name: 'connection.tune-ok', channelMax: 1, frameMax: BROKER_FRAME_MAX, heartbeat: 30 },
      { name: 'connection.open', virtualHost: '/' },
      { name: 'channel.open' },
      { name: 'exchange.declare', exchange: 'ironic', type: 'topic', passive: false, durable: false, autoDelete: false, internal: false, noWait: false, arguments: {} },
      { name: 'queue.declare', queue: '', passive: false, durable: false, exclusive: true, autoDelete: true, noWait: false, arguments: {} },
      { name: 'queue.bind', queue: 'amq.gen-test', exchange: 'ironic', routingKey: 'ironic_versioned_notifications.info', noWait: false, arguments: {} },
      { name: 'queue.bind', queue: 'amq.gen-test', exchange: 'ironic', routingKey: 'ironic_versioned_notifications.error', noWait: false, arguments: {} },
      { name: 'basic.consume', queue: 'amq.gen-test', consumerTag: '', noLocal: false, noAck: true, exclusive: false, noWait: false, arguments: {} },
    ]);
  });

  it.each([
    { case: 'no path → "/"', path: '', vhost: '/' },
    { case: 'a bare "/" → "/"', path: '/', vhost: '/' },
    { case: '"%2F" → "/"', path: '/%2F', vhost: '/' },
    { case: 'a name', path: '/metal3', vhost: 'metal3' },
    { case: 'an encoded name', path: '/a%2Fb', vhost: 'a/b' },
  ])('opens vhost $vhost for $case', async ({ path, vhost }) => {
    const b = await broker();
    const sub = await subscribeAmqp(options(b.port, { url: `amqp://ironic:${PASSWORD}@127.0.0.1:${b.port}${path}` }));
    await sub.close();
    expect(b.received).toContainEqual({ name: 'connection.open', virtualHost: vhost });
  });

  it('reassembles bodies across body frames, delivers empty bodies, in order, and survives a throwing handler', async () => {
    // Prepare
    const got: AmqpMessage[] = [];
    const handlerErrors: unknown[] = [];
    const b = await broker();
    const sub = await subscribeAmqp(options(b.port, {
      onMessage: (m) => {
        got.push(m);
        if (m.body.toString() === 'boom') throw new Error('handler bug');
      },
      onHandlerError: (err) => handlerErrors.push(err),
    }));
    const big = Buffer.alloc(3 * BROKER_FRAME_MAX + 17, 7);
    // Act
    b.deliver('ironic', 'ironic_versioned_notifications.info', Buffer.from('boom'));
    b.deliver('ironic', 'ironic_versioned_notifications.info', big);
    b.deliver('ironic', 'ironic_versioned_notifications.error', Buffer.alloc(0));
    b.deliver('ironic', 'ironic_versioned_notifications.info', Buffer.from('{"oslo.version":"2.0"}'));
    await waitFor(() => got.length === 4);
    // Assess
    expect(got.map((m) => [m.routingKey, m.body.length])).toEqual([
      ['ironic_versioned_notifications.info', 4],
      ['ironic_versioned_notifications.info', big.length],
      ['ironic_versioned_notifications.error', 0],
      ['ironic_versioned_notifications.info', 22],
    ]);
    expect(got[1]?.body.equals(big)).toBe(true);
    expect(got[1]?.exchange).toBe('ironic');
    expect(handlerErrors).toEqual([new Error('handler bug')]);
    await sub.close();
    expect(await sub.ended).toBeUndefined();
  });

  it('settles ended with undefined on close(), sends Connection.Close once however often it is called', async () => {
    const b = await broker();
    const sub = await subscribeAmqp(options(b.port));
    await Promise.all([sub.close(), sub.close()]);
    await sub.close();
    expect(await sub.ended).toBeUndefined();
    expect(b.received.filter((m) => m.name === 'connection.close')).toEqual([{ name: 'connection.close', replyCode: 200, replyText: 'Goodbye', classId: 0, methodId: 0 }]);
  });

  it('answers a server Connection.Close with Close-Ok and ends with closed-by-server and the reply code', async () => {
    const b = await broker();
    const sub = await subscribeAmqp(options(b.port));
    b.send(0, { name: 'connection.close', replyCode: 320, replyText: "CONNECTION_FORCED - broker forced connection closure with reason 'shutdown'", classId: 0, methodId: 0 });
    const ended = await sub.ended;
    expect(ended).toMatchObject({ name: 'AmqpError', code: 'closed-by-server', replyCode: 320 });
    expect(ended?.message).toContain('320 CONNECTION_FORCED');
    await waitFor(() => b.received.some((m) => m.name === 'connection.close-ok'));
  });

  it('ends with connection-lost when the socket drops without a Close', async () => {
    const b = await broker();
    const sub = await subscribeAmqp(options(b.port));
    await b.stop();
    expect(await sub.ended).toMatchObject({ code: 'connection-lost' });
  });

  it('ends with closed-by-server when the server cancels the consumer', async () => {
    const b = await broker();
    const sub = await subscribeAmqp(options(b.port));
    b.send(1, { name: 'basic.cancel', consumerTag: 'amq.ctag-test', noWait: true });
    expect(await sub.ended).toMatchObject({ code: 'closed-by-server' });
  });

  it('sends heartbeats every heartbeat/2 s and ends with heartbeat-missed after two silent intervals', async () => {
    const b = await broker({ heartbeat: 1 });
    const t0 = Date.now();
    const sub = await subscribeAmqp(options(b.port, { heartbeatS: 5 }));
    const ended = await sub.ended;
    expect(ended).toMatchObject({ code: 'heartbeat-missed' });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(2_000);
    expect(Date.now() - t0).toBeLessThan(4_000);
    expect(b.heartbeatsReceived()).toBeGreaterThanOrEqual(3);
  });

  it('rejects with closed-by-server and 406 when the exchange exists with another type, and closes the connection', async () => {
    const b = await broker({ exchangeMismatch: true });
    const err = await rejection(subscribeAmqp(options(b.port)));
    expect(err).toMatchObject({ code: 'closed-by-server', replyCode: 406, disposition: 'permanent' });
    expect(err.message).toContain('406 PRECONDITION_FAILED');
    expect(err.message).toContain('channel 1');
    await waitFor(() => b.received.some((m) => m.name === 'connection.close'));
    expect(b.received).toContainEqual({ name: 'channel.close-ok' });
  });

  it('rejects with timeout when the server never greets', async () => {
    const b = await broker({ greet: false });
    const err = await rejection(subscribeAmqp(options(b.port, { connectTimeoutMs: 200 })));
    expect(err.code).toBe('timeout');
  });

  describe('never shows the password', () => {
    it('when the server refuses the login with 403', async () => {
      const b = await broker({ startOk: 'refuse' });
      const err = await rejection(subscribeAmqp(options(b.port)));
      expect(err).toMatchObject({ code: 'auth-failed', replyCode: 403, disposition: 'permanent' });
      expect(err.message).toBe(`AMQP server 127.0.0.1:${b.port}/%2F refused the login: 403 ACCESS_REFUSED - Login was refused using authentication mechanism PLAIN`);
      expectNoPassword(err);
    });

    it('when the server hangs up after Start-Ok', async () => {
      const b = await broker({ startOk: 'hang-up' });
      const err = await rejection(subscribeAmqp(options(b.port)));
      expect(err.code).toBe('auth-failed');
      expectNoPassword(err);
    });

    it('when nothing listens on the port', async () => {
      const port = await freePort();
      const err = await rejection(subscribeAmqp(options(port)));
      expect(err.code).toBe('connect-failed');
      expect(err.message).toBe(`cannot connect to AMQP server 127.0.0.1:${port}/%2F: ECONNREFUSED`);
      expectNoPassword(err);
    });

    it.each([
      { case: 'an unparsable URL', url: `amqp://ironic:${PASSWORD}@bad host:5672/` },
      { case: 'a TLS URL', url: `amqps://ironic:${PASSWORD}@127.0.0.1:5671/` },
      { case: 'a malformed escape', url: `amqp://ironic:${PASSWORD}%zz@127.0.0.1:5672/` },
    ])('when the URL is $case', async ({ url }) => {
      const err = await rejection(subscribeAmqp(options(1, { url })));
      expect(err.code).toBe('invalid-url');
      expectNoPassword(err);
    });

    it('when an encoded password is refused', async () => {
      const tricky = 'p@ss:w/rd%';
      const b = await broker({ startOk: 'refuse' });
      const err = await rejection(subscribeAmqp(options(b.port, { url: `amqp://ironic:${encodeURIComponent(tricky)}@127.0.0.1:${b.port}/` })));
      expect(b.received[0]).toMatchObject({ response: Buffer.from(`\0ironic\0${tricky}`) });
      expectNoPassword(err, tricky);
    });
  });

  it('rejects an out-of-range heartbeat before connecting', async () => {
    const onMessage = jest.fn<(m: AmqpMessage) => void>();
    await expect(subscribeAmqp(options(1, { heartbeatS: -1, onMessage }))).rejects.toThrow(RangeError);
  });
});
