/**
 * @module manifests/security: the restricted Pod Security Standard, as
 * `func deploy` sets it. Images run as a numeric non-root user (1000), since
 * the kubelet cannot check runAsNonRoot against a user name.
 */
import type { IIoK8sApiCoreV1PodSecurityContext } from 'kubernetes-models/v1/PodSecurityContext';
import type { IIoK8sApiCoreV1SecurityContext } from 'kubernetes-models/v1/SecurityContext';

export const RUN_AS_USER = 1000;

/** Pod level for Deployments and ContainerSources. */
export const podSecurityContext = (): IIoK8sApiCoreV1PodSecurityContext => ({
  runAsNonRoot: true,
  runAsUser: RUN_AS_USER,
  runAsGroup: RUN_AS_USER,
  fsGroup: RUN_AS_USER,
  seccompProfile: { type: 'RuntimeDefault' },
});

/**
 * Container level: Knative's field mask admits these without feature flags
 * (pod-level fields other than seccompProfile need `kubernetes.podspec-securitycontext`).
 */
export const containerSecurityContext = (): IIoK8sApiCoreV1SecurityContext => ({
  runAsUser: RUN_AS_USER,
  runAsGroup: RUN_AS_USER,
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
});

/** Pod level for Knative Services: only seccompProfile passes the default field mask. */
export const knativePodSecurityContext = (): IIoK8sApiCoreV1PodSecurityContext => ({ seccompProfile: { type: 'RuntimeDefault' } });
