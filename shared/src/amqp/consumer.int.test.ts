/**
 * Our AMQP consumer against a real RabbitMQ (Debian's rabbitmq-server), with messages published
 * by an independent client: kombu from the Ironic venv, the library oslo.messaging's rabbit
 * driver publishes Ironic's notifications with, declaring the exchange the way oslo does.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { ensureIronicInstalled } from '../../../test/bed/install.ts';
import { freeTcpPort } from '../../../test/bed/ports.ts';
import { startRabbitMq, type RabbitMqInstance } from '../../../test/bed/rabbitmq.ts';
import { subscribeAmqp, type AmqpMessage, type AmqpSubscription } from './consumer.ts';
import { AmqpError } from './errors.ts';

const INFO = 'ironic_versioned_notifications.info';

/**
 * Reads a JSON spec on stdin (the password stays out of argv) and publishes with kombu.
 * The Exchange() arguments are oslo.messaging's for its notification exchange
 * (impl_rabbit.NotifierPublisher: type topic, durable = amqp_durable_queues = False, auto_delete False).
 */
const KOMBU_PUBLISHER = `
import base64, json, sys
from kombu import Connection, Exchange, Producer
spec = json.load(sys.stdin)
with Connection(hostname='127.0.0.1', port=spec['port'], userid=spec['user'], password=spec['password'], virtual_host='/') as conn:
    channel = conn.channel()
    exchange = Exchange(spec['exchange'], type=spec['type'], durable=False, auto_delete=False)
    exchange(channel).declare()
    producer = Producer(channel, exchange=exchange, auto_declare=False)
    for m in spec['messages']:
        producer.publish(base64.b64decode(m['body']), routing_key=m['routingKey'], content_type='application/json', content_encoding='utf-8')
`;

interface Publication {
  routingKey: string;
  body: Buffer;
}

describe('subscribeAmqp against a real RabbitMQ, kombu publishing', () => {
  let bus: RabbitMqInstance;
  let python: string;
  const subscriptions: AmqpSubscription[] = [];

  beforeAll(async () => {
    [bus, python] = await Promise.all([startRabbitMq(), ensureIronicInstalled().then((i) => i.python)]);
  });

  afterAll(async () => {
    await Promise.allSettled(subscriptions.map((s) => s.close()));
    await bus?.stop();
  });

  /** Declare `exchange` as oslo does (or with `type`), then publish each message in order. */
  function publish(exchange: string, messages: readonly Publication[], type = 'topic'): Promise<void> {
    const spec = {
      port: bus.port, user: bus.user, password: bus.password, exchange, type,
      messages: messages.map((m) => ({ routingKey: m.routingKey, body: m.body.toString('base64') })),
    };
    return new Promise((resolve, reject) => {
      const child = execFile(python, ['-c', KOMBU_PUBLISHER], { timeout: 60_000, maxBuffer: 16 * 1024 * 1024 }, (err, _stdout, stderr) => {
        if (err) reject(new Error(`kombu publisher failed: ${stderr || err.message}`));
        else resolve();
      });
      child.stdin?.end(JSON.stringify(spec));
    });
  }

  async function subscribe(exchange: string, onMessage: (m: AmqpMessage) => void, routingKeys: readonly string[] = [INFO]): Promise<AmqpSubscription> {
    const sub = await subscribeAmqp({ url: bus.url, exchange, routingKeys, onMessage });
    subscriptions.push(sub);
    return sub;
  }

  async function waitForCount(list: readonly unknown[], n: number, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (list.length < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  }

  it('receives the exact bodies in order: an oslo envelope, one larger than frame-max, an empty one; an unbound key is not delivered', async () => {
    // Prepare
    const got: AmqpMessage[] = [];
    await subscribe('ironic', (m) => {
      got.push(m);
      // the caller's bug must not cost the following messages
      if (got.length === 1) throw new Error('handler bug');
    });
    const envelope = Buffer.from(JSON.stringify({ 'oslo.version': '2.0', 'oslo.message': JSON.stringify({ event_type: 'baremetal.node.provision_set.end' }) }));
    const large = randomBytes(300_000); // > frame-max 131072: arrives in three body frames
    const publications: Publication[] = [
      { routingKey: INFO, body: envelope },
      { routingKey: INFO, body: large },
      { routingKey: 'ironic_versioned_notifications.debug', body: Buffer.from('not bound') },
      { routingKey: INFO, body: Buffer.alloc(0) },
      { routingKey: INFO, body: Buffer.from('last') },
    ];
    // Act
    await publish('ironic', publications);
    await waitForCount(got, 4);
    // Assess: the queue keeps order, so the unbound message would have arrived before "last"
    expect(got.map((m) => m.routingKey)).toEqual([INFO, INFO, INFO, INFO]);
    expect(got.map((m) => m.exchange)).toEqual(['ironic', 'ironic', 'ironic', 'ironic']);
    expect(got[0]?.body.equals(envelope)).toBe(true);
    expect(got[1]?.body.equals(large)).toBe(true);
    expect(got[2]?.body).toEqual(Buffer.alloc(0));
    expect(got[3]?.body.toString()).toBe('last');
  });

  it('subscribes to an exchange kombu declared first (our declaration is equivalent to oslo\'s)', async () => {
    await publish('ironic-declared-by-oslo', []);
    const got: AmqpMessage[] = [];
    await subscribe('ironic-declared-by-oslo', (m) => got.push(m), [INFO, 'ironic_versioned_notifications.error']);
    await publish('ironic-declared-by-oslo', [{ routingKey: 'ironic_versioned_notifications.error', body: Buffer.from('e') }]);
    await waitForCount(got, 1);
    expect(got.map((m) => [m.routingKey, m.body.toString()])).toEqual([['ironic_versioned_notifications.error', 'e']]);
  });

  it('rejects an exchange declared with another type with 406 PRECONDITION_FAILED', async () => {
    await publish('ironic-fanout', [], 'fanout');
    const err = await subscribeAmqp({ url: bus.url, exchange: 'ironic-fanout', routingKeys: [INFO], onMessage: () => undefined }).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(AmqpError);
    expect(err).toMatchObject({ code: 'closed-by-server', replyCode: 406 });
    expect((err as Error).message).toMatch(/406 PRECONDITION_FAILED - inequivalent arg 'type' for exchange 'ironic-fanout'/);
  });

  it('rejects a wrong password with auth-failed, without the password', async () => {
    const wrong = `wrong-${randomBytes(8).toString('hex')}`;
    const url = `amqp://${bus.user}:${wrong}@127.0.0.1:${bus.port}/`;
    const err = await subscribeAmqp({ url, exchange: 'ironic', routingKeys: [INFO], onMessage: () => undefined }).then(() => undefined, (e: unknown) => e);
    expect(err).toMatchObject({ name: 'AmqpError', code: 'auth-failed', replyCode: 403 });
    expect((err as Error).message).toContain('ACCESS_REFUSED');
    for (const shown of [(err as Error).message, String(err), (err as Error).stack ?? '']) {
      expect(shown).not.toContain(wrong);
      expect(shown).not.toContain(bus.password);
    }
  });

  it('rejects a refused connection with connect-failed', async () => {
    const port = await freeTcpPort();
    const err = await subscribeAmqp({ url: `amqp://u:p@127.0.0.1:${port}/`, exchange: 'ironic', routingKeys: [INFO], onMessage: () => undefined })
      .then(() => undefined, (e: unknown) => e);
    expect(err).toMatchObject({ code: 'connect-failed' });
  });

  it('settles ended with undefined after close()', async () => {
    const sub = await subscribe('ironic', () => undefined);
    await sub.close();
    expect(await sub.ended).toBeUndefined();
  });

  it('settles ended with the server\'s close when RabbitMQ stops', async () => {
    const sub = await subscribe('ironic', () => undefined);
    await bus.stop();
    const ended = await sub.ended;
    expect(ended).toBeInstanceOf(AmqpError);
    expect(ended).toMatchObject({ code: 'closed-by-server', replyCode: 320 });
  });
});
