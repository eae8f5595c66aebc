/**
 * @module integration/bmc/bmc-bed: the five functions wired to real parts for
 * the BMC suites — a Kubernetes API (fixture, or KUBECONFIG's cluster in a
 * fresh namespace), a real Ironic with the `redfish` hardware type (or
 * IRONIC_URL's), our Redfish emulator and ipmi_sim BMCs — plus a record of
 * every direct BMC call the functions make, so a test can tell our traffic
 * from Ironic's.
 */
import { CoreV1Api, CustomObjectsApi, EventsV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { EventsV1Event } from '@kubernetes/client-node';
import { buildAllCrds } from '../../../shared/src/api/crd.ts';
import type { FirmwareSchemaSpec, StoredFirmwareComponents, StoredFirmwareSettings, StoredUpdatePolicy } from '../../../shared/src/api/firmware.ts';
import type { BmcClientFactory } from '../../../shared/src/bmc/factory.ts';
import { firmwareAsks, firmwareFacts } from '../../../shared/src/firmware/change.ts';
import { createBmcRegistry } from '../../../shared/src/bmc/registry.ts';
import type { BmcClient } from '../../../shared/src/bmc/types.ts';
import { loadFunctionConfig } from '../../../shared/src/handler/config.ts';
import type { FunctionConfig } from '../../../shared/src/handler/config.ts';
import { createHandler } from '../../../shared/src/handler/create-handler.ts';
import type { HandlerResult } from '../../../shared/src/handler/reply.ts';
import type { HandlerDeps } from '../../../shared/src/handler/types.ts';
import { createIronicClient } from '../../../shared/src/ironic/client.ts';
import type { IronicClient, IronicNode } from '../../../shared/src/ironic/types.ts';
import { FIRMWARE_COMPONENTS, FIRMWARE_SCHEMAS, FIRMWARE_SETTINGS, GROUP, HARDWARE_DATA, HOSTS, UPDATE_POLICIES, VERSION } from '../../../shared/src/k8s/host-store.ts';
import type { StoredHost } from '../../../shared/src/k8s/host-store.ts';
import { createRestHostStoreFor } from '../../../shared/src/k8s/rest-host-store.ts';
import { createLogger } from '../../../shared/src/log.ts';
import { TRANSITION_FUNCTIONS } from '../../../shared/src/runner/all-in-one.ts';
import { currentState, dueFor } from '../../../shared/src/state-machine/guard.ts';
import { TRANSITION_NAMES } from '../../../shared/src/state-machine/states.ts';
import type { TransitionName } from '../../../shared/src/state-machine/states.ts';
import { buildRequestedEvent } from '../../../events/src/build.ts';
import { connectCluster } from '../../bed/cluster.ts';
import type { ClusterHandle } from '../../bed/cluster.ts';
import { startIpmiSims, stopIpmiSims } from '../../bed/ipmi-sim.ts';
import type { SimulatedBmc } from '../../bed/ipmi-sim.ts';
import { connectOrStartIronic } from '../../bed/ironic.ts';
import type { IronicEndpoint, StartIronicOptions } from '../../bed/ironic.ts';
import { startRedfishEmulator } from '../../bed/redfish-emulator/index.ts';
import type { RedfishEmulator, RedfishEmulatorOptions } from '../../bed/redfish-emulator/index.ts';
import { startStaticFiles } from '../../bed/static-files.ts';
import type { StaticFiles } from '../../bed/static-files.ts';

export type Handler = ReturnType<typeof createHandler>;

/** One direct BMC call made by a function (never Ironic's). */
export interface BmcCall {
  host: string;
  address: string;
  op: 'forHost' | 'powerState' | 'setPower' | 'inventory' | 'info' | 'bootDevice' | 'setBootDevice';
  arg?: string;
}

export interface BmcBedOptions {
  ipmiBmcs?: number;
  /** start the Redfish emulator (TLS, its CA pinned for us and Ironic) */
  redfish?: Partial<Pick<RedfishEmulatorOptions, 'systems' | 'quirks' | 'powerOnDelayMs' | 'onPowerChange'>>;
  /** start (or connect to) Ironic; false for direct-mode suites that must not need one */
  ironic?: boolean;
  /** port, state dir and config merged over this bed's Ironic defaults (simulated machines need all three) */
  ironicOptions?: Pick<StartIronicOptions, 'port' | 'dir' | 'extraConfig'>;
  /** the file server's content (default: startStaticFiles' boot artefacts) */
  files?: Record<string, Buffer | number>;
  env?: Record<string, string>;
}

export const REDFISH_USER = 'bmc-admin';
export const REDFISH_PASSWORD = 'Redf1sh-Passw0rd-for-tests';
/**
 * For a bed whose firmware refuses a BIOS setting at boot: Ironic polls for the setting until the
 * step's callback timeout, so that timeout is how long such a failure takes. A passing BIOS step
 * here finishes within ~20 s.
 */
export const SHORT_STEP_TIMEOUTS: NonNullable<BmcBedOptions['ironicOptions']> = {
  extraConfig: { conductor: { clean_callback_timeout: '60', service_callback_timeout: '60' } },
};

export interface BmcBed {
  cluster: ClusterHandle;
  namespace: string;
  ironicEndpoint: IronicEndpoint | undefined;
  /** the tests' own Ironic client (not the functions') */
  ironic: IronicClient | undefined;
  redfish: RedfishEmulator | undefined;
  bmcs: SimulatedBmc[];
  files: StaticFiles;
  config: FunctionConfig;
  handlers: Record<TransitionName, Handler>;
  /** every direct BMC call the functions made, in order */
  bmcCalls: BmcCall[];
  /** every Ironic request the functions made */
  ironicCalls: { method: string; path: string; status: number }[];
  createSecret(name: string, stringData: Record<string, string>): Promise<void>;
  createHost(name: string, spec: Record<string, unknown>, metadata?: Record<string, unknown>): Promise<StoredHost>;
  getHost(name: string): Promise<StoredHost | undefined>;
  mergeHost(name: string, patch: Record<string, unknown>): Promise<StoredHost>;
  /** writes status through the status subresource (a host as another controller left it) */
  replaceStatus(name: string, status: Record<string, unknown>): Promise<StoredHost>;
  deleteHost(name: string): Promise<void>;
  nodeOf(name: string): Promise<IronicNode | null>;
  hardwareDataOf(name: string): Promise<Record<string, unknown> | undefined>;
  /** the host's HostFirmwareSettings (undefined when none) */
  firmwareSettingsOf(name: string): Promise<StoredFirmwareSettings | undefined>;
  /** creates the HostFirmwareSettings with these desired settings, or replaces its spec.settings */
  setDesiredFirmwareSettings(name: string, settings: Record<string, string | number>): Promise<void>;
  firmwareSchemaOf(name: string): Promise<{ spec: FirmwareSchemaSpec } | undefined>;
  /** creates the HostUpdatePolicy named like the host */
  createUpdatePolicy(name: string, spec: Record<string, string>): Promise<void>;
  /** the host's HostFirmwareComponents (undefined when none) */
  firmwareComponentsOf(name: string): Promise<StoredFirmwareComponents | undefined>;
  /** creates the HostFirmwareComponents with these updates, or replaces its spec.updates */
  setFirmwareUpdates(name: string, updates: { component: string; url: string }[]): Promise<void>;
  eventsOf(name: string): Promise<{ type: string; reason: string; note: string }[]>;
  /** sends what the watcher would send now to the function it names; undefined when nothing is due */
  deliver(name: string): Promise<{ transition: TransitionName; result: HandlerResult } | undefined>;
  /** delivers until `until` holds (or the host is gone and `until(undefined)` holds) */
  drive(name: string, until: (h: StoredHost | undefined) => boolean, timeoutMs?: number): Promise<StoredHost | undefined>;
  stop(): Promise<void>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Ironic inherits our env; requests lets REQUESTS_CA_BUNDLE override sushy's pinned `verify=<ca>`. */
async function withoutCaBundleOverride<T>(fn: () => Promise<T>): Promise<T> {
  const saved = { REQUESTS_CA_BUNDLE: process.env.REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE: process.env.CURL_CA_BUNDLE };
  delete process.env.REQUESTS_CA_BUNDLE;
  delete process.env.CURL_CA_BUNDLE;
  try {
    return await fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) if (v !== undefined) process.env[k] = v;
  }
}

/** Wraps a BMC factory so every call the functions make is recorded (the real clients still do the work). */
function recordingBmc(inner: BmcClientFactory, calls: BmcCall[]): BmcClientFactory {
  return {
    async forHost(host, address, secret, options) {
      const who = `${host.metadata.namespace}/${host.metadata.name}`;
      calls.push({ host: who, address, op: 'forHost' });
      const client = await inner.forHost(host, address, secret, options);
      const rec = (op: BmcCall['op'], arg?: string) => calls.push({ host: who, address, op, ...(arg ? { arg } : {}) });
      const wrapped: BmcClient = {
        protocol: client.protocol,
        powerState: () => { rec('powerState'); return client.powerState(); },
        setPower: (a) => { rec('setPower', a); return client.setPower(a); },
        bootDevice: () => { rec('bootDevice'); return client.bootDevice(); },
        setBootDevice: (d, o) => { rec('setBootDevice', d); return client.setBootDevice(d, o); },
        info: () => { rec('info'); return client.info(); },
        inventory: () => { rec('inventory'); return client.inventory(); },
        close: () => client.close(),
      };
      return wrapped;
    },
    close: () => inner.close(),
  };
}

export async function startBmcBed(options: BmcBedOptions = {}): Promise<BmcBed> {
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async (): Promise<void> => {
    for (const s of stops.reverse()) await s().catch(() => undefined);
  };
  try {
    const cluster = await connectCluster({ crds: buildAllCrds(), namespacePrefix: 'bmc' });
    stops.push(() => cluster.stop());
    const [files, bmcs, redfish] = await Promise.all([
      startStaticFiles(options.files),
      options.ipmiBmcs ? startIpmiSims(options.ipmiBmcs) : Promise.resolve([] as SimulatedBmc[]),
      options.redfish
        ? startRedfishEmulator({ username: REDFISH_USER, password: REDFISH_PASSWORD, ...options.redfish, quirks: { virtualMediaUnderManager: true, ...options.redfish.quirks } })
        : Promise.resolve(undefined),
    ]);
    stops.push(() => files.stop(), () => stopIpmiSims(bmcs), async () => { await redfish?.stop(); });
    const extra = options.ironicOptions?.extraConfig ?? {};
    const ironicEndpoint = options.ironic === false ? undefined : await withoutCaBundleOverride(() => connectOrStartIronic({
      hardwareTypes: ['fake-hardware', 'ipmi', 'redfish'],
      ...(options.ironicOptions?.port !== undefined ? { port: options.ironicOptions.port } : {}),
      ...(options.ironicOptions?.dir !== undefined ? { dir: options.ironicOptions.dir } : {}),
      extraConfig: {
        ...extra,
        // no deploy agent: waits for one end fast (and a BIOS setting the firmware never applies ends its step)
        conductor: { deploy_callback_timeout: '120', clean_callback_timeout: '120', service_callback_timeout: '120', ...extra.conductor },
        // [redfish] use_swift defaults to True: unpublishing the ISO would then ask Keystone for Swift
        redfish: { use_swift: false, ...extra.redfish },
        // a site choice: hand the live ISO's URL to the BMC as is instead of republishing it from the conductor
        deploy: { ramdisk_image_download_source: 'http', ...extra.deploy },
      },
    }));
    if (ironicEndpoint) stops.push(() => ironicEndpoint.stop());

    const config = loadFunctionConfig({
      IRONIC_URL: ironicEndpoint?.url ?? 'http://127.0.0.1:9',
      ENABLE_FAKE_BMC: 'true',
      IPMI_CIPHER_SUITE: '3',
      // as test/bed/stack.ts: no deploy agent, so ramdisk deploy; Ironic 21.4 has no firmware interface
      IRONIC_INTERFACES: JSON.stringify({ ipmi: { boot: 'pxe', deploy: 'ramdisk', inspect: 'no-inspect' }, redfish: { firmware: null }, 'redfish-virtualmedia': { firmware: null, deploy: 'ramdisk', inspect: 'redfish' } }),
      REDFISH_CA_BUNDLE: redfish?.caPath ?? '',
      DEPLOY_KERNEL_URL: files.urls['/vmlinuz'] ?? '',
      DEPLOY_RAMDISK_URL: files.urls['/initrd.img'] ?? '',
      BACKOFF_BASE_MS: '300',
      ...options.env,
    });
    const log = createLogger({ level: (process.env.LOG_LEVEL as 'debug' | undefined) ?? 'silent' });
    const kubeConfig = cluster.kubeConfig();
    const { hosts, close: closeHosts } = createRestHostStoreFor(kubeConfig, { instance: 'bmc-integration-test', log });
    stops.push(async () => closeHosts());
    const ironicCalls: BmcBed['ironicCalls'] = [];
    const functionsIronic = createIronicClient({ url: config.IRONIC_URL, onRequest: (i) => ironicCalls.push({ method: i.method, path: i.path, status: i.status }) });
    const registry = createBmcRegistry({ hosts, allowFake: true, ipmiCipherSuite: 3, ...(redfish ? { redfishCaPem: redfish.caPem } : {}) });
    stops.push(() => registry.close());
    const bmcCalls: BmcCall[] = [];
    const deps: HandlerDeps = { hosts, ironic: functionsIronic, bmc: recordingBmc(registry, bmcCalls), config, log };
    const handlers = Object.fromEntries(TRANSITION_NAMES.map((t) => [t, createHandler(TRANSITION_FUNCTIONS[t], deps)])) as Record<TransitionName, Handler>;

    const namespace = cluster.namespace;
    const custom = kubeConfig.makeApiClient(CustomObjectsApi);
    const core = kubeConfig.makeApiClient(CoreV1Api);
    const events = kubeConfig.makeApiClient(EventsV1Api);
    const where = { group: GROUP, version: VERSION, plural: HOSTS, namespace };
    const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
    const ironic = ironicEndpoint ? createIronicClient({ url: ironicEndpoint.url }) : undefined;
    async function getOrUndefined(plural: string, name: string): Promise<unknown> {
      try {
        return await custom.getNamespacedCustomObject({ group: GROUP, version: VERSION, plural, namespace, name });
      } catch (e) {
        if ((e as { code?: number }).code === 404) return undefined;
        throw e;
      }
    }

    const bed: BmcBed = {
      cluster, namespace, ironicEndpoint, ironic, redfish, bmcs, files, config, handlers, bmcCalls, ironicCalls,
      async createSecret(name, stringData) {
        await core.createNamespacedSecret({ namespace, body: { metadata: { name }, stringData } });
      },
      async createHost(name, spec, metadata = {}) {
        return (await custom.createNamespacedCustomObject({ ...where, body: { apiVersion: `${GROUP}/${VERSION}`, kind: 'BareMetalHost', metadata: { name, ...metadata }, spec } })) as StoredHost;
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
      async replaceStatus(name, status) {
        return (await custom.patchNamespacedCustomObjectStatus({ ...where, name, body: { status } }, merge)) as StoredHost;
      },
      async deleteHost(name) {
        await custom.deleteNamespacedCustomObject({ ...where, name });
      },
      nodeOf: async (name) => (ironic ? ironic.getNode(`${namespace}~${name}`) : null),
      async hardwareDataOf(name) {
        try {
          return (await custom.getNamespacedCustomObject({ group: GROUP, version: VERSION, plural: HARDWARE_DATA, namespace, name })) as Record<string, unknown>;
        } catch (e) {
          if ((e as { code?: number }).code === 404) return undefined;
          throw e;
        }
      },
      async firmwareSettingsOf(name) {
        return (await getOrUndefined(FIRMWARE_SETTINGS, name)) as StoredFirmwareSettings | undefined;
      },
      async setDesiredFirmwareSettings(name, settings) {
        const at = { group: GROUP, version: VERSION, plural: FIRMWARE_SETTINGS, namespace };
        if (await getOrUndefined(FIRMWARE_SETTINGS, name)) {
          // replace the whole map: a merge patch would keep names the test removed
          await custom.patchNamespacedCustomObject({ ...at, name, body: [{ op: 'replace', path: '/spec/settings', value: settings }] }, setHeaderOptions('Content-Type', PatchStrategy.JsonPatch));
        } else {
          await custom.createNamespacedCustomObject({ ...at, body: { apiVersion: `${GROUP}/${VERSION}`, kind: 'HostFirmwareSettings', metadata: { name }, spec: { settings } } });
        }
      },
      async firmwareComponentsOf(name) {
        return (await getOrUndefined(FIRMWARE_COMPONENTS, name)) as StoredFirmwareComponents | undefined;
      },
      async setFirmwareUpdates(name, updates) {
        const at = { group: GROUP, version: VERSION, plural: FIRMWARE_COMPONENTS, namespace };
        if (await getOrUndefined(FIRMWARE_COMPONENTS, name)) {
          await custom.patchNamespacedCustomObject({ ...at, name, body: [{ op: 'replace', path: '/spec/updates', value: updates }] }, setHeaderOptions('Content-Type', PatchStrategy.JsonPatch));
        } else {
          await custom.createNamespacedCustomObject({ ...at, body: { apiVersion: `${GROUP}/${VERSION}`, kind: 'HostFirmwareComponents', metadata: { name }, spec: { updates } } });
        }
      },
      async createUpdatePolicy(name, spec) {
        await custom.createNamespacedCustomObject({ group: GROUP, version: VERSION, plural: UPDATE_POLICIES, namespace, body: { apiVersion: `${GROUP}/${VERSION}`, kind: 'HostUpdatePolicy', metadata: { name }, spec } });
      },
      async firmwareSchemaOf(name) {
        return (await getOrUndefined(FIRMWARE_SCHEMAS, name)) as { spec: FirmwareSchemaSpec } | undefined;
      },
      async eventsOf(name) {
        const list = await events.listNamespacedEvent({ namespace });
        return (list.items as EventsV1Event[]).filter((e) => e.regarding?.name === name).map((e) => ({ type: e.type ?? '', reason: e.reason ?? '', note: e.note ?? '' }));
      },
      async deliver(name) {
        const host = await bed.getHost(name);
        if (!host) return undefined;
        const node = await bed.nodeOf(name);
        // as the watcher's firmware informers do
        const asked = firmwareFacts(firmwareAsks(
          await bed.firmwareSettingsOf(name),
          (await getOrUndefined(FIRMWARE_COMPONENTS, name)) as StoredFirmwareComponents | undefined,
          (await getOrUndefined(UPDATE_POLICIES, name)) as StoredUpdatePolicy | undefined,
        ));
        const firmwareChange = asked.firmwareChangeRequested || undefined;
        const facts = { ...(node ? { nodePowerState: node.power_state } : {}), firmwareChangeRequested: firmwareChange, servicingAllowed: asked.servicingAllowed || undefined };
        const due = dueFor(host, { now: Date.now(), backoffBaseMs: config.BACKOFF_BASE_MS, facts });
        if (due.kind === 'none') return undefined;
        const event = buildRequestedEvent({ host, transition: due.by, reason: 'state-changed', source: '/metal3/watcher/bmc-integration-test', ironic: node ?? undefined, firmwareChange });
        return { transition: due.by, result: await handlers[due.by].processEvent(event) };
      },
      async drive(name, until, timeoutMs = 60_000) {
        const deadline = Date.now() + timeoutMs;
        const last: string[] = [];
        for (;;) {
          const host = await bed.getHost(name);
          if (until(host)) return host;
          if (!host) throw new Error(`host ${name} is gone before the target was reached`);
          if (Date.now() > deadline) {
            throw new Error(`host ${name} stuck in "${currentState(host)}" (${host.status?.operationalStatus}: ${host.status?.errorMessage}); last: ${last.slice(-3).join(' | ')}`);
          }
          const step = await bed.deliver(name);
          if (step) {
            last.push(`${step.transition}: ${JSON.stringify(step.result).slice(0, 200)}`);
            if (['crashed', 'invalid', 'unauthorized'].includes(step.result.kind)) throw new Error(`${step.transition} answered ${JSON.stringify(step.result)}`);
          }
          const after = await bed.getHost(name);
          if (!step || after?.metadata.resourceVersion === host.metadata.resourceVersion) await sleep(200);
        }
      },
      stop: stopAll,
    };
    return bed;
  } catch (e) {
    await stopAll();
    throw e;
  }
}

/** The host has reached `state` without an error. */
export const inState = (state: string) => (h: StoredHost | undefined): boolean =>
  h !== undefined && currentState(h) === state && h.status?.operationalStatus !== 'error';

/** The host recorded an error of `errorType`. */
export const inError = (errorType: string) => (h: StoredHost | undefined): boolean =>
  h !== undefined && h.status?.operationalStatus === 'error' && h.status?.errorType === errorType;
