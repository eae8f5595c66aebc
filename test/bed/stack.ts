/**
 * @module stack: the whole embedded test bed in one call — the Kubernetes API
 * fixture with our CRDs (hosts, HardwareData, HostClaims, HostDeployPolicies), a real Ironic, ipmi_sim BMCs and a file server for
 * boot artefacts — plus the function configuration that fits it. Used by
 * `npm start`, `npm run demo`, the benchmarks and end-to-end tests.
 *
 * With `agentMachines`, it also builds simulated machines running a real ironic-python-agent behind
 * our Redfish emulator (test/bed/agent-machine): Ironic then listens on the provisioning network
 * too, and the functions deploy redfish:// hosts with the agent.
 */
import { buildAllCrds } from '../../shared/src/api/crd.ts';
import { planAgentFleet } from './agent-machine/fleet.ts';
import type { AgentFleet, MachineSpec } from './agent-machine/fleet.ts';
import type { AgentMachine } from './agent-machine/index.ts';
import { startIronic } from './ironic.ts';
import { rabbitTransportUrl, startRabbitMq } from './rabbitmq.ts';
import type { RabbitMqInstance } from './rabbitmq.ts';
import type { IronicInstance, StartIronicOptions } from './ironic.ts';
import { startIpmiSims, stopIpmiSims } from './ipmi-sim.ts';
import type { SimulatedBmc } from './ipmi-sim.ts';
import { startKubeApi } from './kube-api/index.ts';
import type { KubeApiFixture } from './kube-api/index.ts';
import { startRedfishEmulator } from './redfish-emulator/index.ts';
import type { RedfishEmulator } from './redfish-emulator/index.ts';
import { DEFAULT_BED_FILES, startStaticFiles } from './static-files.ts';
import type { StaticFiles } from './static-files.ts';

export interface BedOptions {
  /** how many ipmi_sim BMCs to start */
  ipmiBmcs?: number;
  ironic?: StartIronicOptions;
  /** extra namespaces to create in the fixture */
  namespaces?: readonly string[];
  /** simulated machines with a real ironic-python-agent, one Redfish system each (root only) */
  agentMachines?: readonly MachineSpec[];
  /** files served besides the defaults (images for the agent machines) */
  files?: Record<string, Buffer | number>;
  /** a RabbitMQ that Ironic publishes its notifications to, as the shipped manifests deploy (`bus`) */
  notifications?: boolean;
}

/** The bed's simulated machines and their BMC. */
export interface BedAgents {
  machines: AgentMachine[];
  redfish: RedfishEmulator;
  /** the BMC credentials every system of the emulator takes */
  username: string;
  password: string;
  /** machine i's BMC address (redfish://…) */
  bmcAddress(i: number): string;
  /** a file server URL as the machines reach it */
  imageUrl(path: string): string;
}

const AGENT_BMC_USER = 'bmc-admin';
const AGENT_BMC_PASSWORD = 'Agent-Bmc-Passw0rd';

export interface Bed {
  kube: KubeApiFixture;
  ironic: IronicInstance;
  bmcs: SimulatedBmc[];
  files: StaticFiles;
  /** present when `notifications` was asked for: the watcher follows Ironic's notifications there (`bus.url`) */
  bus?: RabbitMqInstance;
  /** present when `agentMachines` was given */
  agents?: BedAgents;
  /** function configuration for this bed (fake:// enabled, ipmi_sim-compatible IPMI, ramdisk deploy) */
  functionEnv: Record<string, string>;
  /** seconds each part took to start */
  timings: Record<string, number>;
  stop(): Promise<void>;
}

export async function startBed({ ipmiBmcs = 0, ironic: ironicOptions = {}, namespaces = ['metal3'], agentMachines = [], files: extraFiles = {}, notifications = false }: BedOptions = {}): Promise<Bed> {
  const timings: Record<string, number> = {};
  const started: { stop(): Promise<void> }[] = [];
  const time = async <T>(name: string, f: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    try {
      return await f();
    } finally {
      timings[name] = Math.round(performance.now() - t0) / 1000;
    }
  };
  try {
    const kube = await time('kubeApi', () => startKubeApi({ crds: buildAllCrds(), namespaces: ['default', 'kube-system', ...namespaces] }));
    started.push(kube);
    const fleet: AgentFleet | undefined = agentMachines.length > 0 ? await time('agentNetwork', () => planAgentFleet({ namePrefix: 'agent' })) : undefined;
    if (fleet) started.push(fleet);
    const extra = { ...fleet?.ironicConfig, ...ironicOptions.extraConfig };
    const bus = notifications ? await time('rabbitmq', () => startRabbitMq()) : undefined;
    if (bus) started.push(bus);
    const [ironic, bmcs, files, redfish] = await Promise.all([
      time('ironic', () => startIronic({
        ...ironicOptions,
        ...(bus ? { notificationsTransportUrl: rabbitTransportUrl(bus) } : {}),
        ...(fleet ? { port: fleet.ironicPort, dir: fleet.ironicDir, hardwareTypes: ['fake-hardware', 'ipmi', 'redfish'] } : {}),
        extraConfig: {
          ...extra,
          // no deploy agent here: let waits for one time out fast instead of after 30 min
          conductor: { deploy_callback_timeout: '120', clean_callback_timeout: '120', ...fleet?.ironicConfig.conductor, ...ironicOptions.extraConfig?.conductor },
        },
      })),
      time('ipmiSims', () => (ipmiBmcs > 0 ? startIpmiSims(ipmiBmcs) : Promise.resolve([] as SimulatedBmc[]))),
      time('files', () => startStaticFiles({ ...DEFAULT_BED_FILES, ...extraFiles })),
      fleet ? time('redfish', () => startRedfishEmulator({ username: AGENT_BMC_USER, password: AGENT_BMC_PASSWORD, ...fleet.redfishSystems(agentMachines) })) : undefined,
    ]);
    started.push(ironic, files, { stop: () => stopIpmiSims(bmcs) }, { stop: async () => { await redfish?.stop(); } });
    let agents: BedAgents | undefined;
    if (fleet && redfish) {
      const machines = await time('agentMachines', () => fleet.createMachines(agentMachines, { fileServerUrl: files.url, redfish }));
      agents = {
        machines, redfish, username: AGENT_BMC_USER, password: AGENT_BMC_PASSWORD,
        bmcAddress: (i) => redfish.systems[i]!.address,
        imageUrl: (path) => fleet.onNetwork(files.urls[path] ?? `${files.url}${path}`),
      };
    }
    const functionEnv: Record<string, string> = {
      IRONIC_URL: ironic.url,
      ENABLE_FAKE_BMC: 'true',
      IPMI_CIPHER_SUITE: '3',
      // ipmi_sim has no deploy agent: PXE boot + ramdisk deploy of a served kernel/ramdisk;
      // Ironic 21.4 has no firmware interface; redfish:// hosts are the simulated machines, deployed by their agent
      IRONIC_INTERFACES: JSON.stringify({ ipmi: { boot: 'pxe', deploy: 'ramdisk', inspect: 'no-inspect' }, redfish: { firmware: null, ...fleet?.interfaces.redfish }, 'redfish-virtualmedia': { firmware: null, deploy: 'ramdisk', inspect: 'redfish' } }),
      ...(redfish ? { REDFISH_CA_BUNDLE: redfish.caPath } : {}),
      DEPLOY_KERNEL_URL: files.urls['/vmlinuz'] ?? '',
      DEPLOY_RAMDISK_URL: files.urls['/initrd.img'] ?? '',
    };
    return {
      kube, ironic, bmcs, files, functionEnv, timings, ...(agents ? { agents } : {}), ...(bus ? { bus } : {}),
      stop: async function stop() {
        await Promise.allSettled(started.reverse().map((s) => s.stop()));
      },
    };
  } catch (e) {
    await Promise.allSettled(started.reverse().map((s) => s.stop()));
    throw e;
  }
}
