/**
 * @module ironic/notifications: Ironic's versioned notifications as hints to the watcher.
 *
 * Ironic (oslo.messaging, `messagingv2` driver) publishes every node state change it makes or
 * sees (`baremetal.node.power_set.end`, `…power_state_corrected.success`, `…provision_set.*`,
 * `…update.end`, `…delete.end`, …) to the topic exchange `ironic` with routing keys
 * `ironic_versioned_notifications.<priority>`. The watcher subscribes instead of probing Ironic
 * every few seconds: a settled fleet then costs Ironic one list a minute, and a change is seen as
 * soon as Ironic announces it.
 *
 * A notification is only a hint. Nothing in it is trusted or kept: the watcher answers it with a
 * list from Ironic, so a forged or stale message costs one list and cannot change what a host
 * shows. While the bus is unreachable the watcher polls as before (docs/ironic-notifications.md).
 */
import { z } from 'zod';
import { amqpServerName, subscribeAmqp, type AmqpSubscription, type SubscribeOptions } from '../amqp/consumer.ts';
import type { Logger } from '../log.ts';

/** oslo.messaging's exchange for Ironic (`control_exchange`) and the routing keys of its versioned notifications */
export const IRONIC_NOTIFICATION_EXCHANGE = 'ironic';
export const IRONIC_NOTIFICATION_ROUTING_KEYS = ['info', 'warning', 'error', 'critical'].map((p) => `ironic_versioned_notifications.${p}`);

export interface IronicNotification {
  /** e.g. `baremetal.node.power_set.end` */
  eventType: string;
  /** the node it is about, when the payload names one */
  nodeUuid?: string | undefined;
}

export class IronicNotificationFormatError extends Error {
  override readonly name = 'IronicNotificationFormatError';
}

// the oslo.messaging 2.0 envelope: the message itself is a JSON string inside it
const Envelope = z.object({ 'oslo.version': z.string(), 'oslo.message': z.string() });
const Message = z.object({
  event_type: z.string().min(1).max(255),
  payload: z.object({ 'ironic_object.data': z.object({ uuid: z.string().max(64).optional() }).loose().optional() }).loose().optional(),
}).loose();

/** Reads the event type and node of one message body; only those leave this function (the payload may hold anything). */
export function parseIronicNotification(body: Buffer): IronicNotification {
  let outer: unknown;
  let inner: unknown;
  try {
    outer = JSON.parse(body.toString('utf8'));
  } catch {
    throw new IronicNotificationFormatError('notification body is not JSON');
  }
  const envelope = Envelope.safeParse(outer);
  if (!envelope.success) throw new IronicNotificationFormatError('notification is not an oslo.messaging 2.0 envelope');
  try {
    inner = JSON.parse(envelope.data['oslo.message']);
  } catch {
    throw new IronicNotificationFormatError('oslo.message is not JSON');
  }
  const message = Message.safeParse(inner);
  if (!message.success) throw new IronicNotificationFormatError('notification has no event_type');
  return { eventType: message.data.event_type, nodeUuid: message.data.payload?.['ironic_object.data']?.uuid };
}

export interface IronicNotificationFeedOptions {
  /** amqp://user:password@host:port/vhost of the bus Ironic publishes to */
  url: string;
  /** every message, parsed or not (undefined: malformed); called synchronously */
  onNotification(n: IronicNotification | undefined): void;
  /** true once subscribed, false when the subscription is lost (and again on each reconnect) */
  onConnected(connected: boolean): void;
  log: Logger;
  /** first and longest wait between attempts to subscribe */
  retryMs?: { first: number; max: number };
  /** injected for tests of the retry loop; the shipped one is ours on node:net */
  subscribe?: (o: SubscribeOptions) => Promise<AmqpSubscription>;
}

export interface IronicNotificationFeed {
  connected(): boolean;
  stop(): Promise<void>;
}

/** Subscribes, and keeps subscribing with a capped backoff whenever the bus is lost or refuses. */
export function startIronicNotificationFeed({ url, onNotification, onConnected, log, retryMs = { first: 1_000, max: 30_000 }, subscribe = subscribeAmqp }: IronicNotificationFeedOptions): IronicNotificationFeed {
  const where = amqpServerName(url);
  let stopped = false;
  let connected = false;
  let current: AmqpSubscription | undefined;
  let wake: (() => void) | undefined;
  const pause = (ms: number) => new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    t.unref?.();
    wake = () => { clearTimeout(t); resolve(); };
  });

  async function run(): Promise<void> {
    let delay = retryMs.first;
    while (!stopped) {
      try {
        current = await subscribe({
          url,
          exchange: IRONIC_NOTIFICATION_EXCHANGE,
          routingKeys: IRONIC_NOTIFICATION_ROUTING_KEYS,
          onMessage: (m) => {
            let n: IronicNotification | undefined;
            try {
              n = parseIronicNotification(m.body);
            } catch (e) {
              log.warn('ignoring a malformed Ironic notification', { error: (e as Error).message });
            }
            onNotification(n);
          },
        });
      } catch (e) {
        if (stopped) return;
        log.warn('cannot subscribe to Ironic notifications; polling Ironic meanwhile', { bus: where, error: (e as Error).message, retryInMs: delay });
        await pause(delay);
        delay = Math.min(delay * 2, retryMs.max);
        continue;
      }
      if (stopped) {
        await current.close();
        return;
      }
      connected = true;
      delay = retryMs.first;
      onConnected(true);
      log.info('subscribed to Ironic notifications', { bus: where });
      const error = await current.ended;
      connected = false;
      onConnected(false);
      if (stopped) return;
      log.warn('lost the Ironic notification bus; polling Ironic meanwhile', { bus: where, error: error?.message });
      await pause(delay);
    }
  }
  const running = run();

  return {
    connected: () => connected,
    stop: async function stop() {
      stopped = true;
      wake?.();
      await current?.close();
      await running;
    },
  };
}

/** What a watcher takes from the feed (functions/watcher/src/watcher.ts). */
export interface NotificationFollower {
  onIronicNotification(n: IronicNotification | undefined): void;
  setNotificationsConnected(connected: boolean): void;
}

/** Subscribes `watcher` to Ironic's notifications on the bus at `url`: the one wiring of the shipped watcher and the all-in-one runner. */
export function followIronicNotifications(watcher: NotificationFollower, o: { url: string; log: Logger; retryMs?: { first: number; max: number } }): IronicNotificationFeed {
  return startIronicNotificationFeed({
    ...o,
    onNotification: (n) => watcher.onIronicNotification(n),
    onConnected: (c) => watcher.setNotificationsConnected(c),
  });
}
