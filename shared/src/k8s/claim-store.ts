/**
 * @module k8s/claim-store: the Kubernetes seam of the claim function. It carries the one
 * HostStore (same client, same error mapping, `kubeErrorFor`) and adds what a claim needs:
 * HostClaims, HostDeployPolicies, namespace labels, host listing, resourceVersion-checked
 * host spec writes, and copies of the tenant's data Secrets owned by the host.
 *
 * Secret data passes through as the API server's base64 strings: never decoded, never logged.
 */
import { HostNotFoundError } from '../errors.ts';
import type { StoredClaim, StoredPolicy } from '../api/hostclaim.ts';
import type { Logger } from '../log.ts';
import { silentLogger } from '../log.ts';
import { GROUP, HOSTS, VERSION, eventNameFor } from './host-store.ts';
import type { HostEvent, HostStore, StoredHost } from './host-store.ts';
import { kubeconfigObjectConnection } from './kube-connection.ts';
import { JSON_PATCH, createKubeRest, resourceVersionPrecondition } from './kube-rest.ts';
import type { KubeRest } from './kube-rest.ts';
import { createRestHostStore, toMicroTime } from './rest-host-store.ts';
import type { KubeconfigSource } from './rest-host-store.ts';

export const HOST_CLAIMS = 'hostclaims';
export const HOST_DEPLOY_POLICIES = 'hostdeploypolicies';

/** A Secret's data exactly as stored (base64 values); never decoded here. */
export type RawSecretData = Readonly<Record<string, string>>;

export interface OwnedSecret {
  namespace: string;
  name: string;
  data: RawSecretData;
  /** the owner (a BareMetalHost): the copy is garbage-collected with it */
  owner: StoredHost;
  labels: Readonly<Record<string, string>>;
}

export interface ClaimStore {
  /** the one HostStore, on the same connection */
  hosts: HostStore;
  /** Throws HostNotFoundError when the claim is gone. */
  getClaim(namespace: string, name: string): Promise<StoredClaim>;
  /** Replaces the claim's status if it still has the resourceVersion read (else HostConflictError). */
  replaceClaimStatus(claim: StoredClaim, status: Record<string, unknown>): Promise<StoredClaim>;
  /** Sets the claim's finalizers under the same rule. */
  setClaimFinalizers(claim: StoredClaim, finalizers: readonly string[]): Promise<StoredClaim>;
  /** Hosts of `namespace` (every namespace when undefined), filtered by a label selector string. */
  listHosts(namespace: string | undefined, labelSelector?: string): Promise<StoredHost[]>;
  /**
   * Sets (value defined) or removes (undefined) top-level `spec` fields of a host if and only if it
   * still has the resourceVersion read: the one write that binds or releases a host.
   */
  patchHostSpec(host: StoredHost, changes: Readonly<Record<string, unknown>>): Promise<StoredHost>;
  /** Every HostDeployPolicy, in all namespaces. */
  listPolicies(): Promise<StoredPolicy[]>;
  /** A namespace's labels; null when it does not exist. */
  namespaceLabels(name: string): Promise<Record<string, string> | null>;
  /** A Secret's raw data; null when it does not exist. */
  readSecretData(namespace: string, name: string): Promise<RawSecretData | null>;
  /** Creates or replaces a Secret owned by a host. */
  putOwnedSecret(secret: OwnedSecret): Promise<void>;
  /** Deletes a Secret; absent is fine. */
  deleteSecret(namespace: string, name: string): Promise<void>;
  /** A Kubernetes Event regarding the claim; failures are logged, never thrown. */
  recordClaimEvent(claim: StoredClaim, event: HostEvent): Promise<void>;
}

export interface RestClaimStoreOptions {
  kube: KubeRest;
  controller?: string;
  instance?: string;
  log?: Logger;
  now?: () => Date;
}

const seg = encodeURIComponent;
const customPath = (plural: string, namespace: string | undefined, name?: string) =>
  `/apis/${GROUP}/${VERSION}${namespace === undefined ? '' : `/namespaces/${seg(namespace)}`}/${plural}${name === undefined ? '' : `/${seg(name)}`}`;
const secretPath = (namespace: string, name?: string) => `/api/v1/namespaces/${seg(namespace)}/secrets${name === undefined ? '' : `/${seg(name)}`}`;

export function createRestClaimStore({
  kube, controller = 'metal3.io/metal3-functions', instance = process.env.K_REVISION ?? 'metal3-functions', log = silentLogger, now = () => new Date(),
}: RestClaimStoreOptions): ClaimStore {
  const hosts = createRestHostStore({ kube, controller, instance, log, now });
  const nsOf = (o: { metadata: { namespace?: string | undefined } }) => o.metadata.namespace ?? 'default';
  const id = (o: { metadata: { namespace?: string | undefined; name: string } }) => `${nsOf(o)}/${o.metadata.name}`;
  const claimPath = (c: StoredClaim) => customPath(HOST_CLAIMS, nsOf(c), c.metadata.name);
  const rvTest = (o: { metadata: { resourceVersion?: string | undefined } }) => resourceVersionPrecondition(o.metadata.resourceVersion);

  async function list<T>(path: string, what: string): Promise<T[]> {
    const items: T[] = [];
    let token: string | undefined;
    do {
      const sep = path.includes('?') ? '&' : '?';
      const page = `${path}${sep}limit=500${token ? `&continue=${seg(token)}` : ''}`;
      const body = (await kube.request<{ items?: T[]; metadata?: { continue?: string } }>({ method: 'GET', path: page, what })).body;
      items.push(...(body.items ?? []));
      token = body.metadata?.continue || undefined;
    } while (token);
    return items;
  }

  return {
    hosts,
    getClaim: async function getClaim(namespace, name) {
      return (await kube.request<StoredClaim>({ method: 'GET', path: customPath(HOST_CLAIMS, namespace, name), what: `get hostclaim ${namespace}/${name}` })).body;
    },
    replaceClaimStatus: async function replaceClaimStatus(claim, status) {
      return (await kube.request<StoredClaim>({
        method: 'PATCH', path: `${claimPath(claim)}/status`, body: [rvTest(claim), { op: 'add', path: '/status', value: status }],
        contentType: JSON_PATCH, what: `patch hostclaim ${id(claim)} status`,
      })).body;
    },
    setClaimFinalizers: async function setClaimFinalizers(claim, finalizers) {
      return (await kube.request<StoredClaim>({
        method: 'PATCH', path: claimPath(claim), body: [rvTest(claim), { op: 'add', path: '/metadata/finalizers', value: [...finalizers] }],
        contentType: JSON_PATCH, what: `patch hostclaim ${id(claim)} finalizers`,
      })).body;
    },
    listHosts: async function listHosts(namespace, labelSelector) {
      const path = customPath(HOSTS, namespace) + (labelSelector ? `?labelSelector=${seg(labelSelector)}` : '');
      return list<StoredHost>(path, `list baremetalhosts${namespace ? ` in ${namespace}` : ''}`);
    },
    patchHostSpec: async function patchHostSpec(host, changes) {
      const ops: object[] = [rvTest(host)];
      const spec = (host.spec ?? {}) as Record<string, unknown>;
      for (const [k, v] of Object.entries(changes)) {
        if (v === undefined) {
          if (k in spec) ops.push({ op: 'remove', path: `/spec/${k}` });
        } else ops.push({ op: 'add', path: `/spec/${k}`, value: v });
      }
      return (await kube.request<StoredHost>({
        method: 'PATCH', path: customPath(HOSTS, nsOf(host), host.metadata.name), body: ops, contentType: JSON_PATCH,
        what: `patch baremetalhost ${id(host)} spec`,
      })).body;
    },
    listPolicies: async function listPolicies() {
      return list<StoredPolicy>(customPath(HOST_DEPLOY_POLICIES, undefined), 'list hostdeploypolicies');
    },
    namespaceLabels: async function namespaceLabels(name) {
      try {
        const ns = (await kube.request<{ metadata?: { labels?: Record<string, string> } }>({ method: 'GET', path: `/api/v1/namespaces/${seg(name)}`, what: `get namespace ${name}` })).body;
        return ns.metadata?.labels ?? {};
      } catch (e) {
        if (e instanceof HostNotFoundError) return null;
        throw e;
      }
    },
    readSecretData: async function readSecretData(namespace, name) {
      try {
        const s = (await kube.request<{ data?: Record<string, string> }>({ method: 'GET', path: secretPath(namespace, name), what: `get secret ${namespace}/${name}` })).body;
        return s.data ?? {};
      } catch (e) {
        if (e instanceof HostNotFoundError) return null;
        throw e;
      }
    },
    putOwnedSecret: async function putOwnedSecret({ namespace, name, data, owner, labels }) {
      const ownerReferences = [{ apiVersion: `${GROUP}/${VERSION}`, kind: 'BareMetalHost', name: owner.metadata.name, uid: owner.metadata.uid ?? '' }];
      const body = { apiVersion: 'v1', kind: 'Secret', type: 'Opaque', metadata: { name, namespace, labels: { ...labels }, ownerReferences }, data: { ...data } };
      const created = await kube.request({ method: 'POST', path: secretPath(namespace), body, what: `create secret ${namespace}/${name}`, allow: [409] });
      if (created.status !== 409) return;
      // it exists (an earlier pass, or the host's previous claim): replace data, labels and owner
      await kube.request({
        method: 'PATCH', path: secretPath(namespace, name), contentType: JSON_PATCH, what: `patch secret ${namespace}/${name}`,
        body: [
          { op: 'add', path: '/data', value: { ...data } },
          { op: 'add', path: '/metadata/labels', value: { ...labels } },
          { op: 'add', path: '/metadata/ownerReferences', value: ownerReferences },
        ],
      });
    },
    deleteSecret: async function deleteSecret(namespace, name) {
      await kube.request({ method: 'DELETE', path: secretPath(namespace, name), what: `delete secret ${namespace}/${name}`, allow: [404] });
    },
    recordClaimEvent: async function recordClaimEvent(claim, ev) {
      const namespace = nsOf(claim);
      const at = now();
      const body = {
        apiVersion: 'events.k8s.io/v1', kind: 'Event',
        metadata: { name: eventNameFor(claim.metadata.name, at), namespace },
        eventTime: toMicroTime(at), type: ev.type, reason: ev.reason, action: ev.action, note: ev.note.slice(0, 1024),
        reportingController: controller, reportingInstance: instance,
        regarding: { apiVersion: `${GROUP}/${VERSION}`, kind: 'HostClaim', name: claim.metadata.name, namespace, ...(claim.metadata.uid ? { uid: claim.metadata.uid } : {}) },
      };
      try {
        await kube.request({ method: 'POST', path: `/apis/events.k8s.io/v1/namespaces/${seg(namespace)}/events`, body, what: 'create event' });
      } catch (e) {
        log.warn('could not record Kubernetes Event', { claim: id(claim), reason: ev.reason, error: (e as Error).message });
      }
    },
  };
}

/** The shipped claim store for a caller holding a client-node KubeConfig (test beds); `close` drops the sockets. */
export function createRestClaimStoreFor(kubeConfig: KubeconfigSource, options: Omit<RestClaimStoreOptions, 'kube'> = {}): { claims: ClaimStore; close(): void } {
  const connection = kubeconfigObjectConnection(JSON.parse(kubeConfig.exportConfig()), { source: 'an in-memory kubeconfig' });
  const kube = createKubeRest({ connection });
  return { claims: createRestClaimStore({ kube, ...options }), close: () => kube.close() };
}
