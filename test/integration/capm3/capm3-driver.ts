/**
 * @module capm3/capm3-driver: the Kubernetes writes Cluster API Provider Metal3 makes on a
 * BareMetalHost, in its order and shape (cluster-api-provider-metal3 `baremetal/metal3machine_manager.go`:
 * Associate → setHostLabel, setHostConsumerRef, setHostSpec through a patch helper, and the
 * cluster-name label on the BMC Secret; Delete → image, userData, metaData, networkData and online
 * cleared, then, once the host is deprovisioned, consumerRef, owner reference and label; remediation's
 * reboot annotation; clusterctl move's pause and status annotations).
 *
 * Facts about CAPM3's behaviour, written as the JSON merge patches its controller-runtime patch
 * helper sends; no CAPM3 code. Used only by the CAPM3 scenario suite.
 */
import type { CoreV1Api } from '@kubernetes/client-node';
import type { StoredHost } from '../../../shared/src/k8s/host-store.ts';
import { Annotation } from '../../../shared/src/state-machine/states.ts';

export const CLUSTER_NAME_LABEL = 'cluster.x-k8s.io/cluster-name';
/** The value CAPM3 puts in the paused annotation (so it removes only its own pause). */
export const CAPM3_PAUSE = 'metal3.io/capm3';

export interface Metal3Machine {
  name: string;
  namespace: string;
  uid: string;
  cluster: string;
  image: { url: string; checksum: string; checksumType: string; format: string };
  /** the rendered bootstrap data Secret (Metal3Machine status.userData) */
  userData: string;
  automatedCleaningMode?: 'metadata' | 'disabled';
}

type Merge = (name: string, patch: Record<string, unknown>) => Promise<StoredHost>;

const ownerRef = (m: Metal3Machine) => ({ apiVersion: 'infrastructure.cluster.x-k8s.io/v1beta1', kind: 'Metal3Machine', name: m.name, uid: m.uid, controller: true });

/** Associate: one patch with label, consumerRef, owner reference and spec; then the BMC Secret's label. */
export async function associate(merge: Merge, core: CoreV1Api, host: StoredHost, m: Metal3Machine): Promise<StoredHost> {
  const patched = await merge(host.metadata.name!, {
    metadata: { labels: { [CLUSTER_NAME_LABEL]: m.cluster }, ownerReferences: [ownerRef(m)] },
    spec: {
      consumerRef: { kind: 'Metal3Machine', name: m.name, namespace: m.namespace, apiVersion: 'infrastructure.cluster.x-k8s.io/v1beta1' },
      image: m.image,
      userData: { name: m.userData, namespace: host.metadata.namespace },
      ...(m.automatedCleaningMode ? { automatedCleaningMode: m.automatedCleaningMode } : {}),
      online: true,
    },
  });
  // setBMCSecretLabel: CAPM3 updates the credentials Secret (a new resourceVersion, same credentials)
  const secretName = (host.spec?.bmc as { credentialsName?: string } | undefined)?.credentialsName;
  if (secretName) {
    const secret = await core.readNamespacedSecret({ namespace: host.metadata.namespace!, name: secretName });
    secret.metadata = { ...secret.metadata, labels: { ...secret.metadata?.labels, [CLUSTER_NAME_LABEL]: m.cluster } };
    await core.replaceNamespacedSecret({ namespace: host.metadata.namespace!, name: secretName, body: secret });
  }
  return patched;
}

/** Delete, first step: what starts deprovisioning. */
export const releaseSpec = (merge: Merge, name: string) =>
  merge(name, { spec: { image: null, customDeploy: null, online: false, userData: null, metaData: null, networkData: null } });

/** Delete, second step (the host deprovisioned): the host is free again. */
export const releaseConsumer = (merge: Merge, name: string) =>
  merge(name, { metadata: { labels: { [CLUSTER_NAME_LABEL]: null }, ownerReferences: null }, spec: { consumerRef: null } });

/** Remediation: power off and keep off until the key is removed. */
export const remediationKey = (m: Metal3Machine) => `${Annotation.RebootPrefix}/metal3-remediation-${m.uid}`;

/** clusterctl move, on the source: pause, and carry the status in an annotation. */
export const pauseForMove = (merge: Merge, host: StoredHost) =>
  merge(host.metadata.name!, { metadata: { annotations: { [Annotation.Paused]: CAPM3_PAUSE, [Annotation.Status]: JSON.stringify(host.status) } } });

/** What clusterctl move creates on the target: the object without its status, annotations kept. */
export function movedCopy(host: StoredHost): { spec: Record<string, unknown>; metadata: Record<string, unknown> } {
  return {
    spec: host.spec as Record<string, unknown>,
    metadata: { labels: (host.metadata as { labels?: Record<string, string> }).labels ?? {}, annotations: host.metadata.annotations ?? {} },
  };
}

/** After the move, on the target: CAPM3 removes its pause. */
export const unpause = (merge: Merge, name: string) => merge(name, { metadata: { annotations: { [Annotation.Paused]: null } } });
