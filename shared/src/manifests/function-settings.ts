/**
 * @module manifests/function-settings: the deploy settings of each function,
 * one table read by both the Knative Service builder and func.yaml, so
 * `func deploy` and `kubectl apply -k` produce the same Service.
 */
import { FUNCTION_CONFIG, FUNCTION_PORT, PART_OF, serviceNameOf } from './names.ts';
import type { FunctionName } from './names.ts';
import { TRANSITION_NAMES } from '../state-machine/states.ts';
import { CLUSTER_LOCAL, VISIBILITY_LABEL } from './network.ts';
import type { ManifestOptions } from './options.ts';

export interface FunctionSettings {
  name: string;
  image: string;
  serviceAccountName: string;
  minScale: number;
  maxScale: number;
  containerConcurrency: number;
  timeoutSeconds: number;
  requests: { cpu: string; memory: string };
  limits: { memory: string };
  liveness: string;
  readiness: string;
  port: number;
  /** ConfigMap whose keys become the environment */
  configMap: string;
  /** gets Ironic's URL, CA and credentials (the host transitions; the claim function talks to Kubernetes only) */
  usesIronic: boolean;
  /** labels of the Service and its pods: cluster-local, and the component the NetworkPolicies select */
  labels: Record<string, string>;
}

export function settingsOf(fn: FunctionName, o: ManifestOptions): FunctionSettings {
  const name = serviceNameOf(fn);
  return {
    name,
    image: `${o.imageRegistry}/${name}:${o.imageTag}`,
    serviceAccountName: name,
    // scale to zero: the watcher re-emits due work on resync, so a cold start only delays it
    minScale: 0,
    maxScale: o.maxScale,
    containerConcurrency: o.containerConcurrency,
    timeoutSeconds: o.timeoutSeconds,
    // measured RSS after the first event is ~75 MiB (bench/results/cold-start.json)
    requests: { cpu: '50m', memory: '96Mi' },
    limits: { memory: '256Mi' },
    liveness: '/health/liveness',
    readiness: '/health/readiness',
    port: FUNCTION_PORT,
    configMap: FUNCTION_CONFIG,
    usesIronic: (TRANSITION_NAMES as readonly string[]).includes(fn),
    labels: { ...PART_OF, 'app.kubernetes.io/component': fn, [VISIBILITY_LABEL]: CLUSTER_LOCAL },
  };
}
