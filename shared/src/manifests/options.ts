/**
 * @module manifests/options: what a deployment may choose, with defaults.
 * The base uses the defaults; overlays patch the generated YAML.
 */
import type { ExternalSender } from '../eventauth/policy.ts';
import { HOST_NAMESPACE, NAMESPACE } from './names.ts';

export interface ManifestOptions {
  /** namespace of the functions, watcher, Broker and Ironic */
  namespace: string;
  /**
   * namespace whose BareMetalHosts (and their Secrets) are managed; '' = every namespace (ClusterRoles
   * instead of Roles). Never the operator's namespace: the functions' Secret access is bounded by it.
   */
  hostNamespace: string;
  /** the only namespace admitted to the metrics ports (Prometheus) */
  monitoringNamespace: string;
  /**
   * namespaces of the Knative data plane admitted to the functions: Eventing (Broker ingress and filter),
   * Serving (activator, autoscaler) and the networking layer's gateways (Kourier by default)
   */
  knativeEventingNamespace: string;
  knativeServingNamespace: string;
  knativeIngressNamespace: string;
  /** image prefix: `<registry>/bmh-<function>:<tag>` */
  imageRegistry: string;
  imageTag: string;
  /** the Ironic image built from manifests/base/ironic/Dockerfile (Debian 12 python3-ironic) */
  ironicImage: string;
  /** the RabbitMQ Ironic's notifications go through (the official image, a supported release line; pin a digest in an overlay) */
  rabbitmqImage: string;
  /** event-display image that logs dead letters */
  deadLetterImage: string;
  /** MTChannelBasedBroker (default, InMemoryChannel) or Kafka in production */
  brokerClass: string;
  /** Trigger delivery: retries after the first attempt, exponential from backoffDelay */
  retry: number;
  backoffDelay: string;
  /** per-attempt HTTP timeout (Knative delivery.timeout, ISO-8601) */
  deliveryTimeout: string;
  /** Knative Service knobs */
  maxScale: number;
  containerConcurrency: number;
  timeoutSeconds: number;
  /**
   * ServiceAccounts outside this deployment allowed to send events to the Broker, each with the
   * event types it may send (one EventPolicy each). Default none: only the watcher and the
   * functions' replies get in.
   */
  externalSenders: readonly ExternalSender[];
}

export const DEFAULT_OPTIONS: ManifestOptions = {
  namespace: NAMESPACE,
  hostNamespace: HOST_NAMESPACE,
  monitoringNamespace: 'monitoring',
  knativeEventingNamespace: 'knative-eventing',
  knativeServingNamespace: 'knative-serving',
  knativeIngressNamespace: 'kourier-system',
  imageRegistry: 'registry.example/metal3',
  imageTag: '0.1.0',
  ironicImage: 'registry.example/metal3/ironic:21.4',
  rabbitmqImage: 'docker.io/library/rabbitmq:4.1-alpine',
  deadLetterImage: 'gcr.io/knative-releases/knative.dev/eventing/cmd/event_display',
  brokerClass: 'MTChannelBasedBroker',
  retry: 8,
  backoffDelay: 'PT1S',
  deliveryTimeout: 'PT150S',
  maxScale: 5,
  containerConcurrency: 10,
  // Ironic work is kicked off and left running; a request never waits for it
  timeoutSeconds: 120,
  externalSenders: [],
};

export const withDefaults = (o: Partial<ManifestOptions> = {}): ManifestOptions => ({ ...DEFAULT_OPTIONS, ...o });
