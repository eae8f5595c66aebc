/**
 * @module claims/claim-bed: a Kubernetes API (the fixture, or KUBECONFIG's cluster) with the
 * four CRDs, a hosts namespace (the cluster handle's) and tenant namespaces, and calls that
 * write hosts, policies, claims and Secrets the way users and the other functions would.
 */
import { CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { buildBareMetalHostCrd, buildHardwareDataCrd, buildHostClaimCrd, buildHostDeployPolicyCrd } from '../../shared/src/api/crd.ts';
import type { StoredClaim } from '../../shared/src/api/hostclaim.ts';
import { GROUP, HOSTS, VERSION } from '../../shared/src/k8s/host-store.ts';
import type { StoredHost } from '../../shared/src/k8s/host-store.ts';
import { HOST_CLAIMS, HOST_DEPLOY_POLICIES } from '../../shared/src/k8s/claim-store.ts';
import { connectCluster } from '../bed/cluster.ts';
import type { ClusterHandle } from '../bed/cluster.ts';

export interface ClaimBed {
  cluster: ClusterHandle;
  /** where the hosts and the policy live */
  hostNamespace: string;
  custom: CustomObjectsApi;
  core: CoreV1Api;
  createNamespace(name: string, labels?: Record<string, string>): Promise<void>;
  /** a host already `available` (status written as inspect would leave it), with labels */
  createAvailableHost(name: string, labels: Record<string, string>, hardware?: Record<string, unknown>): Promise<StoredHost>;
  getHost(name: string): Promise<StoredHost>;
  listHosts(): Promise<StoredHost[]>;
  patchHostStatus(name: string, status: Record<string, unknown>): Promise<void>;
  createPolicy(name: string, spec: Record<string, unknown>): Promise<void>;
  createClaim(namespace: string, name: string, spec: Record<string, unknown>): Promise<StoredClaim>;
  /** undefined once gone */
  getClaim(namespace: string, name: string): Promise<StoredClaim | undefined>;
  listClaims(namespace: string): Promise<StoredClaim[]>;
  mergeClaim(namespace: string, name: string, patch: Record<string, unknown>): Promise<void>;
  deleteClaim(namespace: string, name: string): Promise<void>;
  createSecret(namespace: string, name: string, stringData: Record<string, string>): Promise<void>;
  /** a Secret's data (base64) and owner references; undefined when absent */
  getSecret(namespace: string, name: string): Promise<{ data: Record<string, string>; ownerReferences: { kind?: string; name?: string; uid?: string }[] } | undefined>;
  stop(): Promise<void>;
}

const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const gone = (e: unknown) => (e as { code?: number }).code === 404;

export async function startClaimBed(): Promise<ClaimBed> {
  const cluster = await connectCluster({ crds: [buildBareMetalHostCrd(), buildHardwareDataCrd(), buildHostClaimCrd(), buildHostDeployPolicyCrd()], namespacePrefix: 'hosts' });
  const kc = cluster.kubeConfig();
  const custom = kc.makeApiClient(CustomObjectsApi);
  const core = kc.makeApiClient(CoreV1Api);
  const hostNamespace = cluster.namespace;
  const created: string[] = [];
  const hostsAt = { group: GROUP, version: VERSION, plural: HOSTS, namespace: hostNamespace };
  const claimsAt = (namespace: string) => ({ group: GROUP, version: VERSION, plural: HOST_CLAIMS, namespace });
  return {
    cluster, hostNamespace, custom, core,
    async createNamespace(name, labels = {}) {
      await core.createNamespace({ body: { metadata: { name, labels } } });
      created.push(name);
    },
    async createAvailableHost(name, labels, hardware) {
      await custom.createNamespacedCustomObject({
        ...hostsAt,
        body: { apiVersion: `${GROUP}/${VERSION}`, kind: 'BareMetalHost', metadata: { name, labels }, spec: { online: false, bmc: { address: `fake://${name}`, credentialsName: `${name}-bmc` }, bootMACAddress: '52:54:00:00:00:01' } },
      });
      await custom.patchNamespacedCustomObjectStatus({
        ...hostsAt, name,
        body: { status: {
          operationalStatus: 'OK', errorType: '', errorMessage: '', errorCount: 0, provisioningFailCount: 0, poweredOn: false,
          provisioning: { state: 'available', ID: `node-${name}` }, ...(hardware ? { hardware } : {}),
        } },
      }, merge);
      return (await custom.getNamespacedCustomObject({ ...hostsAt, name })) as StoredHost;
    },
    async getHost(name) {
      return (await custom.getNamespacedCustomObject({ ...hostsAt, name })) as StoredHost;
    },
    async listHosts() {
      return ((await custom.listNamespacedCustomObject(hostsAt)) as { items: StoredHost[] }).items;
    },
    async patchHostStatus(name, status) {
      await custom.patchNamespacedCustomObjectStatus({ ...hostsAt, name, body: { status } }, merge);
    },
    async createPolicy(name, spec) {
      await custom.createNamespacedCustomObject({
        group: GROUP, version: VERSION, plural: HOST_DEPLOY_POLICIES, namespace: hostNamespace,
        body: { apiVersion: `${GROUP}/${VERSION}`, kind: 'HostDeployPolicy', metadata: { name }, spec },
      });
    },
    async createClaim(namespace, name, spec) {
      return (await custom.createNamespacedCustomObject({
        ...claimsAt(namespace), body: { apiVersion: `${GROUP}/${VERSION}`, kind: 'HostClaim', metadata: { name }, spec },
      })) as StoredClaim;
    },
    async getClaim(namespace, name) {
      try {
        return (await custom.getNamespacedCustomObject({ ...claimsAt(namespace), name })) as StoredClaim;
      } catch (e) {
        if (gone(e)) return undefined;
        throw e;
      }
    },
    async listClaims(namespace) {
      return ((await custom.listNamespacedCustomObject(claimsAt(namespace))) as { items: StoredClaim[] }).items;
    },
    async mergeClaim(namespace, name, patch) {
      await custom.patchNamespacedCustomObject({ ...claimsAt(namespace), name, body: patch }, merge);
    },
    async deleteClaim(namespace, name) {
      await custom.deleteNamespacedCustomObject({ ...claimsAt(namespace), name });
    },
    async createSecret(namespace, name, stringData) {
      await core.createNamespacedSecret({ namespace, body: { metadata: { name }, stringData } });
    },
    async getSecret(namespace, name) {
      try {
        const s = await core.readNamespacedSecret({ namespace, name });
        return { data: s.data ?? {}, ownerReferences: s.metadata?.ownerReferences ?? [] };
      } catch (e) {
        if (gone(e)) return undefined;
        throw e;
      }
    },
    async stop() {
      for (const ns of created) await core.deleteNamespace({ name: ns }).catch(() => undefined);
      await cluster.stop();
    },
  };
}
