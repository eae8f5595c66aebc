/**
 * @module kube-api/server: `startKubeApi()`, the in-process Kubernetes API server fixture.
 *
 * Plain HTTP on 127.0.0.1 at a free port; state in memory; kubectl and client-node both drive it.
 * Test-only controls live on `fixture.control`, never on HTTP paths, so clients cannot see them.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { Authenticator, type RbacOptions } from './auth.ts';
import { type ApiContext, type WriteOptions, defaultIds } from './context.ts';
import { fixtureKubeConfig, writeKubeconfigFile } from './kubeconfig.ts';
import { ResourceRegistry, defFromCrd } from './resources.ts';
import { ApiRouter, type DelayRule, type FailRule, type RequestRecord } from './router.ts';
import { ObjectStore } from './store.ts';
import { type KubeObject, resourceKey } from './types.ts';
import { createObject, updateObject } from './writes.ts';
import { KubeStatusError } from './status-error.ts';
import { NamespaceController } from './namespace-controller.ts';

export type { DelayRule, FailRule, RequestRecord } from './router.ts';

export interface KubeApiOptions {
  /** CRD manifests (apiextensions.k8s.io/v1 objects) registered before start. */
  crds?: readonly object[];
  /** Objects created at start (Roles, bindings, Secrets…), after namespaces and CRDs. */
  objects?: readonly object[];
  /** RBAC enforcement; off by default (every request allowed). */
  rbac?: RbacOptions & { objects?: readonly object[] };
  /** Namespaces that exist at start (default: `default`, `kube-system`). */
  namespaces?: readonly string[];
  /** BOOKMARK cadence for watches with `allowWatchBookmarks=true` (default 60,000 ms, a 1.32 server's; plus one 2 s before the deadline). */
  bookmarkIntervalMs?: number;
  /** Changes kept for watch resume; older resourceVersions, and any from before a resource was served, answer 410 Gone (default 100,000). */
  maxWatchHistory?: number;
  /** Server-side cap on every watch, in seconds (default 0: only the client's `timeoutSeconds`). */
  watchTimeoutSeconds?: number;
  /** Request log length (default 10,000). */
  maxRequestLog?: number;
}

export interface KubeApiControl {
  /** Cut every open watch stream (clients see a clean EOF). */
  closeWatches(): void;
  /** Forget the change history: resuming a watch from any earlier resourceVersion answers 410. */
  expireHistory(): void;
  /** Answer the next matching request(s) with this status instead of serving them. */
  failNext(rule: FailRule): void;
  /** Armed fault rules not yet used up or expired. */
  pendingFaults(): number;
  /** Disarm every fault rule. */
  clearFaults(): void;
  /** Fault rules that fired (per status code) and that expired unused. */
  readonly faultStats: { readonly fired: Readonly<Record<number, number>>; readonly expired: number };
  /** Hold the next matching request(s) for `ms` before serving them (timeouts, races). */
  delayNext(rule: DelayRule): void;
  /** Requests served so far (method, path, query, content type, user, verb, status). */
  readonly requests: readonly RequestRecord[];
  clearRequests(): void;
  objectCount(): number;
  openWatchCount(): number;
  /** The current global resourceVersion. */
  resourceVersion(): string;
}

export interface KubeApiFixture {
  url: string;
  port: number;
  /** The token that is allowed everything (used by `kubeConfig()` by default). */
  adminToken: string;
  kubeConfig(options?: { token?: string; namespace?: string }): KubeConfig;
  /** Write a kubeconfig for kubectl; default path in the fixture's temp dir (removed on stop). */
  writeKubeconfig(path?: string, options?: { token?: string; namespace?: string }): Promise<string>;
  /** Create or update a CRD directly (same effect as POSTing it). */
  applyCrd(crd: object): Promise<void>;
  /** Create an object directly as the admin (namespaces included). */
  create(object: object): KubeObject;
  /** A bearer token authenticating as `system:serviceaccount:<ns>:<sa>`. */
  tokenFor(namespace: string, serviceAccount: string): string;
  control: KubeApiControl;
  stop(): Promise<void>;
}

/** Start the fixture on 127.0.0.1 at a free port. */
export async function startKubeApi(options: KubeApiOptions = {}): Promise<KubeApiFixture> {
  const registry = new ResourceRegistry();
  const store = new ObjectStore({ maxHistory: options.maxWatchHistory ?? 100_000 });
  const ctx: ApiContext = {
    registry,
    store,
    now: () => new Date(),
    uid: defaultIds.uid,
    onNamespaceTerminating: (name) => namespaces.terminating(name),
    onCrdChanged(crd, deleted) {
      const def = defFromCrd(crd);
      const existing = registry.findByKey(resourceKey(def));
      if (existing) registry.remove(existing);
      if (deleted) {
        for (const obj of store.dropResource(resourceKey(def))) {
          store.remove(resourceKey(def), { ...obj, metadata: { ...obj.metadata, resourceVersion: String(store.nextResourceVersion()) } });
        }
      } else {
        registry.add(def);
        if (!existing) store.hub.begin(resourceKey(def), store.resourceVersion);
      }
    },
  };
  const namespaces = new NamespaceController(ctx);
  const auth = new Authenticator(options.rbac ?? { enforce: false }, store);
  let address = '127.0.0.1:0';
  const router = new ApiRouter(ctx, auth, {
    bookmarkIntervalMs: options.bookmarkIntervalMs ?? 60_000,
    watchTimeoutSeconds: options.watchTimeoutSeconds ?? 0,
    maxRequestLog: options.maxRequestLog ?? 10_000,
    serverAddress: () => address,
  });
  const adminWrite = (): WriteOptions => ({ dryRun: false, fieldValidation: '', fieldManager: 'fixture', force: false, warnings: [] });

  function create(object: object): KubeObject {
    const obj = object as KubeObject;
    const [group, version] = (obj.apiVersion ?? '').includes('/') ? obj.apiVersion!.split('/') : ['', obj.apiVersion ?? ''];
    const def = registry.all().find((d) => d.group === group && d.version === version && d.kind === obj.kind);
    if (!def) throw new Error(`the fixture does not serve ${obj.apiVersion} ${obj.kind}`);
    return createObject(ctx, def, obj.metadata?.namespace ?? 'default', obj, adminWrite()).body as KubeObject;
  }

  function applyCrdNow(crd: object): void {
    const def = registry.find('apiextensions.k8s.io', 'v1', 'customresourcedefinitions')!;
    const obj = crd as KubeObject;
    const old = store.get(resourceKey(def), '', obj.metadata?.name ?? '');
    if (!old) createObject(ctx, def, '', obj, adminWrite());
    else updateObject(ctx, def, '', old.metadata.name!, '', { ...obj, metadata: { ...obj.metadata, resourceVersion: old.metadata.resourceVersion } }, adminWrite());
  }

  for (const ns of options.namespaces ?? ['default', 'kube-system']) create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  for (const crd of options.crds ?? []) applyCrdNow(crd);
  for (const obj of [...(options.rbac?.objects ?? []), ...(options.objects ?? [])]) create(obj);

  const server = createServer((req, res) => {
    router.handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) res.writeHead(500).end(String(e));
    });
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  address = `127.0.0.1:${port}`;
  const url = `http://127.0.0.1:${port}`;
  let tempDir: string | undefined;

  const control: KubeApiControl = {
    closeWatches: () => store.hub.closeAll(),
    expireHistory: () => store.hub.expire(store.nextResourceVersion()),
    failNext: (rule) => router.failNext(rule),
    pendingFaults: () => router.pendingFaults(),
    clearFaults: () => router.clearFaults(),
    faultStats: router.faultStats,
    delayNext: (rule) => router.delayNext(rule),
    requests: router.requests,
    clearRequests: () => { router.requests.length = 0; },
    objectCount: () => store.count,
    openWatchCount: () => router.openWatches,
    resourceVersion: () => String(store.resourceVersion),
  };

  return {
    url,
    port,
    adminToken: auth.adminToken,
    kubeConfig: (o = {}) => fixtureKubeConfig({ server: url, token: o.token ?? auth.adminToken, ...(o.namespace ? { namespace: o.namespace } : {}) }),
    async writeKubeconfig(path, o = {}) {
      if (!path) {
        tempDir ??= await mkdtemp(join(tmpdir(), 'kube-api-fixture-'));
        path = join(tempDir, `kubeconfig-${o.token ? 'token' : 'admin'}-${Date.now()}.json`);
      }
      return writeKubeconfigFile(path, { server: url, token: o.token ?? auth.adminToken, ...(o.namespace ? { namespace: o.namespace } : {}) });
    },
    async applyCrd(crd) {
      try {
        applyCrdNow(crd);
      } catch (e) {
        if (e instanceof KubeStatusError) throw new Error(`applyCrd failed: ${e.message}`, { cause: e });
        throw e;
      }
    },
    create,
    tokenFor: (ns, sa) => auth.tokenFor(ns, sa),
    control,
    async stop() {
      store.hub.closeAll();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (tempDir) await rm(tempDir, { recursive: true, force: true });
    },
  };
}
