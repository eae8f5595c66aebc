/**
 * @module chaos/kube-driver: how the chaos run plays the user — creates
 * Secrets and BareMetalHosts, patches specs, deletes — as the fixture's admin,
 * retrying the 409/500s the chaos itself injects; and one list call per tick
 * that keeps a view of every host for the scenario to wait on.
 */
import { CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { KubeConfig } from '@kubernetes/client-node';
import { setTimeout as sleep } from 'node:timers/promises';

export interface HostObject {
  metadata: { name: string; uid: string; finalizers?: string[]; deletionTimestamp?: string; generation?: number };
  spec: Record<string, unknown>;
  status?: {
    provisioning?: { state?: string; ID?: string };
    operationalStatus?: string;
    errorType?: string;
    errorMessage?: string;
    errorCount?: number;
    poweredOn?: boolean;
    [k: string]: unknown;
  };
}

const G = { group: 'metal3.io', version: 'v1alpha1', plural: 'baremetalhosts' };
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

const codeOf = (e: unknown): number => Number((e as { code?: unknown }).code ?? (e as { statusCode?: unknown }).statusCode ?? 0);

/** Retries what chaos injects (409, 500, connection resets); returns the value or rethrows anything else. */
async function retrying<T>(what: string, f: () => Promise<T>, { tries = 30, okCodes = [] as number[] } = {}): Promise<T | undefined> {
  for (let i = 0; ; i++) {
    try {
      return await f();
    } catch (e) {
      const code = codeOf(e);
      if (okCodes.includes(code)) return undefined;
      const transient = code === 409 || code >= 500 || code === 0;
      if (!transient || i >= tries) throw new Error(`${what} failed (${code}): ${(e as Error).message.slice(0, 300)}`);
      await sleep(100 + 50 * i);
    }
  }
}

export interface KubeDriver {
  createSecret(name: string, data: Record<string, string>): Promise<void>;
  replaceSecret(name: string, data: Record<string, string>): Promise<void>;
  deleteSecret(name: string): Promise<void>;
  createHost(name: string, spec: Record<string, unknown>): Promise<void>;
  patchSpec(name: string, spec: Record<string, unknown>): Promise<void>;
  deleteHost(name: string): Promise<void>;
  /** every host now, by name (one list call) */
  listHosts(): Promise<Map<string, HostObject>>;
  /** Kubernetes Events in the namespace (both APIs), as raw objects */
  listEvents(): Promise<Record<string, unknown>[]>;
  /**
   * What a real cluster's event TTL and garbage collector do for a deleted host (the fixture
   * runs neither): deletes its Events (both APIs) and its HardwareData. Returns how many objects.
   */
  collectGarbageOf(names: ReadonlySet<string>): Promise<number>;
}

export function createKubeDriver(kubeConfig: KubeConfig, namespace: string): KubeDriver {
  const custom = kubeConfig.makeApiClient(CustomObjectsApi);
  const core = kubeConfig.makeApiClient(CoreV1Api);
  return {
    createSecret: async (name, data) => {
      await retrying(`create Secret ${name}`, () => core.createNamespacedSecret({ namespace, body: { metadata: { name }, stringData: data } }));
    },
    replaceSecret: async (name, data) => {
      await retrying(`replace Secret ${name}`, async () => {
        const current = await core.readNamespacedSecret({ namespace, name });
        await core.replaceNamespacedSecret({ namespace, name, body: { metadata: { name, resourceVersion: current.metadata?.resourceVersion }, stringData: data } });
      });
    },
    deleteSecret: async (name) => {
      await retrying(`delete Secret ${name}`, () => core.deleteNamespacedSecret({ namespace, name }), { okCodes: [404] });
    },
    createHost: async (name, spec) => {
      await retrying(`create host ${name}`, () => custom.createNamespacedCustomObject({ ...G, namespace, body: { apiVersion: 'metal3.io/v1alpha1', kind: 'BareMetalHost', metadata: { name }, spec } }), { okCodes: [409] });
    },
    patchSpec: async (name, spec) => {
      await retrying(`patch host ${name}`, () => custom.patchNamespacedCustomObject({ ...G, namespace, name, body: { spec } }, mergePatch));
    },
    deleteHost: async (name) => {
      await retrying(`delete host ${name}`, () => custom.deleteNamespacedCustomObject({ ...G, namespace, name }), { okCodes: [404] });
    },
    listHosts: async () => {
      const list = await retrying('list hosts', () => custom.listNamespacedCustomObject({ ...G, namespace })) as { items: HostObject[] };
      return new Map(list.items.map((h) => [h.metadata.name, h]));
    },
    listEvents: async () => {
      const core1 = await retrying('list core Events', () => core.listNamespacedEvent({ namespace })) as { items: unknown[] };
      const ev = await retrying('list events.k8s.io Events', () => custom.listNamespacedCustomObject({ group: 'events.k8s.io', version: 'v1', namespace, plural: 'events' })) as { items: unknown[] } | undefined;
      return [...core1.items, ...(ev?.items ?? [])] as Record<string, unknown>[];
    },
    collectGarbageOf: async (names) => {
      if (names.size === 0) return 0;
      let deleted = 0;
      const about = (e: { regarding?: { name?: string }; involvedObject?: { name?: string } }) => e.regarding?.name ?? e.involvedObject?.name ?? '';
      const core1 = await retrying('list core Events', () => core.listNamespacedEvent({ namespace })) as { items: { metadata?: { name?: string }; involvedObject?: { name?: string } }[] };
      for (const e of core1.items) {
        if (!names.has(about(e)) || !e.metadata?.name) continue;
        await retrying(`delete Event ${e.metadata.name}`, () => core.deleteNamespacedEvent({ namespace, name: e.metadata!.name! }), { okCodes: [404] });
        deleted++;
      }
      const ev = await retrying('list events.k8s.io Events', () => custom.listNamespacedCustomObject({ group: 'events.k8s.io', version: 'v1', namespace, plural: 'events' })) as { items: { metadata?: { name?: string }; regarding?: { name?: string } }[] };
      for (const e of ev.items) {
        if (!names.has(about(e)) || !e.metadata?.name) continue;
        await retrying(`delete Event ${e.metadata.name}`, () => custom.deleteNamespacedCustomObject({ group: 'events.k8s.io', version: 'v1', namespace, plural: 'events', name: e.metadata!.name! }), { okCodes: [404] });
        deleted++;
      }
      for (const name of names) {
        await retrying(`delete HardwareData ${name}`, () => custom.deleteNamespacedCustomObject({ ...G, plural: 'hardwaredata', namespace, name }), { okCodes: [404] });
        deleted++;
      }
      return deleted;
    },
  };
}
