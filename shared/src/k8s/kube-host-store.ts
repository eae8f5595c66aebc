/**
 * @module k8s/kube-host-store: HostStore on @kubernetes/client-node 2.x.
 */
import * as k8s from '@kubernetes/client-node';
import { HostNotFoundError, KubeUnavailableError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { silentLogger } from '../log.ts';
import { GROUP, HARDWARE_DATA, HOSTS, VERSION, hardwareDataFor, kubeEventFor } from './host-store.ts';
import type { HostEvent, HostStore, SecretData, StoredHost } from './host-store.ts';
import { kubeErrorFor, resourceVersionPrecondition, retryAfterMs } from './kube-rest.ts';

export interface KubeHostStoreOptions {
  kubeConfig: k8s.KubeConfig;
  /** events.k8s.io reportingController */
  controller?: string;
  /** events.k8s.io reportingInstance (pod or function name) */
  instance?: string;
  log?: Logger;
  now?: () => Date;
}

const jsonPatch = () => k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.JsonPatch);

interface ApiErrorLike { code?: number; body?: unknown; message?: string; headers?: Record<string, string> }

/** Maps a client-node failure to our error family through the one mapping the REST store uses; `what` names operation and object. */
export function toKubeError(e: unknown, what: string): Error {
  const err = e as ApiErrorLike;
  const code = typeof err.code === 'number' ? err.code : undefined;
  if (code === undefined) return new KubeUnavailableError(`${what}: ${(err.message ?? String(e)).split('\n')[0]}`, { cause: e });
  const raw = typeof err.body === 'string' ? err.body : JSON.stringify(err.body ?? err.message ?? '');
  let body: unknown;
  try { body = typeof err.body === 'string' ? JSON.parse(err.body) : err.body; } catch { body = undefined; }
  const mapped = kubeErrorFor(code, body, raw, what, retryAfterMs(err.headers?.['retry-after']));
  Object.defineProperty(mapped, 'cause', { value: e, enumerable: false });
  return mapped;
}

export function createKubeHostStore({
  kubeConfig, controller = 'metal3.io/metal3-functions', instance = process.env.K_REVISION ?? 'metal3-functions',
  log = silentLogger, now = () => new Date(),
}: KubeHostStoreOptions): HostStore {
  const custom = kubeConfig.makeApiClient(k8s.CustomObjectsApi);
  const core = kubeConfig.makeApiClient(k8s.CoreV1Api);
  const events = kubeConfig.makeApiClient(k8s.EventsV1Api);
  const ref = (h: StoredHost) => ({ group: GROUP, version: VERSION, plural: HOSTS, namespace: h.metadata.namespace ?? 'default', name: h.metadata.name });
  const id = (h: StoredHost) => `${h.metadata.namespace}/${h.metadata.name}`;
  const rvTest = (h: StoredHost) => resourceVersionPrecondition(h.metadata.resourceVersion);

  return {
    get: async function get(namespace, name) {
      try {
        return (await custom.getNamespacedCustomObject({ group: GROUP, version: VERSION, plural: HOSTS, namespace, name })) as StoredHost;
      } catch (e) {
        throw toKubeError(e, `get baremetalhost ${namespace}/${name}`);
      }
    },
    replaceStatus: async function replaceStatus(host, status) {
      try {
        const body = [rvTest(host), { op: 'add', path: '/status', value: status }];
        return (await custom.patchNamespacedCustomObjectStatus({ ...ref(host), body }, jsonPatch())) as StoredHost;
      } catch (e) {
        throw toKubeError(e, `patch baremetalhost ${id(host)} status`);
      }
    },
    setFinalizers: async function setFinalizers(host, finalizers) {
      try {
        const body = [rvTest(host), { op: 'add', path: '/metadata/finalizers', value: [...finalizers] }];
        return (await custom.patchNamespacedCustomObject({ ...ref(host), body }, jsonPatch())) as StoredHost;
      } catch (e) {
        throw toKubeError(e, `patch baremetalhost ${id(host)} finalizers`);
      }
    },
    setAnnotations: async function setAnnotations(host, annotations) {
      const next: Record<string, string> = { ...(host.metadata.annotations ?? {}) };
      for (const [k, v] of Object.entries(annotations)) if (v === undefined) delete next[k]; else next[k] = v;
      try {
        const body = [rvTest(host), { op: 'add', path: '/metadata/annotations', value: next }];
        return (await custom.patchNamespacedCustomObject({ ...ref(host), body }, jsonPatch())) as StoredHost;
      } catch (e) {
        throw toKubeError(e, `patch baremetalhost ${id(host)} annotations`);
      }
    },
    readSecret: async function readSecret(namespace, name): Promise<SecretData | null> {
      try {
        const s = await core.readNamespacedSecret({ namespace, name });
        const data: Record<string, string> = {};
        for (const [k, v] of Object.entries(s.data ?? {})) data[k] = Buffer.from(v, 'base64').toString('utf8');
        return { data, resourceVersion: s.metadata?.resourceVersion ?? '', labels: s.metadata?.labels ?? {} };
      } catch (e) {
        const err = toKubeError(e, `get secret ${namespace}/${name}`);
        if (err instanceof HostNotFoundError) return null;
        throw err;
      }
    },
    labelSecret: async function labelSecret(namespace, name, labels) {
      try {
        await core.patchNamespacedSecret({ namespace, name, body: { metadata: { labels } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
      } catch (e) {
        throw toKubeError(e, `label secret ${namespace}/${name}`);
      }
    },
    recordEvent: async function recordEvent(host, ev: HostEvent) {
      const namespace = host.metadata.namespace ?? 'default';
      const at = now();
      try {
        await events.createNamespacedEvent({
          namespace,
          body: kubeEventFor(host, ev, { eventTime: new k8s.V1MicroTime(at.getTime()), at, controller, instance }),
        });
      } catch (e) {
        log.warn('could not record Kubernetes Event', { host: id(host), reason: ev.reason, error: toKubeError(e, 'create event').message });
      }
    },
    upsertHardwareData: async function upsertHardwareData(host, hardware) {
      const namespace = host.metadata.namespace ?? 'default';
      const name = host.metadata.name;
      const body = hardwareDataFor(host, hardware);
      const where = { group: GROUP, version: VERSION, plural: HARDWARE_DATA, namespace };
      try {
        await custom.createNamespacedCustomObject({ ...where, body });
      } catch (e) {
        if ((e as ApiErrorLike).code !== 409) throw toKubeError(e, `create hardwaredata ${namespace}/${name}`);
        try {
          const patch = [{ op: 'add', path: '/spec', value: body.spec }];
          await custom.patchNamespacedCustomObject({ ...where, name, body: patch }, jsonPatch());
        } catch (e2) {
          throw toKubeError(e2, `patch hardwaredata ${namespace}/${name}`);
        }
      }
    },
  };
}
