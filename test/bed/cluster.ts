/**
 * @module cluster: one entry point for integration suites that need a Kubernetes API.
 *
 * `KUBECONFIG` set → that real cluster (CRDs applied, a fresh namespace created and, on stop, deleted;
 * nothing else touched). Unset → the in-process fixture (`kube-api/`), stopped on `stop()`.
 * Each call returns a fresh test namespace, so suites never share state.
 */
import { createHash, randomBytes } from 'node:crypto';
import { ApiException, CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { readManifests } from './kube-api/manifests.ts';
import { type KubeApiFixture, type KubeApiOptions, startKubeApi } from './kube-api/index.ts';

export interface ClusterHandle {
  kind: 'fixture' | 'real';
  /** The namespace created for this suite. */
  namespace: string;
  kubeConfig(): KubeConfig;
  /** A kubeconfig file for kubectl (the real one, or a temp file for the fixture). */
  kubeconfigPath(): Promise<string>;
  /** The fixture, when running against it (for `control`); undefined on a real cluster. */
  fixture: KubeApiFixture | undefined;
  stop(): Promise<void>;
}

export interface ConnectOptions {
  /** CRD objects, or paths of YAML files holding them. */
  crds?: readonly (object | string)[];
  /** Prefix of the generated namespace name (default `t`). */
  namespacePrefix?: string;
  /** Defaults to `process.env.KUBECONFIG`. */
  kubeconfig?: string | undefined;
  /** Passed to `startKubeApi` when no real cluster is named. */
  fixtureOptions?: Omit<KubeApiOptions, 'crds'>;
  /** How long to wait for CRDs to become Established on a real cluster (default 30 s). */
  crdTimeoutMs?: number;
}

async function loadCrds(crds: readonly (object | string)[]): Promise<object[]> {
  const out: object[] = [];
  for (const c of crds) out.push(...(typeof c === 'string' ? await readManifests(c) : [c]));
  return out;
}

const namespaceName = (prefix: string): string => `${prefix}-${randomBytes(4).toString('hex')}`;

/** Connect to `KUBECONFIG`'s cluster, or start the fixture; either way with the CRDs and a fresh namespace. */
export async function connectCluster(options: ConnectOptions = {}): Promise<ClusterHandle> {
  const crds = await loadCrds(options.crds ?? []);
  const namespace = namespaceName(options.namespacePrefix ?? 't');
  const kubeconfig = 'kubeconfig' in options ? options.kubeconfig : process.env.KUBECONFIG;
  if (!kubeconfig) {
    const fixture = await startKubeApi({ ...options.fixtureOptions, crds });
    fixture.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
    return {
      kind: 'fixture',
      namespace,
      fixture,
      kubeConfig: () => fixture.kubeConfig(),
      kubeconfigPath: () => fixture.writeKubeconfig(),
      stop: () => fixture.stop(),
    };
  }
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  await applyCrds(kc, crds, options.crdTimeoutMs ?? 30_000);
  const core = kc.makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: namespace, labels: { 'metal3-functions/test': 'true' } } } });
  return {
    kind: 'real',
    namespace,
    fixture: undefined,
    kubeConfig: () => kc,
    kubeconfigPath: async () => kubeconfig,
    async stop() {
      // only what we created: the namespace (CRDs may be shared with other suites)
      await core.deleteNamespace({ name: namespace }).catch(() => undefined);
    },
  };
}

// Through CustomObjectsApi on purpose: its bodies pass through untouched, whereas the typed
// ApiextensionsV1Api serialiser drops wire names such as `x-kubernetes-preserve-unknown-fields`.
const CRD_SPEC_HASH = 'metal3-functions.io/test-bed-spec-hash';

async function applyCrds(kc: KubeConfig, crds: readonly object[], timeoutMs: number): Promise<void> {
  const api = kc.makeApiClient(CustomObjectsApi);
  const where = { group: 'apiextensions.k8s.io', version: 'v1', plural: 'customresourcedefinitions' };
  type Crd = { metadata?: { name?: string; resourceVersion?: string; annotations?: Record<string, string> }; spec?: unknown; status?: { conditions?: { type: string; status: string }[] } };
  const read = (name: string): Promise<Crd | undefined> => api.getClusterCustomObject({ ...where, name }).catch((e: unknown) => {
    if (e instanceof ApiException && e.code === 404) return undefined;
    throw e;
  }) as Promise<Crd | undefined>;
  for (const crd of crds as Crd[]) {
    const name = crd.metadata?.name ?? '';
    // Suites share one server and start in parallel: a CRD is written only when its spec changed,
    // since every write makes the server re-initialise the resource's storage (429s for a moment).
    const specHash = createHash('sha256').update(JSON.stringify(crd.spec)).digest('hex').slice(0, 32);
    const body = { ...crd, metadata: { ...crd.metadata, annotations: { ...crd.metadata?.annotations, [CRD_SPEC_HASH]: specHash } } };
    for (let attempt = 0; ; attempt++) {
      const existing = await read(name);
      try {
        if (!existing) await api.createClusterCustomObject({ ...where, body });
        else if (existing.metadata?.annotations?.[CRD_SPEC_HASH] !== specHash) {
          await api.replaceClusterCustomObject({ ...where, name, body: { ...body, metadata: { ...body.metadata, resourceVersion: existing.metadata?.resourceVersion } } });
        }
        break;
      } catch (e) {
        // another suite created or replaced it between our read and write: read again
        if (!(e instanceof ApiException && e.code === 409) || attempt >= 5) throw e;
      }
    }
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const got = (await api.getClusterCustomObject({ ...where, name })) as Crd;
      if (got.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) break;
      if (Date.now() > deadline) throw new Error(`CRD ${name} not Established within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}
