/**
 * @module manifests/eventing: one Broker and one Trigger per event type of
 * the catalogue, each an exact `type` filter with its own delivery policy
 * (retry with exponential backoff, per-attempt timeout, dead-letter sink).
 */
import { Broker } from '@kubernetes-models/knative/eventing.knative.dev/v1/Broker';
import { Trigger } from '@kubernetes-models/knative/eventing.knative.dev/v1/Trigger';
import { CATALOGUE_EVENT_TYPES, consumerOf } from '../../../events/src/types.ts';
import type { CatalogueEventType } from '../../../events/src/types.ts';
import { functionAudience } from '../eventauth/policy.ts';
import { BROKER, DEAD_LETTER_SERVICE, PART_OF, serviceNameOf } from './names.ts';
import type { ManifestOptions } from './options.ts';

const ksvc = (name: string) => ({ ref: { apiVersion: 'serving.knative.dev/v1', kind: 'Service', name } });

/** Our functions answer 400 for poison events (dead-lettered at once) and 409/503 for retries. */
export function deliveryOf(o: ManifestOptions) {
  return {
    retry: o.retry,
    backoffPolicy: 'exponential',
    backoffDelay: o.backoffDelay,
    timeout: o.deliveryTimeout,
    deadLetterSink: ksvc(DEAD_LETTER_SERVICE),
  };
}

export function buildBroker(o: ManifestOptions): Broker {
  return new Broker({
    metadata: {
      name: BROKER, namespace: o.namespace, labels: { ...PART_OF },
      // immutable once created; Kafka in production (ordered per partitionkey, durable)
      annotations: { 'eventing.knative.dev/broker.class': o.brokerClass },
    },
    // default for senders without a Trigger of their own; every Trigger below overrides it
    spec: { delivery: deliveryOf(o) },
  });
}

export const triggerNameOf = (type: CatalogueEventType): string => serviceNameOf(consumerOf(type));

/** One Trigger per catalogue type, subscribed by the function the type names. */
export function buildTrigger(type: CatalogueEventType, o: ManifestOptions): Trigger {
  const fn = consumerOf(type);
  return new Trigger({
    metadata: {
      name: triggerNameOf(type), namespace: o.namespace, labels: { ...PART_OF, 'app.kubernetes.io/component': fn },
      // Kafka broker only: in order per partitionkey (the host or claim uid); ignored by other classes
      annotations: { 'kafka.eventing.knative.dev/delivery.order': 'ordered' },
    },
    spec: {
      broker: BROKER,
      // the legacy exact-match filter every broker class supports
      filter: { attributes: { type } },
      // the audience the function checks tokens for: Knative Services announce none, so the Trigger names it
      subscriber: { ...ksvc(serviceNameOf(fn)), audience: functionAudience(fn, o.namespace) },
      delivery: deliveryOf(o),
    },
  });
}

export const buildAllTriggers = (o: ManifestOptions) => CATALOGUE_EVENT_TYPES.map((t) => buildTrigger(t, o));
