/**
 * Ironic notifications: the oslo.messaging envelope is read for the event type and node only, the
 * bus URL never leaves with its password, and the feed keeps subscribing after a loss or refusal.
 */
import { describe, expect, it } from '@jest/globals';
import type { AmqpSubscription, SubscribeOptions } from '../amqp/consumer.ts';
import { createLogger } from '../log.ts';
import {
  IRONIC_NOTIFICATION_EXCHANGE, IRONIC_NOTIFICATION_ROUTING_KEYS, IronicNotificationFormatError, parseIronicNotification, startIronicNotificationFeed,
} from './notifications.ts';

/** A body as oslo.messaging's messagingv2 driver sends it: the message is a JSON string inside the envelope. */
const osloBody = (message: unknown): Buffer => Buffer.from(JSON.stringify({ 'oslo.version': '2.0', 'oslo.message': JSON.stringify(message) }));
const powerSetEnd = {
  message_id: 'c5b2', publisher_id: 'ironic-conductor.host', event_type: 'baremetal.node.power_set.end', priority: 'INFO', timestamp: '2026-12-07 10:00:00.000000',
  payload: { 'ironic_object.name': 'NodeSetPowerStatePayload', 'ironic_object.namespace': 'ironic', 'ironic_object.version': '1.17', 'ironic_object.data': { uuid: '1be26c0b-03f2-4d2e-ae87-c02d7f33c123', power_state: 'power off', driver_info: { ipmi_password: '******' } } },
};

describe('parseIronicNotification', () => {
  it('reads the event type and node of an oslo 2.0 envelope, and nothing else', () => {
    expect(parseIronicNotification(osloBody(powerSetEnd))).toEqual({ eventType: 'baremetal.node.power_set.end', nodeUuid: '1be26c0b-03f2-4d2e-ae87-c02d7f33c123' });
  });

  it('a notification without a node payload still counts (the node is unknown)', () => {
    expect(parseIronicNotification(osloBody({ event_type: 'baremetal.conductor.up', payload: {} }))).toEqual({ eventType: 'baremetal.conductor.up', nodeUuid: undefined });
  });

  it.each([
    ['not JSON', Buffer.from('{oops'), /not JSON/],
    ['no envelope', Buffer.from(JSON.stringify(powerSetEnd)), /oslo\.messaging 2\.0 envelope/],
    ['inner message not JSON', Buffer.from(JSON.stringify({ 'oslo.version': '2.0', 'oslo.message': '{nope' })), /oslo\.message is not JSON/],
    ['no event type', osloBody({ payload: {} }), /no event_type/],
  ])('rejects %s with a typed error that names the reason', (_name, body, reason) => {
    expect(() => parseIronicNotification(body)).toThrow(IronicNotificationFormatError);
    expect(() => parseIronicNotification(body)).toThrow(reason);
  });
});

/** A bus whose subscriptions the test ends, or that refuses the next `refusals` attempts. */
function fakeBus(refusals = 0) {
  const attempts: SubscribeOptions[] = [];
  const live: Array<{ end: (e?: Error) => void }> = [];
  let refuse = refusals;
  const subscribe = async (o: SubscribeOptions): Promise<AmqpSubscription> => {
    attempts.push(o);
    if (refuse-- > 0) throw new Error('connect ECONNREFUSED 127.0.0.1:5672');
    let end!: (e?: Error) => void;
    const ended = new Promise<Error | undefined>((r) => { end = r; });
    live.push({ end });
    return { ended, close: async () => end(undefined) };
  };
  return { attempts, live, subscribe };
}

const until = async (check: () => boolean): Promise<void> => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(check()).toBe(true);
};

describe('startIronicNotificationFeed', () => {
  it('subscribes to every priority of the ironic exchange and hands on parsed and malformed messages', async () => {
    // Prepare
    const bus = fakeBus();
    const got: unknown[] = [];
    const states: boolean[] = [];
    const feed = startIronicNotificationFeed({ url: 'amqp://u:p@127.0.0.1:5672/', onNotification: (n) => got.push(n), onConnected: (c) => states.push(c), log: createLogger({ level: 'silent' }), subscribe: bus.subscribe });
    await until(() => feed.connected());
    // Act
    bus.attempts[0]!.onMessage({ exchange: 'ironic', routingKey: 'ironic_versioned_notifications.info', body: osloBody(powerSetEnd) });
    bus.attempts[0]!.onMessage({ exchange: 'ironic', routingKey: 'ironic_versioned_notifications.info', body: Buffer.from('garbage') });
    await feed.stop();
    // Assess
    expect(bus.attempts[0]).toMatchObject({ exchange: IRONIC_NOTIFICATION_EXCHANGE, routingKeys: IRONIC_NOTIFICATION_ROUTING_KEYS });
    expect(IRONIC_NOTIFICATION_ROUTING_KEYS).toEqual(['info', 'warning', 'error', 'critical'].map((p) => `ironic_versioned_notifications.${p}`));
    expect(got).toEqual([{ eventType: 'baremetal.node.power_set.end', nodeUuid: powerSetEnd.payload['ironic_object.data'].uuid }, undefined]);
    expect(states).toEqual([true, false]);
  });

  it('retries a refused bus with backoff, and resubscribes after losing it; logs never hold the password', async () => {
    // Prepare
    const bus = fakeBus(2);
    const lines: string[] = [];
    const log = createLogger({ level: 'info', write: (line: string) => { lines.push(line); } });
    const states: boolean[] = [];
    const feed = startIronicNotificationFeed({ url: 'amqp://ironic:hunter2-secret@127.0.0.1:5672/', onNotification: () => undefined, onConnected: (c) => states.push(c), log, retryMs: { first: 5, max: 20 }, subscribe: bus.subscribe });
    // Act
    await until(() => feed.connected());
    bus.live[0]!.end(new Error('connection reset'));
    await until(() => !feed.connected());
    await until(() => feed.connected());
    await feed.stop();
    // Assess
    expect(bus.attempts.length).toBe(4);
    expect(states).toEqual([true, false, true, false]);
    const text = lines.join('\n');
    expect(text).toContain('127.0.0.1:5672');
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain(Buffer.from('hunter2-secret').toString('base64'));
  });
});
