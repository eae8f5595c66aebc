/**
 * @module manifests/network: private by default. The Knative Services are cluster-local (no route
 * from outside the cluster), and NetworkPolicies admit:
 * - to the functions and the dead-letter sink: only the Knative data plane (Broker ingress and filter
 *   in Eventing's namespace, the activator and autoscaler in Serving's, the gateways of the networking
 *   layer), on the serving ports;
 * - to Ironic: only the functions and the watcher (`ironic.ts`);
 * - to the RabbitMQ of Ironic's notifications: only Ironic and the watcher (`ironic-notifications.ts`);
 * - to the metrics ports: only the monitoring namespace.
 * Namespaces are selected by `kubernetes.io/metadata.name`, the label the API server sets on every namespace.
 */
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import type { IIoK8sApiNetworkingV1NetworkPolicyPeer } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicyPeer';
import type { IIoK8sApiNetworkingV1NetworkPolicyPort } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicyPort';
import { DEFAULT_METRICS_PORT } from '../metrics/server.ts';
import { FUNCTION_METRICS_PORT, FUNCTION_PORT, FUNCTIONS, PART_OF } from './names.ts';
import type { ManifestOptions } from './options.ts';

/** The label Knative reads to keep a Service off the external gateway. */
export const VISIBILITY_LABEL = 'networking.knative.dev/visibility';
export const CLUSTER_LOCAL = 'cluster-local';

/**
 * What reaches a Knative pod from outside it: the queue-proxy's serving ports (HTTP/1 8012, h2c 8013),
 * which forward to the user container's port (8080) inside the pod. The user port is listed too, for
 * senders that address the container directly.
 */
export const QUEUE_PROXY_PORTS = [8012, 8013] as const;
/** queue-proxy's metrics for the Knative autoscaler (knative-serving scrapes them on every pod) */
export const AUTOSCALER_METRICS_PORT = 9090;

/** Component label of the dead-letter sink's pods (the functions' pods carry their transition name). */
export const DEAD_LETTER_COMPONENT = 'dead-letter';

const NAME_LABEL = 'kubernetes.io/metadata.name';
const COMPONENT = 'app.kubernetes.io/component';

const namespaces = (...names: string[]): IIoK8sApiNetworkingV1NetworkPolicyPeer => ({
  namespaceSelector: { matchExpressions: [{ key: NAME_LABEL, operator: 'In', values: [...new Set(names)] }] },
});
const tcp = (...ports: number[]): IIoK8sApiNetworkingV1NetworkPolicyPort[] => ports.map((port) => ({ protocol: 'TCP', port }));
const components = (...names: string[]) => ({ matchLabels: { ...PART_OF }, matchExpressions: [{ key: COMPONENT, operator: 'In', values: names }] });

/** The functions and the dead-letter sink: the data plane on the serving ports, the autoscaler on its metrics, monitoring on ours. */
export function buildFunctionsNetworkPolicy(o: ManifestOptions): NetworkPolicy {
  return new NetworkPolicy({
    metadata: { name: 'bmh-functions', namespace: o.namespace, labels: { ...PART_OF } },
    spec: {
      podSelector: components(...FUNCTIONS, DEAD_LETTER_COMPONENT),
      policyTypes: ['Ingress'],
      ingress: [
        { from: [namespaces(o.knativeEventingNamespace, o.knativeServingNamespace, o.knativeIngressNamespace)], ports: tcp(...QUEUE_PROXY_PORTS, FUNCTION_PORT) },
        { from: [namespaces(o.knativeServingNamespace)], ports: tcp(AUTOSCALER_METRICS_PORT) },
        { from: [namespaces(o.monitoringNamespace)], ports: tcp(FUNCTION_METRICS_PORT) },
      ],
    },
  });
}

/** The watcher takes no requests but its metrics scrape. */
export function buildWatcherNetworkPolicy(o: ManifestOptions): NetworkPolicy {
  return new NetworkPolicy({
    metadata: { name: 'bmh-watcher', namespace: o.namespace, labels: { ...PART_OF } },
    spec: {
      podSelector: components('watcher'),
      policyTypes: ['Ingress'],
      ingress: [{ from: [namespaces(o.monitoringNamespace)], ports: tcp(DEFAULT_METRICS_PORT) }],
    },
  });
}

/** Pods that may call Ironic: the functions and the watcher; not the external function, which writes Kubernetes only. */
export const ironicClients = () => components(...FUNCTIONS.filter((fn) => fn !== 'external'), 'watcher');

/** Pods that may reach the RabbitMQ of Ironic's notifications: Ironic publishes, the watcher subscribes. */
export const notificationPeers = () => components('ironic', 'watcher');

export const buildAllNetworkPolicies = (o: ManifestOptions) => [buildFunctionsNetworkPolicy(o), buildWatcherNetworkPolicy(o)];
