/**
 * @module agent-machine/fleet: what a bed needs around its simulated machines, in one place for the
 * agent suites (test/integration/agent/agent-bed.ts), `npm run demo` and the benchmarks
 * (test/bed/stack.ts): the provisioning network with Ironic's port forwarded onto it, the Ironic
 * settings for in-band work, the functions' interface choice (agent deploy), the BMC wiring that
 * boots and halts each machine, and the machines themselves.
 *
 * Order matters: Ironic must be told its network address before it starts, the machines can only
 * be created once the BMCs exist. So `planAgentFleet()` comes first, then the caller starts Ironic
 * (with `ironicConfig`, `ironicPort`, `ironicDir`) and a Redfish emulator (with `redfishSystems`) or
 * ipmi_sim BMCs, then `createMachines()`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IniSections } from '../ironic-config.ts';
import type { SimulatedBmc } from '../ipmi-sim.ts';
import { freeTcpPort } from '../ports.ts';
import type { PowerChangeListener, RedfishEmulator, SystemSpec } from '../redfish-emulator/index.ts';
import type { DriveSpec } from '../redfish-emulator/model.ts';
import { startStaticFiles } from '../static-files.ts';
import { createAgentMachine, startProvisioningNetwork } from './index.ts';
import type { AgentMachine, ProvisioningNetwork } from './index.ts';
import { followIpmiPower } from './ipmi-power.ts';

export interface MachineSpec {
  /** loop disk sizes; default one 5 GiB (sparse) disk */
  diskSizesBytes?: number[];
  /** the drives the Redfish emulator's RAID controller reports (its volumes are not block devices the agent sees) */
  redfishDrives?: DriveSpec[];
}

export interface AgentFleet {
  network: ProvisioningNetwork;
  /** the port Ironic must listen on (forwarded onto the network) */
  ironicPort: number;
  /** Ironic's state dir: the machines' firmware reads the boot configs Ironic writes there */
  ironicDir: string;
  /** Ironic's API as the machines reach it */
  ironicApiUrl: string;
  /** ini sections Ironic needs for in-band work with these machines */
  ironicConfig: IniSections;
  /** the functions' IRONIC_INTERFACES: the agent deploy interface for both BMC kinds */
  interfaces: Record<string, Record<string, string | null>>;
  /** machine i's boot MAC */
  macOf(i: number): string;
  /** Redfish emulator options: one system per machine, whose power boots and halts it */
  redfishSystems(specs: readonly MachineSpec[]): { systems: SystemSpec[]; onPowerChange: PowerChangeListener };
  /** Create the machines once the BMCs run; `fileServerUrl` is forwarded so agents can fetch images. */
  createMachines(specs: readonly MachineSpec[], bmcs: { fileServerUrl: string; redfish?: RedfishEmulator; ipmi?: readonly SimulatedBmc[] }): Promise<AgentMachine[]>;
  /** a bed file server URL as the machines reach it */
  onNetwork(url: string): string;
  stop(): Promise<void>;
}

export async function planAgentFleet({ namePrefix = 'machine' }: { namePrefix?: string } = {}): Promise<AgentFleet> {
  const network = await startProvisioningNetwork();
  // the deploy kernel and ramdisk Ironic's boot interface stages: its own server, started first so
  // Ironic's config can name them (the firmware reads Ironic's boot config and never fetches them)
  const bootFiles = await startStaticFiles({ '/vmlinuz': 4096, '/initrd.img': 4096 }).catch(async (err: unknown) => { await network.stop(); throw err; });
  const ironicDir = mkdtempSync(join(tmpdir(), 'bed-ironic-agents-'));
  const machines: AgentMachine[] = [];
  const bySystem = new Map<string, AgentMachine>();
  let emulator: RedfishEmulator | undefined;
  const unfollow: (() => void)[] = [];
  const forwarded = new Set<number>();
  const stop = async (): Promise<void> => {
    for (const f of unfollow.splice(0)) f();
    await Promise.allSettled(machines.map((m) => m.stop()));
    await network.stop();
    await bootFiles.stop();
    rmSync(ironicDir, { recursive: true, force: true });
  };
  try {
    const ironicPort = await freeTcpPort();
    await network.forward(ironicPort);
    forwarded.add(ironicPort);
    const api = `http://${network.gateway}:${ironicPort}`;
    // distinct per process, so two beds on one machine never share a MAC
    const macOf = (i: number): string => `02:4d:33:${(process.pid >> 8 & 0xff).toString(16).padStart(2, '0')}:${(process.pid & 0xff).toString(16).padStart(2, '0')}:${(i + 1).toString(16).padStart(2, '0')}`;
    const defaultKernelParams = { 'ipa-api-url': api, 'ipa-inspection-callback-url': `${api}/v1/continue_inspection` };
    return {
      network, ironicPort, ironicDir, ironicApiUrl: api, macOf,
      ironicConfig: {
        // the URL ramdisks get (ipa-api-url) and the inspection callback derive from it
        service_catalog: { endpoint_override: api },
        // agents heartbeat every 30-60 % of this (default 300 s): step results arrive in seconds
        api: { ramdisk_heartbeat_timeout: 30 },
        // no DHCP/PXE server of Ironic's: the bed's firmware boots a default config (unmanaged inspection)
        inspector: { require_managed_boot: false, power_off: true },
        // the functions name no deploy kernel/ramdisk in driver_info: Ironic's defaults apply
        conductor: { deploy_callback_timeout: '300', clean_callback_timeout: '300', deploy_kernel: bootFiles.urls['/vmlinuz']!, deploy_ramdisk: bootFiles.urls['/initrd.img']! },
        // as upstream Metal3's Ironic: cleaning erases metadata, never whole disks
        deploy: { erase_devices_priority: 0, erase_devices_metadata_priority: 10, fast_track: false },
        // plain HTTP to the agents on the bed's private network (TLS is Ironic's default);
        // after the image is written Ironic asks the agent to power off, then the BMC (the agent cannot)
        agent: { require_tls: false, post_deploy_get_power_state_retries: 2, post_deploy_get_power_state_retry_interval: 1, deploy_logs_collect: 'never' },
      },
      // upstream's choices for redfish://: iPXE boot and `agent` inspection; the agent deploy interface
      interfaces: { redfish: { deploy: 'direct' }, ipmi: { deploy: 'direct' } },
      redfishSystems: (specs) => ({
        systems: specs.map((spec, i) => ({ nics: [{ mac: macOf(i) }], ...(spec.redfishDrives ? { drives: spec.redfishDrives } : {}) })),
        onPowerChange: (systemId, change) => {
          const machine = bySystem.get(systemId);
          if (!machine) return;
          const device = change.power === 'On' ? (change.bootTarget === 'Pxe' ? 'pxe' : change.bootTarget === 'Cd' ? 'cd' : 'disk') : undefined;
          const done = device ? machine.powerOn(device, emulator ? { bootAfter: stateReadSince(emulator, systemId, emulator.requests.length) } : {}) : machine.powerOff();
          done.catch(() => undefined);
        },
      }),
      async createMachines(specs, bmcs) {
        const filePort = Number(new URL(bmcs.fileServerUrl).port);
        if (!forwarded.has(filePort)) {
          await network.forward(filePort);
          forwarded.add(filePort);
        }
        const created: AgentMachine[] = [];
        for (const [offset, spec] of specs.entries()) {
          const i = machines.length;
          const machine = await createAgentMachine({
            network, mac: macOf(i), ironicDir, defaultKernelParams, name: `${namePrefix}-${i}`,
            ...(spec.diskSizesBytes ? { diskSizesBytes: spec.diskSizesBytes } : {}),
          });
          machines.push(machine);
          created.push(machine);
          const ipmi = bmcs.ipmi?.[offset];
          const systemId = bmcs.redfish?.systems[offset]?.id;
          emulator ??= bmcs.redfish;
          if (ipmi) unfollow.push(followIpmiPower(ipmi, machine));
          else if (systemId) bySystem.set(systemId, machine);
        }
        return created;
      },
      onNetwork: (url) => network.onNetwork(url),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * Settles once the emulator has answered a read of the system made after request number `since`:
 * Ironic reads the power state back before it records the power-on and moves the node to its
 * `… wait` state (bounded, so a caller that never reads does not hold the machine off for long).
 */
async function stateReadSince(emulator: RedfishEmulator, systemId: string, since: number, timeoutMs = 60_000): Promise<void> {
  const path = emulator.systems.find((s) => s.id === systemId)?.path;
  const deadline = Date.now() + timeoutMs;
  // each poll reads only the requests logged since the last one
  for (let next = since; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
    const log = emulator.requests;
    for (; next < log.length; next++) {
      const r = log[next]!;
      if (r.method === 'GET' && r.path === path && r.status === 200) return;
    }
  }
}
