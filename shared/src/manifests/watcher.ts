/**
 * @module manifests/watcher: the watcher as a ContainerSource. Knative injects
 * K_SINK (the Broker's URL) and K_CE_OVERRIDES; the watcher's own periodic
 * resync and Ironic poller replace a PingSource (see docs/deploy-on-knative.md); Ironic's notifications
 * (docs/ironic-notifications.md) tell it when to list Ironic between polls.
 */
import { ContainerSource } from '@kubernetes-models/knative/sources.knative.dev/v1/ContainerSource';
import { ironicClientEnv, ironicClientVolume, ironicClientVolumeMount } from './ironic.ts';
import { ironicNotificationsSubscriberEnv } from './ironic-notifications.ts';
import { BROKER, PART_OF, WATCHER } from './names.ts';
import { DEFAULT_METRICS_PORT } from '../metrics/server.ts';
import type { ManifestOptions } from './options.ts';
import { containerSecurityContext, podSecurityContext } from './security.ts';

export function buildWatcher(o: ManifestOptions): ContainerSource {
  const labels = { ...PART_OF, 'app.kubernetes.io/component': 'watcher' };
  return new ContainerSource({
    metadata: { name: WATCHER, namespace: o.namespace, labels },
    spec: {
      template: {
        metadata: { labels },
        spec: {
          serviceAccountName: WATCHER,
          securityContext: podSecurityContext(),
          containers: [{
            name: 'watcher',
            image: `${o.imageRegistry}/${WATCHER}:${o.imageTag}`,
            env: [
              ...ironicClientEnv(o),
              // Ironic's notifications: a node change seen within a second; polling when the bus is unreachable
              ...ironicNotificationsSubscriberEnv(),
              // the Role grants one namespace only; '' (all) needs hostNamespace '' and ClusterRoles
              ...(o.hostNamespace ? [{ name: 'WATCH_NAMESPACE', value: o.hostNamespace }] : []),
              { name: 'CLUSTER_NAME', value: o.namespace },
              { name: 'RESYNC_MS', value: '60000' },
            ],
            // our Prometheus metrics (docs/metrics.md)
            ports: [{ name: 'metrics', containerPort: DEFAULT_METRICS_PORT, protocol: 'TCP' }],
            resources: { requests: { cpu: '50m', memory: '96Mi' }, limits: { memory: '256Mi' } },
            securityContext: containerSecurityContext(),
            volumeMounts: [ironicClientVolumeMount],
          }],
          volumes: [ironicClientVolume],
        },
      },
      sink: { ref: { apiVersion: 'eventing.knative.dev/v1', kind: 'Broker', name: BROKER } },
      ceOverrides: { extensions: { cluster: o.namespace } },
    },
  });
}
