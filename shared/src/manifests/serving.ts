/**
 * @module manifests/serving: a Knative Service per function (scale to zero,
 * bounded scale-out, hard concurrency limit, own probes, restricted security
 * context), the shared function ConfigMap, and the dead-letter sink.
 */
import { Service } from '@kubernetes-models/knative/serving.knative.dev/v1/Service';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { eventAuthEnv } from './event-auth-env.ts';
import { settingsOf } from './function-settings.ts';
import { ironicClientEnv, ironicClientVolume, ironicClientVolumeMount } from './ironic.ts';
import { DEAD_LETTER_SERVICE, FUNCTION_CONFIG, FUNCTION_METRICS_PORT, FUNCTIONS, PART_OF } from './names.ts';
import type { FunctionName } from './names.ts';
import { CLUSTER_LOCAL, DEAD_LETTER_COMPONENT, VISIBILITY_LABEL } from './network.ts';
import type { ManifestOptions } from './options.ts';
import { containerSecurityContext, knativePodSecurityContext } from './security.ts';

/** Keys every function reads at start (shared/src/handler/config.ts); overlays patch values. */
export function buildFunctionConfig(o: ManifestOptions): ConfigMap {
  return new ConfigMap({
    metadata: { name: FUNCTION_CONFIG, namespace: o.namespace, labels: { ...PART_OF } },
    data: {
      // IRONIC_URL, the CA bundle and the credentials: ironicClientEnv, on each Service
      ENABLE_FAKE_BMC: 'false',
      BMC_PRECHECK: 'true',
      REPLY_EVENTS: 'true',
      FUNC_LOG_LEVEL: 'info',
      // 9090 and 9091 belong to Knative's queue-proxy in the same pod
      METRICS_PORT: String(FUNCTION_METRICS_PORT),
    },
  });
}

export function buildFunctionService(fn: FunctionName, o: ManifestOptions): Service {
  const s = settingsOf(fn, o);
  const probe = (path: string) => ({ httpGet: { path, port: s.port }, periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 3 });
  return new Service({
    // cluster-local: reachable through the Broker only, never from outside the cluster
    metadata: { name: s.name, namespace: o.namespace, labels: { ...PART_OF, 'app.kubernetes.io/component': fn, 'function.knative.dev/name': s.name, [VISIBILITY_LABEL]: CLUSTER_LOCAL } },
    spec: {
      template: {
        metadata: {
          labels: { ...PART_OF, 'app.kubernetes.io/component': fn },
          annotations: {
            'autoscaling.knative.dev/min-scale': String(s.minScale),
            'autoscaling.knative.dev/max-scale': String(s.maxScale),
            'autoscaling.knative.dev/metric': 'concurrency',
            'autoscaling.knative.dev/target': String(s.containerConcurrency),
            // keep a warm pod briefly: a host's steps arrive in bursts (enroll → inspect → …)
            'autoscaling.knative.dev/scale-to-zero-pod-retention-period': '2m',
          },
        },
        spec: {
          serviceAccountName: s.serviceAccountName,
          containerConcurrency: s.containerConcurrency,
          timeoutSeconds: s.timeoutSeconds,
          securityContext: knativePodSecurityContext(),
          ...(s.usesIronic ? { volumes: [ironicClientVolume] } : {}),
          containers: [{
            name: 'user-container',
            image: s.image,
            ports: [{ containerPort: s.port, name: 'http1' }],
            envFrom: [{ configMapRef: { name: s.configMap } }],
            env: [...(s.usesIronic ? ironicClientEnv(o) : []), ...eventAuthEnv(fn, o)],
            ...(s.usesIronic ? { volumeMounts: [ironicClientVolumeMount] } : {}),
            livenessProbe: probe(s.liveness),
            readinessProbe: probe(s.readiness),
            resources: { requests: { ...s.requests }, limits: { ...s.limits } },
            securityContext: containerSecurityContext(),
          }],
        },
      },
    },
  });
}

/** Logs every dead-lettered event (with knativeerrorcode/knativeerrordata); swap for a durable sink in production. */
export function buildDeadLetterService(o: ManifestOptions): Service {
  return new Service({
    metadata: { name: DEAD_LETTER_SERVICE, namespace: o.namespace, labels: { ...PART_OF, 'app.kubernetes.io/component': DEAD_LETTER_COMPONENT, [VISIBILITY_LABEL]: CLUSTER_LOCAL } },
    spec: {
      template: {
        metadata: { labels: { ...PART_OF, 'app.kubernetes.io/component': DEAD_LETTER_COMPONENT }, annotations: { 'autoscaling.knative.dev/min-scale': '0', 'autoscaling.knative.dev/max-scale': '1' } },
        spec: {
          securityContext: knativePodSecurityContext(),
          containers: [{ name: 'user-container', image: o.deadLetterImage, securityContext: containerSecurityContext() }],
        },
      },
    },
  });
}

export const buildAllFunctionServices = (o: ManifestOptions) => FUNCTIONS.map((fn) => buildFunctionService(fn, o));
