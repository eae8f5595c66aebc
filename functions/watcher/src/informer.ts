/**
 * @module watcher/informer: list + watch of BareMetalHosts with bookmarks,
 * relist on 410 Gone, and reconnect with backoff on any other failure.
 * (client-node's ListWatch neither asks for bookmarks nor survives errors.)
 */
import * as k8s from '@kubernetes/client-node';
import type { Logger } from '../../../shared/src/log.ts';
import { FIRMWARE_COMPONENTS, FIRMWARE_SETTINGS, GROUP, HOSTS, UPDATE_POLICIES, VERSION } from '../../../shared/src/k8s/host-store.ts';
import type { StoredFirmwareComponents, StoredFirmwareSettings, StoredUpdatePolicy } from '../../../shared/src/api/firmware.ts';
import type { StoredHost } from '../../../shared/src/k8s/host-store.ts';
import type { StoredClaim } from '../../../shared/src/api/hostclaim.ts';
import { retryAfterMs } from '../../../shared/src/k8s/kube-rest.ts';
import { HOST_CLAIMS } from '../../../shared/src/k8s/claim-store.ts';

export type InformerEvent = { type: 'upsert'; host: StoredHost } | { type: 'delete'; host: StoredHost };

export interface Informer<T> {
  start(): Promise<void>;
  stop(): Promise<void>;
  list(): T[];
  readonly stats: { lists: number; watches: number; events: number; bookmarks: number; gone: number; errors: number };
}
export type HostInformer = Informer<StoredHost>;

export interface InformerOptions {
  kubeConfig: k8s.KubeConfig;
  namespace?: string | undefined;
  onEvent: (e: InformerEvent) => void;
  log: Logger;
  /** server-side watch timeout; the watch is re-opened from the last resourceVersion */
  watchTimeoutSeconds?: number;
  maxBackoffMs?: number;
}

interface Listed<T> { items: T[]; metadata?: { resourceVersion?: string } }
interface ObjectWithMeta { metadata: { name: string; namespace?: string | undefined; resourceVersion?: string | undefined } }

interface ListWatchOptions<T> {
  kubeConfig: k8s.KubeConfig;
  /** collection path for the watch */
  path: string;
  list: () => Promise<Listed<T>>;
  labelSelector?: string | undefined;
  onEvent: (e: { type: 'upsert' | 'delete'; object: T }) => void;
  log: Logger;
  watchTimeoutSeconds?: number;
  maxBackoffMs?: number;
  /** how long the first list retries transient failures before start() rejects */
  startRetryMs?: number;
}

const keyOf = (h: ObjectWithMeta): string => `${h.metadata.namespace ?? ''}/${h.metadata.name}`;

/** A list + watch of one of our kinds in the hosts' namespace (or all namespaces). */
function createNamespacedInformer<T extends ObjectWithMeta>(plural: string, { kubeConfig, namespace, ...rest }: Omit<ListWatchOptions<T>, 'path' | 'list'> & { namespace?: string | undefined }): Informer<T> {
  const custom = kubeConfig.makeApiClient(k8s.CustomObjectsApi);
  return createListWatch<T>({
    kubeConfig,
    path: namespace ? `/apis/${GROUP}/${VERSION}/namespaces/${namespace}/${plural}` : `/apis/${GROUP}/${VERSION}/${plural}`,
    list: async () => (namespace
      ? await custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, plural, namespace })
      : await custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural })) as Listed<T>,
    ...rest,
  });
}

export function createHostInformer({ onEvent, ...rest }: InformerOptions): HostInformer {
  return createNamespacedInformer<StoredHost>(HOSTS, { ...rest, onEvent: (e) => onEvent({ type: e.type, host: e.object }) });
}

/** HostFirmwareSettings of the hosts' namespace (or all): a desired-settings edit wakes the host of the same name. */
export function createFirmwareSettingsInformer({ onEvent, ...rest }: Omit<InformerOptions, 'onEvent'> & { onEvent: (e: { type: 'upsert' | 'delete'; settings: StoredFirmwareSettings }) => void }): Informer<StoredFirmwareSettings> {
  return createNamespacedInformer<StoredFirmwareSettings>(FIRMWARE_SETTINGS, { ...rest, onEvent: (e) => onEvent({ type: e.type, settings: e.object }) });
}

/** HostFirmwareComponents of the hosts' namespace (or all): listed updates wake the host of the same name. */
export function createFirmwareComponentsInformer({ onEvent, ...rest }: Omit<InformerOptions, 'onEvent'> & { onEvent: (e: { type: 'upsert' | 'delete'; components: StoredFirmwareComponents }) => void }): Informer<StoredFirmwareComponents> {
  return createNamespacedInformer<StoredFirmwareComponents>(FIRMWARE_COMPONENTS, { ...rest, onEvent: (e) => onEvent({ type: e.type, components: e.object }) });
}

/** HostUpdatePolicies of the hosts' namespace (or all): which provisioned hosts may be serviced. */
export function createUpdatePolicyInformer({ onEvent, ...rest }: Omit<InformerOptions, 'onEvent'> & { onEvent: (e: { type: 'upsert' | 'delete'; policy: StoredUpdatePolicy }) => void }): Informer<StoredUpdatePolicy> {
  return createNamespacedInformer<StoredUpdatePolicy>(UPDATE_POLICIES, { ...rest, onEvent: (e) => onEvent({ type: e.type, policy: e.object }) });
}

/** HostClaims in every namespace (claims live in tenant namespaces, whatever the hosts' namespace). */
export function createClaimInformer({ onEvent, ...rest }: Omit<InformerOptions, 'onEvent' | 'namespace'> & { onEvent: (e: { type: 'upsert' | 'delete'; claim: StoredClaim }) => void }): Informer<StoredClaim> {
  return createNamespacedInformer<StoredClaim>(HOST_CLAIMS, { ...rest, onEvent: (e) => onEvent({ type: e.type, claim: e.object }) });
}

/**
 * Starts an informer that is an add-on (claims): a failed first list (the CRD missing, or just
 * installed: a real apiserver answers 429 "storage is (re)initializing" for a moment) is logged and
 * retried with backoff in the background instead of failing the watcher. Returns a stop function.
 */
export function startInBackground(informer: Informer<unknown>, log: Logger, what: string, { maxBackoffMs = 30_000 } = {}): () => Promise<void> {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let delayMs = 500;
  const attempt = (): void => {
    if (stopped) return;
    informer.start().catch((e: unknown) => {
      if (stopped) return;
      log.warn(`${what} informer could not start; retrying`, { error: (e as Error).message, delayMs });
      timer = setTimeout(attempt, delayMs);
      delayMs = Math.min(delayMs * 2, maxBackoffMs);
    });
  };
  attempt();
  return async () => {
    stopped = true;
    clearTimeout(timer);
    await informer.stop();
  };
}

/** A Secret as the watcher keeps it: identity and version only, never data. */
export interface SecretVersion { metadata: { name: string; namespace?: string | undefined; resourceVersion?: string | undefined } }

/**
 * What the watcher asks for Secrets: metadata only. The API server answers a list with a
 * `meta.k8s.io/v1` PartialObjectMetadataList and each watch event with a PartialObjectMetadata,
 * so no Secret's data is ever sent to the watcher. No fallback type is offered: a server that
 * cannot answer metadata only answers 406, and the watcher sees no Secrets rather than their data.
 */
export const METADATA_LIST_ACCEPT = 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1';
export const METADATA_WATCH_ACCEPT = 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1';

/** The same cluster and credentials, every request asking for `accept` (client-node applies auth last, after its own Accept). */
function acceptingOnly(kubeConfig: k8s.KubeConfig, accept: string): k8s.KubeConfig {
  const wrapped = Object.create(kubeConfig) as k8s.KubeConfig;
  wrapped.applySecurityAuthentication = async function applySecurityAuthentication(context: k8s.RequestContext): Promise<void> {
    await kubeConfig.applySecurityAuthentication(context);
    context.setHeaderParam('Accept', accept);
  };
  return wrapped;
}

/**
 * The metadata (name, resourceVersion) of the Secrets in the hosts' namespace, so that a host's changed
 * BMC credentials are noticed. A Secret's data never reaches the watcher: lists and watches ask for
 * metadata only, and an answer that is not metadata is refused.
 */
export function createSecretVersionInformer({ kubeConfig, namespace, onChange, log }: {
  kubeConfig: k8s.KubeConfig; namespace?: string | undefined; log: Logger;
  onChange: (e: { type: 'upsert' | 'delete'; secret: SecretVersion }) => void;
}): Informer<SecretVersion> {
  const core = acceptingOnly(kubeConfig, METADATA_LIST_ACCEPT).makeApiClient(k8s.CoreV1Api);
  // keep nothing but metadata identity (the answer holds no more than metadata anyway)
  const strip = (s: { metadata?: { name?: string; namespace?: string; resourceVersion?: string } }): SecretVersion => ({ metadata: { name: s.metadata?.name ?? '', namespace: s.metadata?.namespace, resourceVersion: s.metadata?.resourceVersion } });
  return createListWatch<SecretVersion>({
    kubeConfig: acceptingOnly(kubeConfig, METADATA_WATCH_ACCEPT), log,
    path: namespace ? `/api/v1/namespaces/${namespace}/secrets` : '/api/v1/secrets',
    list: async () => {
      const l = namespace ? await core.listNamespacedSecret({ namespace }) : await core.listSecretForAllNamespaces({});
      if (l.kind !== 'PartialObjectMetadataList') throw new Error(`list secrets: the API server answered ${l.kind ?? 'no kind'}, not metadata only; refusing it`);
      // a real server sends `items: null` for an empty metadata-only list (a Go nil slice)
      return { items: (l.items ?? []).map(strip), metadata: { resourceVersion: l.metadata?.resourceVersion ?? '' } };
    },
    onEvent: (e) => onChange({ type: e.type, secret: strip(e.object) }),
  });
}

/**
 * How long to wait before listing again after `err`, or undefined when listing again cannot help.
 * Transient: 429, 5xx, and socket failures (connection refused or reset).
 */
export function transientListFailure(err: unknown, delayMs: number): number | undefined {
  const e = err as { code?: unknown; cause?: { code?: unknown }; headers?: Record<string, string | string[] | undefined> } | null;
  if (typeof e?.code === 'number') {
    if (e.code !== 429 && e.code < 500) return undefined;
  } else {
    // no HTTP answer: only a socket failure (ECONNREFUSED, ECONNRESET, …) is worth another try
    const sys = typeof e?.code === 'string' ? e.code : e?.cause?.code;
    if (typeof sys !== 'string' || !/^E[A-Z]+$/.test(sys)) return undefined;
  }
  const retryAfter = retryAfterMs(e?.headers?.['retry-after'] ?? e?.headers?.['Retry-After']);
  return retryAfter ?? delayMs;
}

export function createListWatch<T extends ObjectWithMeta>({ kubeConfig, path, list, labelSelector, onEvent: emit, log, watchTimeoutSeconds = 300, maxBackoffMs = 30_000, startRetryMs = 60_000 }: ListWatchOptions<T>): Informer<T> {
  const watch = new k8s.Watch(kubeConfig);
  const cache = new Map<string, T>();
  const onEvent = (e: { type: 'upsert'; host: T } | { type: 'delete'; host: T }): void => emit({ type: e.type, object: e.host });
  const stats = { lists: 0, watches: 0, events: 0, bookmarks: 0, gone: 0, errors: 0 };
  let resourceVersion = '';
  let stopped = true;
  let abort: AbortController | undefined;
  let backoffMs = 500;
  let timer: NodeJS.Timeout | undefined;

  async function relist(): Promise<void> {
    stats.lists++;
    const listed = await list();
    const seen = new Set<string>();
    for (const host of listed.items) {
      const key = keyOf(host);
      seen.add(key);
      const old = cache.get(key);
      cache.set(key, host);
      if (old?.metadata.resourceVersion !== host.metadata.resourceVersion) onEvent({ type: 'upsert', host });
    }
    for (const [key, host] of cache) {
      if (!seen.has(key)) {
        cache.delete(key);
        onEvent({ type: 'delete', host });
      }
    }
    resourceVersion = listed.metadata?.resourceVersion ?? '';
  }

  function onWatchEvent(phase: string, obj: T & { code?: number; kind?: string }): void {
    if (phase === 'BOOKMARK') {
      stats.bookmarks++;
      resourceVersion = obj.metadata?.resourceVersion ?? resourceVersion;
      return;
    }
    if (phase === 'ERROR') {
      if (obj.code === 410) {
        stats.gone++;
        resourceVersion = ''; // too old: the next connect lists again
      } else stats.errors++;
      abort?.abort();
      return;
    }
    stats.events++;
    resourceVersion = obj.metadata.resourceVersion ?? resourceVersion;
    if (phase === 'DELETED') {
      cache.delete(keyOf(obj));
      onEvent({ type: 'delete', host: obj });
    } else {
      cache.set(keyOf(obj), obj);
      onEvent({ type: 'upsert', host: obj });
    }
  }

  async function connect(): Promise<void> {
    if (stopped) return;
    try {
      if (!resourceVersion) await relist();
      stats.watches++;
      abort = await watch.watch(path, { allowWatchBookmarks: true, resourceVersion, timeoutSeconds: watchTimeoutSeconds, ...(labelSelector ? { labelSelector } : {}) }, onWatchEvent as never, (err: unknown) => {
        if (stopped) return;
        const gone = (err as { code?: number; statusCode?: number } | null)?.statusCode === 410 || (err as { code?: number } | null)?.code === 410;
        if (gone) { stats.gone++; resourceVersion = ''; }
        // a normal end (server timeout, our abort after ERROR) reconnects at once; a failure backs off
        schedule(err && !gone ? backoffMs : 0, err);
      });
      backoffMs = 500;
    } catch (err) {
      const gone = (err as { code?: number }).code === 410;
      if (gone) { stats.gone++; resourceVersion = ''; } else stats.errors++;
      schedule(gone ? 0 : backoffMs, err);
    }
  }

  // A real API server answers 429 "storage is (re)initializing" for a moment after a CRD changes,
  // and 5xx while it starts: the first list waits that out (Retry-After honoured) for up to
  // startRetryMs; an answer that will not change (401, 403, 404) fails the start at once.
  async function firstList(): Promise<void> {
    const deadline = Date.now() + startRetryMs;
    for (let delayMs = 250; ; delayMs = Math.min(delayMs * 2, 5_000)) {
      try {
        await relist();
        return;
      } catch (err) {
        const wait = transientListFailure(err, delayMs);
        if (wait === undefined || stopped || Date.now() + wait > deadline) throw err;
        log.warn('first list failed; retrying', { error: (err as Error)?.message ?? String(err), delayMs: wait });
        await new Promise((r) => setTimeout(r, wait));
      }
    }
  }

  function schedule(delayMs: number, err: unknown): void {
    if (stopped) return;
    if (err && delayMs > 0) {
      log.warn('watch failed; reconnecting', { error: (err as Error)?.message ?? String(err), delayMs });
      backoffMs = Math.min(backoffMs * 2, maxBackoffMs);
    }
    clearTimeout(timer);
    timer = setTimeout(() => void connect(), delayMs);
  }

  return {
    stats,
    start: async function start() {
      stopped = false;
      await firstList();
      await connect();
    },
    stop: async function stop() {
      stopped = true;
      clearTimeout(timer);
      abort?.abort();
    },
    list: function list() {
      return [...cache.values()];
    },
  };
}

/** What the informers feed: the host watcher, and the claim watcher when claims are watched. */
interface InformerTargets {
  watcher: {
    onInformerEvent(e: InformerEvent): void;
    onSecretEvent(e: { type: 'upsert' | 'delete'; secret: SecretVersion }): void;
    onFirmwareSettingsEvent(e: { type: 'upsert' | 'delete'; settings: StoredFirmwareSettings }): void;
    onUpdatePolicyEvent(e: { type: 'upsert' | 'delete'; policy: StoredUpdatePolicy }): void;
    onFirmwareComponentsEvent(e: { type: 'upsert' | 'delete'; components: StoredFirmwareComponents }): void;
  };
  claimWatcher?: { onHostEvent(e: InformerEvent): void; onClaimEvent(e: { type: 'upsert' | 'delete'; claim: StoredClaim }): void; resync(): void } | undefined;
}

/**
 * The watcher's informers, started in the order the watcher needs them: Secret versions, then the
 * add-ons whose CRDs may be missing in the background (HostClaims; HostFirmwareSettings,
 * HostFirmwareComponents and HostUpdatePolicies with `watchFirmware`), then hosts. One wiring for the watcher's container and
 * the all-in-one runner.
 */
export async function startInformers({ kubeConfig, namespace, log, claimResyncMs, watcher, claimWatcher, watchFirmware = true }: InformerTargets & {
  kubeConfig: k8s.KubeConfig; namespace?: string | undefined; log: Logger; claimResyncMs: number; watchFirmware?: boolean;
}): Promise<{ informer: HostInformer; stop(): Promise<void> }> {
  const informer = createHostInformer({
    kubeConfig, namespace, log: log.child({ component: 'informer' }),
    onEvent: (e) => { watcher.onInformerEvent(e); claimWatcher?.onHostEvent(e); },
  });
  const secrets = createSecretVersionInformer({ kubeConfig, namespace, onChange: watcher.onSecretEvent, log: log.child({ component: 'secrets' }) });
  await secrets.start();
  const addOns: (() => Promise<void>)[] = [];
  const inBackground = (what: string, make: (log: Logger) => Informer<unknown>): void => {
    const addOnLog = log.child({ component: `${what}-informer` });
    addOns.push(startInBackground(make(addOnLog), addOnLog, what));
  };
  if (claimWatcher) {
    inBackground('HostClaim', (l) => createClaimInformer({ kubeConfig, onEvent: claimWatcher.onClaimEvent, log: l }) as Informer<unknown>);
    const resync = setInterval(() => claimWatcher.resync(), claimResyncMs);
    resync.unref?.();
    addOns.push(async () => clearInterval(resync));
  }
  if (watchFirmware) {
    inBackground('HostFirmwareSettings', (l) => createFirmwareSettingsInformer({ kubeConfig, namespace, onEvent: watcher.onFirmwareSettingsEvent, log: l }) as Informer<unknown>);
    inBackground('HostFirmwareComponents', (l) => createFirmwareComponentsInformer({ kubeConfig, namespace, onEvent: watcher.onFirmwareComponentsEvent, log: l }) as Informer<unknown>);
    inBackground('HostUpdatePolicy', (l) => createUpdatePolicyInformer({ kubeConfig, namespace, onEvent: watcher.onUpdatePolicyEvent, log: l }) as Informer<unknown>);
  }
  const stopAddOns = async (): Promise<void> => { for (const stop of addOns) await stop(); };
  try {
    await informer.start();
  } catch (e) {
    await stopAddOns();
    await secrets.stop();
    throw e;
  }
  return {
    informer,
    stop: async function stop() {
      await stopAddOns();
      await informer.stop();
      await secrets.stop();
    },
  };
}

