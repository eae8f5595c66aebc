/**
 * @module k8s/rest-host-store: the one HostStore, on our tiny REST client (kube-rest.ts).
 * Deployed functions, the all-in-one runner, the integration beds, chaos processes and the
 * polling baseline all use it, so the store under test is the store that ships; its errors
 * come from the one mapping, `kubeErrorFor`. (The watcher's informers use client-node, but
 * never write a host.)
 */
import { HostNotFoundError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { silentLogger } from '../log.ts';
import { FIRMWARE_COMPONENTS, FIRMWARE_SCHEMAS, FIRMWARE_SETTINGS, UPDATE_POLICIES, GROUP, HARDWARE_DATA, HOSTS, VERSION, hardwareDataFor, hostOwnerReferences, kubeEventFor } from './host-store.ts';
import type { StoredFirmwareComponents, StoredFirmwareSettings, StoredUpdatePolicy } from '../api/firmware.ts';
import type { HostEvent, HostStore, SecretData, StoredHost } from './host-store.ts';
import { kubeconfigObjectConnection } from './kube-connection.ts';
import { JSON_PATCH, MERGE_PATCH, createKubeRest, resourceVersionPrecondition } from './kube-rest.ts';
import type { KubeRest } from './kube-rest.ts';

export interface RestHostStoreOptions {
  kube: KubeRest;
  /** events.k8s.io reportingController */
  controller?: string;
  /** events.k8s.io reportingInstance (pod or function name) */
  instance?: string;
  log?: Logger;
  now?: () => Date;
}

/** events.k8s.io MicroTime: the API server parses exactly six fractional digits (a JS Date has three). */
export function toMicroTime(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

const seg = encodeURIComponent;
const customPath = (plural: string, namespace: string, name?: string) =>
  `/apis/${GROUP}/${VERSION}/namespaces/${seg(namespace)}/${plural}${name === undefined ? '' : `/${seg(name)}`}`;

export function createRestHostStore({
  kube, controller = 'metal3.io/metal3-functions', instance = process.env.K_REVISION ?? 'metal3-functions',
  log = silentLogger, now = () => new Date(),
}: RestHostStoreOptions): HostStore {
  const nsOf = (h: StoredHost) => h.metadata.namespace ?? 'default';
  const hostPath = (h: StoredHost) => customPath(HOSTS, nsOf(h), h.metadata.name);
  const id = (h: StoredHost) => `${h.metadata.namespace}/${h.metadata.name}`;
  const rvTest = (h: StoredHost) => resourceVersionPrecondition(h.metadata.resourceVersion);
  const patchHost = async (h: StoredHost, subPath: string, body: unknown[], what: string): Promise<StoredHost> =>
    (await kube.request<StoredHost>({ method: 'PATCH', path: hostPath(h) + subPath, body, contentType: JSON_PATCH, what })).body;
  /** The object of a per-host firmware kind, named like the host; null when there is none. */
  const getHostNamed = async <T>(plural: string, h: StoredHost): Promise<T | null> => {
    const got = await kube.request<T>({ method: 'GET', path: customPath(plural, nsOf(h), h.metadata.name), what: `get ${plural} ${id(h)}`, allow: [404] });
    return got.status === 404 ? null : got.body;
  };
  /** Creates the per-host object (owned by the host, `emptySpec`) unless it exists, then replaces its status. */
  const writeHostNamedStatus = async (plural: string, kind: string, emptySpec: object, h: StoredHost, status: object): Promise<void> => {
    const namespace = nsOf(h);
    const name = h.metadata.name;
    const body = { apiVersion: `${GROUP}/${VERSION}`, kind, metadata: { name, namespace, ownerReferences: hostOwnerReferences(h) }, spec: emptySpec };
    await kube.request({ method: 'POST', path: customPath(plural, namespace), body, what: `create ${plural} ${namespace}/${name}`, allow: [409] });
    await kube.request({
      method: 'PATCH', path: `${customPath(plural, namespace, name)}/status`, body: [{ op: 'add', path: '/status', value: status }],
      contentType: JSON_PATCH, what: `patch ${plural} ${namespace}/${name} status`,
    });
  };

  return {
    get: async function get(namespace, name) {
      return (await kube.request<StoredHost>({ method: 'GET', path: customPath(HOSTS, namespace, name), what: `get baremetalhost ${namespace}/${name}` })).body;
    },
    listHosts: async function listHosts(namespace) {
      return (await kube.request<{ items?: StoredHost[] }>({ method: 'GET', path: customPath(HOSTS, namespace), what: `list baremetalhosts in ${namespace}` })).body.items ?? [];
    },
    replaceStatus: async function replaceStatus(host, status) {
      return patchHost(host, '/status', [rvTest(host), { op: 'add', path: '/status', value: status }], `patch baremetalhost ${id(host)} status`);
    },
    setFinalizers: async function setFinalizers(host, finalizers) {
      return patchHost(host, '', [rvTest(host), { op: 'add', path: '/metadata/finalizers', value: [...finalizers] }], `patch baremetalhost ${id(host)} finalizers`);
    },
    setAnnotations: async function setAnnotations(host, annotations) {
      // merge onto what we read; the resourceVersion precondition makes the whole-map write safe
      const next: Record<string, string> = { ...(host.metadata.annotations ?? {}) };
      for (const [k, v] of Object.entries(annotations)) if (v === undefined) delete next[k]; else next[k] = v;
      return patchHost(host, '', [rvTest(host), { op: 'add', path: '/metadata/annotations', value: next }], `patch baremetalhost ${id(host)} annotations`);
    },
    readSecret: async function readSecret(namespace, name): Promise<SecretData | null> {
      type Secret = { data?: Record<string, string>; metadata?: { resourceVersion?: string; labels?: Record<string, string> } };
      let secret: Secret;
      try {
        secret = (await kube.request<Secret>({ method: 'GET', path: `/api/v1/namespaces/${seg(namespace)}/secrets/${seg(name)}`, what: `get secret ${namespace}/${name}` })).body;
      } catch (e) {
        if (e instanceof HostNotFoundError) return null;
        throw e;
      }
      const data: Record<string, string> = {};
      for (const [k, v] of Object.entries(secret.data ?? {})) data[k] = Buffer.from(v, 'base64').toString('utf8');
      return { data, resourceVersion: secret.metadata?.resourceVersion ?? '', labels: secret.metadata?.labels ?? {} };
    },
    recordEvent: async function recordEvent(host, ev: HostEvent) {
      const namespace = nsOf(host);
      const at = now();
      const body = kubeEventFor(host, ev, { eventTime: toMicroTime(at), at, controller, instance });
      try {
        await kube.request({ method: 'POST', path: `/apis/events.k8s.io/v1/namespaces/${seg(namespace)}/events`, body, what: 'create event' });
      } catch (e) {
        log.warn('could not record Kubernetes Event', { host: id(host), reason: ev.reason, error: (e as Error).message });
      }
    },
    upsertHardwareData: async function upsertHardwareData(host, hardware) {
      const namespace = nsOf(host);
      const name = host.metadata.name;
      const body = hardwareDataFor(host, hardware);
      const created = await kube.request({ method: 'POST', path: customPath(HARDWARE_DATA, namespace), body, what: `create hardwaredata ${namespace}/${name}`, allow: [409] });
      if (created.status !== 409) return;
      // it exists (an earlier inspection): replace its spec
      await kube.request({
        method: 'PATCH', path: customPath(HARDWARE_DATA, namespace, name), body: [{ op: 'add', path: '/spec', value: body.spec }],
        contentType: JSON_PATCH, what: `patch hardwaredata ${namespace}/${name}`,
      });
    },
    getFirmwareSettings: async function getFirmwareSettings(host) {
      return getHostNamed<StoredFirmwareSettings>(FIRMWARE_SETTINGS, host);
    },
    writeFirmwareSettingsStatus: async function writeFirmwareSettingsStatus(host, status) {
      // upstream creates the object with empty desired settings; the user fills spec.settings in
      await writeHostNamedStatus(FIRMWARE_SETTINGS, 'HostFirmwareSettings', { settings: {} }, host, status);
    },
    getFirmwareComponents: async function getFirmwareComponents(host) {
      return getHostNamed<StoredFirmwareComponents>(FIRMWARE_COMPONENTS, host);
    },
    writeFirmwareComponentsStatus: async function writeFirmwareComponentsStatus(host, status) {
      // upstream creates the object with no updates; the user lists them in spec.updates
      await writeHostNamedStatus(FIRMWARE_COMPONENTS, 'HostFirmwareComponents', { updates: [] }, host, status);
    },
    getUpdatePolicy: async function getUpdatePolicy(host) {
      const got = await kube.request<StoredUpdatePolicy>({
        method: 'GET', path: customPath(UPDATE_POLICIES, nsOf(host), host.metadata.name), what: `get hostupdatepolicy ${id(host)}`, allow: [404],
      });
      return got.status === 404 ? null : got.body;
    },
    ensureFirmwareSchema: async function ensureFirmwareSchema(namespace, name, spec) {
      const body = { apiVersion: `${GROUP}/${VERSION}`, kind: 'FirmwareSchema', metadata: { name, namespace }, spec };
      await kube.request({ method: 'POST', path: customPath(FIRMWARE_SCHEMAS, namespace), body, what: `create firmwareschema ${namespace}/${name}`, allow: [409] });
    },
  };
}

/** Anything that can export a kubeconfig document, e.g. a client-node `KubeConfig` (kept structural: no client-node import here). */
export interface KubeconfigSource {
  exportConfig(): string;
}

/**
 * The shipped store for a caller that holds a client-node KubeConfig (test beds, chaos processes,
 * the baseline driver): same connection rules and client as a deployed function. `close` drops the
 * keep-alive sockets.
 */
export function createRestHostStoreFor(kubeConfig: KubeconfigSource, options: Omit<RestHostStoreOptions, 'kube'> = {}): { hosts: HostStore; close(): void } {
  const connection = kubeconfigObjectConnection(JSON.parse(kubeConfig.exportConfig()), { source: 'an in-memory kubeconfig' });
  const kube = createKubeRest({ connection });
  return { hosts: createRestHostStore({ kube, ...options }), close: () => kube.close() };
}
