/**
 * @module support/functions-bed: the five transition functions wired to real
 * parts for one test file: a Kubernetes API (the fixture, or KUBECONFIG's
 * cluster in a fresh namespace), a real Ironic (or IRONIC_URL's), a file
 * server for boot artefacts and, on request, ipmi_sim BMCs. The functions'
 * Ironic traffic is recorded (with bodies) so tests can count calls.
 */
import { CoreV1Api, CustomObjectsApi, EventsV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { CoreV1Event, EventsV1Event } from '@kubernetes/client-node';
import { buildAllCrds, buildBareMetalHostCrd, buildHardwareDataCrd, buildHostClaimCrd, buildHostDeployPolicyCrd } from '../../../shared/src/api/crd.ts';
import { createBmcRegistry } from '../../../shared/src/bmc/registry.ts';
import { loadFunctionConfig } from '../../../shared/src/handler/config.ts';
import type { FunctionConfig } from '../../../shared/src/handler/config.ts';
import { createHandler } from '../../../shared/src/handler/create-handler.ts';
import type { HandlerDeps } from '../../../shared/src/handler/types.ts';
import { createIronicClient } from '../../../shared/src/ironic/client.ts';
import type { IronicClient, IronicNode } from '../../../shared/src/ironic/types.ts';
import { GROUP, HOSTS, VERSION } from '../../../shared/src/k8s/host-store.ts';
import type { StoredHost } from '../../../shared/src/k8s/host-store.ts';
import { createRestHostStoreFor } from '../../../shared/src/k8s/rest-host-store.ts';
import { createLogger } from '../../../shared/src/log.ts';
import { TRANSITION_FUNCTIONS } from '../../../shared/src/runner/all-in-one.ts';
import { TRANSITION_NAMES } from '../../../shared/src/state-machine/states.ts';
import type { TransitionName } from '../../../shared/src/state-machine/states.ts';
import { connectCluster } from '../../bed/cluster.ts';
import type { ClusterHandle, ConnectOptions } from '../../bed/cluster.ts';
import { startIpmiSims, stopIpmiSims } from '../../bed/ipmi-sim.ts';
import type { SimulatedBmc } from '../../bed/ipmi-sim.ts';
import { connectOrStartIronic } from '../../bed/ironic.ts';
import type { IronicEndpoint, StartIronicOptions } from '../../bed/ironic.ts';
import { startStaticFiles } from '../../bed/static-files.ts';
import type { StaticFiles } from '../../bed/static-files.ts';
import { createRecordingFetch } from './recording-fetch.ts';
import type { RecordingFetch } from './recording-fetch.ts';

export type Handler = ReturnType<typeof createHandler>;

export interface FunctionsBedOptions {
  ipmiBmcs?: number;
  /** function configuration over the bed's defaults */
  env?: Record<string, string>;
  ironic?: StartIronicOptions;
  namespacePrefix?: string;
  /** passed to the API fixture (ignored on a real cluster) */
  fixtureOptions?: ConnectOptions['fixtureOptions'];
  /** every CRD the project installs (the firmware kinds too), not only the host and claim kinds */
  allCrds?: boolean;
  /** log lines of the functions (default: dropped; LOG_LEVEL=debug prints them) */
  logLines?: string[];
}

/** Ironic interfaces that work on the bed: no deploy agent, so PXE + ramdisk deploy for ipmi (as test/bed/stack.ts). */
const BED_INTERFACES = { ipmi: { boot: 'pxe', deploy: 'ramdisk', inspect: 'no-inspect' } };

export interface FunctionsBed {
  cluster: ClusterHandle;
  namespace: string;
  ironicEndpoint: IronicEndpoint;
  /** an Ironic client for the tests' own look-ups (not recorded) */
  ironic: IronicClient;
  /** every Ironic exchange the functions made */
  recorded: RecordingFetch;
  files: StaticFiles;
  bmcs: SimulatedBmc[];
  config: FunctionConfig;
  deps: HandlerDeps;
  handlers: Record<TransitionName, Handler>;
  custom: CustomObjectsApi;
  core: CoreV1Api;
  createSecret(name: string, stringData: Record<string, string>): Promise<void>;
  updateSecret(name: string, stringData: Record<string, string>): Promise<void>;
  createHost(name: string, spec: Record<string, unknown>, metadata?: Record<string, unknown>): Promise<StoredHost>;
  /** undefined once the object is gone */
  getHost(name: string): Promise<StoredHost | undefined>;
  mergeHost(name: string, patch: Record<string, unknown>): Promise<StoredHost>;
  deleteHost(name: string): Promise<void>;
  /** the host's Ironic node (by `<ns>~<name>`), or null */
  nodeOf(name: string): Promise<IronicNode | null>;
  /** Kubernetes Events regarding the host, oldest first: `<type>/<reason>: <note>` */
  eventsOf(name: string): Promise<{ type: string; reason: string; note: string }[]>;
  stop(): Promise<void>;
}

export async function startFunctionsBed(options: FunctionsBedOptions = {}): Promise<FunctionsBed> {
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async (): Promise<void> => {
    for (const s of stops.reverse()) await s().catch(() => undefined);
  };
  try {
    const crds = options.allCrds ? buildAllCrds() : [buildBareMetalHostCrd(), buildHardwareDataCrd(), buildHostClaimCrd(), buildHostDeployPolicyCrd()];
    const cluster = await connectCluster({ crds, namespacePrefix: options.namespacePrefix ?? 'fn', ...(options.fixtureOptions ? { fixtureOptions: options.fixtureOptions } : {}) });
    stops.push(() => cluster.stop());
    const [ironicEndpoint, files, bmcs] = await Promise.all([
      connectOrStartIronic(options.ironic ?? {}),
      startStaticFiles(),
      options.ipmiBmcs ? startIpmiSims(options.ipmiBmcs) : Promise.resolve([] as SimulatedBmc[]),
    ]);
    stops.push(() => ironicEndpoint.stop(), () => files.stop(), () => stopIpmiSims(bmcs));

    const config = loadFunctionConfig({
      IRONIC_URL: ironicEndpoint.url,
      ENABLE_FAKE_BMC: 'true',
      IPMI_CIPHER_SUITE: '3',
      IRONIC_INTERFACES: JSON.stringify(BED_INTERFACES),
      DEPLOY_KERNEL_URL: files.urls['/vmlinuz'] ?? '',
      DEPLOY_RAMDISK_URL: files.urls['/initrd.img'] ?? '',
      BACKOFF_BASE_MS: '300',
      ...options.env,
    });
    const lines = options.logLines;
    const log = createLogger({ level: lines ? 'debug' : ((process.env.LOG_LEVEL as 'debug' | undefined) ?? 'silent'), ...(lines ? { write: (l: string) => lines.push(l) } : {}) });
    const kubeConfig = cluster.kubeConfig();
    // the store that ships (deployed functions use the same one)
    const { hosts, close: closeHosts } = createRestHostStoreFor(kubeConfig, { instance: 'integration-test', log });
    stops.push(async () => closeHosts());
    const recorded = createRecordingFetch();
    const functionsIronic = createIronicClient({ url: ironicEndpoint.url, fetch: recorded.fetch });
    const bmc = createBmcRegistry({ hosts, allowFake: true, ipmiCipherSuite: 3 });
    stops.push(() => bmc.close());
    const deps: HandlerDeps = { hosts, ironic: functionsIronic, bmc, config, log };
    const handlers = Object.fromEntries(TRANSITION_NAMES.map((t) => [t, createHandler(TRANSITION_FUNCTIONS[t], deps)])) as Record<TransitionName, Handler>;

    const namespace = cluster.namespace;
    const custom = kubeConfig.makeApiClient(CustomObjectsApi);
    const core = kubeConfig.makeApiClient(CoreV1Api);
    const events = kubeConfig.makeApiClient(EventsV1Api);
    const where = { group: GROUP, version: VERSION, plural: HOSTS, namespace };
    const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
    const ironic = createIronicClient({ url: ironicEndpoint.url });

    return {
      cluster, namespace, ironicEndpoint, ironic, recorded, files, bmcs, config, deps, handlers, custom, core,
      async createSecret(name, stringData) {
        await core.createNamespacedSecret({ namespace, body: { metadata: { name }, stringData } });
      },
      async updateSecret(name, stringData) {
        await core.replaceNamespacedSecret({ namespace, name, body: { metadata: { name }, stringData } });
      },
      async createHost(name, spec, metadata = {}) {
        return (await custom.createNamespacedCustomObject({
          ...where, body: { apiVersion: `${GROUP}/${VERSION}`, kind: 'BareMetalHost', metadata: { name, ...metadata }, spec },
        })) as StoredHost;
      },
      async getHost(name) {
        try {
          return (await custom.getNamespacedCustomObject({ ...where, name })) as StoredHost;
        } catch (e) {
          if ((e as { code?: number }).code === 404) return undefined;
          throw e;
        }
      },
      async mergeHost(name, patch) {
        return (await custom.patchNamespacedCustomObject({ ...where, name, body: patch }, merge)) as StoredHost;
      },
      async deleteHost(name) {
        await custom.deleteNamespacedCustomObject({ ...where, name });
      },
      nodeOf: (name) => ironic.getNode(`${namespace}~${name}`),
      async eventsOf(name) {
        const list = await events.listNamespacedEvent({ namespace });
        return (list.items as (EventsV1Event & Partial<CoreV1Event>)[])
          .filter((e) => e.regarding?.name === name)
          .sort((a, b) => String(a.eventTime ?? a.metadata?.creationTimestamp ?? '').localeCompare(String(b.eventTime ?? b.metadata?.creationTimestamp ?? '')))
          .map((e) => ({ type: e.type ?? '', reason: e.reason ?? '', note: e.note ?? '' }));
      },
      stop: stopAll,
    };
  } catch (e) {
    await stopAll();
    throw e;
  }
}
