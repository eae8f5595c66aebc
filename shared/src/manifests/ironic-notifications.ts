/**
 * @module manifests/ironic-notifications: the RabbitMQ that carries Ironic's versioned notifications to
 * the watcher (docs/ironic-notifications.md). One broker, nothing persisted: a notification is a hint that
 * makes the watcher list Ironic, and a lost one costs only the wait for the watcher's minute-long list.
 * Its user comes from the installer's Secret; a NetworkPolicy admits only Ironic (publisher) and the
 * watcher (subscriber).
 */
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Service } from 'kubernetes-models/v1/Service';
import { AMQP_PORT, IRONIC_NOTIFICATIONS, PART_OF } from './names.ts';
import { notificationPeers } from './network.ts';
import type { ManifestOptions } from './options.ts';
import { containerSecurityContext, podSecurityContext } from './security.ts';

/**
 * The Secret the installer provides (docs/deploy-on-knative.md): the broker's one user (`username`,
 * `password`) and the same credentials as the URL each client reads: `transport-url` (rabbit://, Ironic's
 * oslo.messaging) and `amqp-url` (amqp://, the watcher).
 */
export const IRONIC_NOTIFICATIONS_SECRET = 'ironic-notifications';

type SecretEnv = { name: string; valueFrom: { secretKeyRef: { name: string; key: string } } };
const fromSecret = (name: string, key: string): SecretEnv => ({ name, valueFrom: { secretKeyRef: { name: IRONIC_NOTIFICATIONS_SECRET, key } } });

/** Ironic's transport URL; oslo.config reads `OS_<GROUP>__<OPTION>`, so the password stays out of ironic.conf. */
export const ironicNotificationsPublisherEnv = (): SecretEnv[] => [fromSecret('OS_OSLO_MESSAGING_NOTIFICATIONS__TRANSPORT_URL', 'transport-url')];
/** What the watcher subscribes with. */
export const ironicNotificationsSubscriberEnv = (): SecretEnv[] => [fromSecret('IRONIC_NOTIFICATIONS_URL', 'amqp-url')];

const CONF_DIR = '/etc/rabbitmq/conf.d';
const DATA_DIR = '/var/lib/rabbitmq';
/** The broker's memory limit; RabbitMQ is told it, as it would otherwise size its alarms by the node's memory. */
const MEMORY_LIMIT_MIB = 512;
/**
 * The queues oslo.messaging declares for each priority (`ironic_versioned_notifications.info`, …), bound
 * to the exchange, which no one consumes here: an operator policy on every vhost RabbitMQ creates
 * (the default one on each start, its storage being empty) keeps at most this many messages in each.
 */
export const UNCONSUMED_QUEUE_MAX_LENGTH = 1000;
export const UNCONSUMED_QUEUE_PATTERN = '^ironic_versioned_notifications[.]';

const labels = { ...PART_OF, 'app.kubernetes.io/component': IRONIC_NOTIFICATIONS, 'app.kubernetes.io/name': IRONIC_NOTIFICATIONS };
const selector = { 'app.kubernetes.io/name': IRONIC_NOTIFICATIONS };

/** rabbitmq.conf: the whole of conf.d (the mount replaces the image's defaults), logs on stdout only. */
export function renderRabbitmqConf(): string {
  return [
    `listeners.tcp.default = ${AMQP_PORT}`,
    'log.console = true',
    'log.console.level = info',
    'log.file = false',
    `total_memory_available_override_value = ${MEMORY_LIMIT_MIB * 1024 * 1024}`,
    `default_policies.operator.ironic-notifications-cap.queue_pattern = ${UNCONSUMED_QUEUE_PATTERN}`,
    `default_policies.operator.ironic-notifications-cap.max_length = ${UNCONSUMED_QUEUE_MAX_LENGTH}`,
    // oslo.messaging declares its per-priority queues non-durable and non-exclusive, a feature RabbitMQ 4
    // deprecates: permitted by default for now, said here so a later default cannot refuse Ironic's publish
    'deprecated_features.permit.transient_nonexcl_queues = true',
    '',
  ].join('\n');
}

export function buildIronicNotificationsConfig(o: ManifestOptions): ConfigMap {
  return new ConfigMap({
    metadata: { name: `${IRONIC_NOTIFICATIONS}-config`, namespace: o.namespace, labels },
    data: { 'ironic-notifications.conf': renderRabbitmqConf() },
  });
}

export function buildIronicNotificationsDeployment(o: ManifestOptions): Deployment {
  // a TCP connect: `rabbitmq-diagnostics ping` would start an Erlang VM every period
  const probe = { tcpSocket: { port: AMQP_PORT }, periodSeconds: 10, timeoutSeconds: 3 };
  return new Deployment({
    metadata: { name: IRONIC_NOTIFICATIONS, namespace: o.namespace, labels },
    spec: {
      // one broker at a time: during a rolling update Ironic could publish to one and the watcher read the other
      replicas: 1,
      strategy: { type: 'Recreate' },
      selector: { matchLabels: selector },
      template: {
        metadata: { labels },
        spec: {
          // it calls no Kubernetes API
          automountServiceAccountToken: false,
          // UID 1000 like every pod of ours, not the image's rabbitmq user: the image makes its directories
          // world-writable and sets HOME to the data directory (the Erlang cookie), so any UID runs it
          securityContext: podSecurityContext(),
          containers: [{
            name: 'rabbitmq',
            image: o.rabbitmqImage,
            env: [
              // RabbitMQ creates this user (instead of guest) on its first start, i.e. on every start here
              fromSecret('RABBITMQ_DEFAULT_USER', 'username'),
              fromSecret('RABBITMQ_DEFAULT_PASS', 'password'),
            ],
            ports: [{ name: 'amqp', containerPort: AMQP_PORT }],
            readinessProbe: probe,
            livenessProbe: { ...probe, initialDelaySeconds: 30, failureThreshold: 6 },
            startupProbe: { ...probe, periodSeconds: 5, failureThreshold: 60 },
            resources: { requests: { cpu: '50m', memory: '128Mi' }, limits: { memory: `${MEMORY_LIMIT_MIB}Mi` } },
            securityContext: containerSecurityContext(),
            volumeMounts: [
              { name: 'config', mountPath: CONF_DIR, readOnly: true },
              // notifications are hints: nothing to keep across restarts
              { name: 'data', mountPath: DATA_DIR },
              { name: 'tmp', mountPath: '/tmp' },
            ],
          }],
          volumes: [
            { name: 'config', configMap: { name: `${IRONIC_NOTIFICATIONS}-config` } },
            { name: 'data', emptyDir: {} },
            { name: 'tmp', emptyDir: {} },
          ],
        },
      },
    },
  });
}

export function buildIronicNotificationsService(o: ManifestOptions): Service {
  return new Service({
    metadata: { name: IRONIC_NOTIFICATIONS, namespace: o.namespace, labels },
    spec: { type: 'ClusterIP', selector, ports: [{ name: 'amqp', port: AMQP_PORT, targetPort: AMQP_PORT, protocol: 'TCP' }] },
  });
}

/** Only Ironic (publisher) and the watcher (subscriber) reach the broker, on AMQP only. */
export function buildIronicNotificationsNetworkPolicy(o: ManifestOptions): NetworkPolicy {
  return new NetworkPolicy({
    metadata: { name: IRONIC_NOTIFICATIONS, namespace: o.namespace, labels },
    spec: {
      podSelector: { matchLabels: selector },
      policyTypes: ['Ingress'],
      ingress: [{
        from: [{ podSelector: notificationPeers() }],
        ports: [{ protocol: 'TCP', port: AMQP_PORT }],
      }],
    },
  });
}

export const buildAllIronicNotifications = (o: ManifestOptions) => [
  buildIronicNotificationsConfig(o), buildIronicNotificationsDeployment(o), buildIronicNotificationsService(o), buildIronicNotificationsNetworkPolicy(o),
];
