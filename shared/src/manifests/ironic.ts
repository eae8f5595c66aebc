/**
 * @module manifests/ironic: a self-hosted Ironic in the cluster, as Metal³
 * runs it: Debian's all-in-one `ironic` (API + conductor, one process),
 * HTTP basic auth over TLS, SQLite on a PersistentVolumeClaim, no RPC bus (`rpc_transport = none`).
 * It publishes its versioned notifications to the RabbitMQ of `ironic-notifications.ts`, which the
 * watcher subscribes to. Its config is the test bed's verified one (test/bed/ironic-config.ts) with
 * cluster paths and a listening address; a NetworkPolicy admits only our functions and watcher.
 */
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { Service } from 'kubernetes-models/v1/Service';
import { ironicConfigSections, renderIni } from '../../../test/bed/ironic-config.ts';
import type { HardwareType } from '../../../test/bed/ironic-config.ts';
import { ironicNotificationsPublisherEnv } from './ironic-notifications.ts';
import { IRONIC, IRONIC_PORT, PART_OF } from './names.ts';
import { ironicClients } from './network.ts';
import type { ManifestOptions } from './options.ts';
import { containerSecurityContext, podSecurityContext } from './security.ts';

export const IRONIC_STATE_DIR = '/var/lib/ironic';
const CONF_DIR = '/etc/ironic';
const AUTH_DIR = '/etc/ironic-auth';
const TLS_DIR = '/etc/ironic-tls';
const CA_DIR = '/etc/ironic-ca';

/**
 * Secrets the installer provides (docs/deploy-on-knative.md): Ironic's users (an htpasswd file,
 * bcrypt), its TLS certificate (kubernetes.io/tls with ca.crt, e.g. from cert-manager), and the
 * one user the functions and the watcher log in as.
 */
export const IRONIC_HTPASSWD_SECRET = 'ironic-htpasswd';
export const IRONIC_TLS_SECRET = 'ironic-tls';
export const IRONIC_CREDENTIALS_SECRET = 'ironic-credentials';

/** What a client of the bundled Ironic needs: https URL, the CA that signed its certificate, credentials from a Secret. */
export function ironicClientEnv(o: ManifestOptions): Array<{ name: string; value?: string; valueFrom?: { secretKeyRef: { name: string; key: string } } }> {
  return [
    { name: 'IRONIC_URL', value: `https://${IRONIC}.${o.namespace}.svc:${IRONIC_PORT}` },
    { name: 'IRONIC_CA_BUNDLE', value: `${CA_DIR}/ca.crt` },
    { name: 'IRONIC_USERNAME', valueFrom: { secretKeyRef: { name: IRONIC_CREDENTIALS_SECRET, key: 'username' } } },
    { name: 'IRONIC_PASSWORD', valueFrom: { secretKeyRef: { name: IRONIC_CREDENTIALS_SECRET, key: 'password' } } },
  ];
}
/** Only the CA certificate of the TLS Secret is mounted into clients, never its key. */
export const ironicClientVolume = { name: 'ironic-ca', secret: { secretName: IRONIC_TLS_SECRET, items: [{ key: 'ca.crt', path: 'ca.crt' }] } };
export const ironicClientVolumeMount = { name: 'ironic-ca', mountPath: CA_DIR, readOnly: true };
const labels = { ...PART_OF, 'app.kubernetes.io/component': 'ironic', 'app.kubernetes.io/name': IRONIC };
const selector = { 'app.kubernetes.io/name': IRONIC };

/**
 * ironic.conf for the cluster: the test bed's sections, listening on all pod addresses, with versioned
 * notifications on. Their transport URL carries the password, so it comes from the environment
 * (`ironicNotificationsPublisherEnv`), never from this ConfigMap.
 */
export function renderClusterIronicConf(hardwareTypes: readonly HardwareType[]): string {
  return renderIni(ironicConfigSections({
    dir: IRONIC_STATE_DIR,
    port: IRONIC_PORT,
    hardwareTypes,
    notifications: {},
    extraConfig: {
      // every API call but the version documents needs a user from the htpasswd Secret
      DEFAULT: { host: 'ironic-conductor', my_ip: '0.0.0.0', auth_strategy: 'http_basic', http_basic_auth_user_file: `${AUTH_DIR}/htpasswd` },
      api: { host_ip: '0.0.0.0', enable_ssl_api: true },
      ssl: { cert_file: `${TLS_DIR}/tls.crt`, key_file: `${TLS_DIR}/tls.key` },
      // no image server is deployed: virtual-media and direct deploys need an overlay that sets one
      deploy: { http_url: `http://${IRONIC}:8088` },
    },
  }));
}

export function buildIronicConfig(o: ManifestOptions, hardwareTypes: readonly HardwareType[] = ['ipmi', 'redfish']): ConfigMap {
  return new ConfigMap({
    metadata: { name: `${IRONIC}-config`, namespace: o.namespace, labels },
    data: { 'ironic.conf': renderClusterIronicConf(hardwareTypes) },
  });
}

export function buildIronicStorage(o: ManifestOptions): PersistentVolumeClaim {
  return new PersistentVolumeClaim({
    metadata: { name: `${IRONIC}-state`, namespace: o.namespace, labels },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
  });
}

/** Create the schema once (never `upgrade` on SQLite), then run API + conductor in one process. */
const START = [
  'set -e',
  `cd ${IRONIC_STATE_DIR}`,
  'mkdir -p state lock tftpboot/master_images httpboot images master_images',
  `[ -f ironic.sqlite ] || ironic-dbsync --config-file ${CONF_DIR}/ironic.conf create_schema`,
  `exec ironic --config-file ${CONF_DIR}/ironic.conf`,
].join('\n');

export function buildIronicDeployment(o: ManifestOptions): Deployment {
  // `/` (the version document) answers without credentials, over TLS
  const probe = { httpGet: { path: '/', port: IRONIC_PORT, scheme: 'HTTPS' as const }, periodSeconds: 10, timeoutSeconds: 3 };
  return new Deployment({
    metadata: { name: IRONIC, namespace: o.namespace, labels },
    spec: {
      // SQLite and a single conductor: exactly one pod, never two during a rollout
      replicas: 1,
      strategy: { type: 'Recreate' },
      selector: { matchLabels: selector },
      template: {
        metadata: { labels },
        spec: {
          securityContext: podSecurityContext(),
          containers: [{
            name: IRONIC,
            image: o.ironicImage,
            command: ['/bin/sh', '-c', START],
            env: ironicNotificationsPublisherEnv(),
            ports: [{ name: 'api', containerPort: IRONIC_PORT }],
            readinessProbe: probe,
            livenessProbe: { ...probe, initialDelaySeconds: 30, failureThreshold: 6 },
            startupProbe: { ...probe, periodSeconds: 5, failureThreshold: 60 },
            resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '1Gi' } },
            securityContext: containerSecurityContext(),
            volumeMounts: [
              { name: 'config', mountPath: CONF_DIR, readOnly: true },
              { name: 'htpasswd', mountPath: AUTH_DIR, readOnly: true },
              { name: 'tls', mountPath: TLS_DIR, readOnly: true },
              { name: 'state', mountPath: IRONIC_STATE_DIR },
              { name: 'tmp', mountPath: '/tmp' },
            ],
          }],
          volumes: [
            { name: 'config', configMap: { name: `${IRONIC}-config` } },
            { name: 'htpasswd', secret: { secretName: IRONIC_HTPASSWD_SECRET, items: [{ key: 'htpasswd', path: 'htpasswd' }] } },
            { name: 'tls', secret: { secretName: IRONIC_TLS_SECRET, items: [{ key: 'tls.crt', path: 'tls.crt' }, { key: 'tls.key', path: 'tls.key' }] } },
            { name: 'state', persistentVolumeClaim: { claimName: `${IRONIC}-state` } },
            { name: 'tmp', emptyDir: {} },
          ],
        },
      },
    },
  });
}

export function buildIronicService(o: ManifestOptions): Service {
  return new Service({
    metadata: { name: IRONIC, namespace: o.namespace, labels },
    spec: { selector, ports: [{ name: 'api', port: IRONIC_PORT, targetPort: IRONIC_PORT, protocol: 'TCP' }] },
  });
}

/** Defence in depth behind the credentials: only the functions' and the watcher's pods in this namespace may reach the API. */
export function buildIronicNetworkPolicy(o: ManifestOptions): NetworkPolicy {
  return new NetworkPolicy({
    metadata: { name: IRONIC, namespace: o.namespace, labels },
    spec: {
      podSelector: { matchLabels: selector },
      policyTypes: ['Ingress'],
      ingress: [{
        from: [{ podSelector: ironicClients() }],
        ports: [{ protocol: 'TCP', port: IRONIC_PORT }],
      }],
    },
  });
}

/** Everything of Ironic but its storage (the PVC lives in manifests/persistent/, so an uninstall keeps Ironic's data). */
export const buildAllIronic = (o: ManifestOptions, hardwareTypes?: readonly HardwareType[]) => [
  buildIronicConfig(o, hardwareTypes), buildIronicDeployment(o), buildIronicService(o), buildIronicNetworkPolicy(o),
];
