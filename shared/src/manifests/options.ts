/**
 * @module manifests/options: what a deployment may choose, with defaults.
 * The base uses the defaults; overlays patch the generated YAML.
 */
import type { ExternalSender } from '../eventauth/policy.ts';
import { NAMESPACE } from './names.ts';

export interface ManifestOptions {
  /** namespace of the functions, watcher, Broker and Ironic */
  namespace: string;
  /** namespace whose BareMetalHosts are managed; '' = every namespace (ClusterRoles instead of Roles) */
  hostNamespace: string;
  /** image prefix: `<registry>/bmh-<function>:<tag>` */
  imageRegistry: string;
  imageTag: string;
  /** the Ironic image built from manifests/base/ironic/Dockerfile (Debian 12 python3-ironic) */
  ironicImage: string;
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
  hostNamespace: NAMESPACE,
  imageRegistry: 'registry.example/metal3',
  imageTag: '0.1.0',
  ironicImage: 'registry.example/metal3/ironic:21.4',
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
