/**
 * @module integration/agent/agent-bed: the BMC bed (test/integration/bmc/bmc-bed.ts) with
 * simulated machines behind the Redfish emulator, each running a real ironic-python-agent when
 * the BMC powers it on to network-boot (test/bed/agent-machine).
 *
 * Ironic is configured for in-band work: its API URL for ramdisks, the inspection callback and
 * the images are the provisioning network's gateway (forwarded to Ironic's and the file server's
 * loopback ports), unmanaged inspection boots the bed's default config, and cleaning erases
 * metadata only, as upstream Metal3's Ironic does.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BedSetupError } from '../../bed/errors.ts';
import { createAgentMachine, startProvisioningNetwork } from '../../bed/agent-machine/index.ts';
import { followIpmiPower } from '../../bed/agent-machine/ipmi-power.ts';
import type { AgentMachine, ProvisioningNetwork } from '../../bed/agent-machine/index.ts';
import type { DriveSpec } from '../../bed/redfish-emulator/model.ts';
import { freeTcpPort } from '../../bed/ports.ts';
import { startStaticFiles } from '../../bed/static-files.ts';
import { startBmcBed, type BmcBed } from '../bmc/bmc-bed.ts';

export { inError, inState, REDFISH_PASSWORD, REDFISH_USER } from '../bmc/bmc-bed.ts';

export interface MachineSpec {
  /** loop disk sizes; default one 5 GiB (sparse) disk */
  diskSizesBytes?: number[];
  /** the drives the Redfish emulator's RAID controller reports (its volumes are not block devices the agent sees) */
  redfishDrives?: DriveSpec[];
}

export interface AgentBed extends BmcBed {
  network: ProvisioningNetwork;
  machines: AgentMachine[];
  /** Ironic's state dir (its log is ironic.log there) */
  ironicDir: string;
  /** the address of machine i's BMC (redfish:// or ipmi://) */
  bmcAddress(i: number): string;
  /** a file server URL as the machines reach it */
  imageUrl(path: string): string;
}

const macOf = (i: number): string => `02:4d:33:${(process.pid >> 8 & 0xff).toString(16).padStart(2, '0')}:${(process.pid & 0xff).toString(16).padStart(2, '0')}:${(i + 1).toString(16).padStart(2, '0')}`;

export interface AgentBedOptions {
  machines: MachineSpec[];
  files?: Record<string, Buffer | number>;
  /** the machines' BMCs: our Redfish emulator (default) or one ipmi_sim each */
  bmc?: 'redfish' | 'ipmi';
}

export async function startAgentBed({ machines: specs, files = {}, bmc = 'redfish' }: AgentBedOptions): Promise<AgentBed> {
  if (process.env.IRONIC_URL) {
    throw new BedSetupError('the agent suites need the bed\'s own Ironic (it must reach the simulated machines\' namespaces): unset IRONIC_URL');
  }
  const network = await startProvisioningNetwork();
  // the deploy kernel and ramdisk Ironic's boot interface stages: its own server, started first so
  // Ironic's config can name them (the firmware reads Ironic's boot config and never fetches them)
  const bootFiles = await startStaticFiles({ '/vmlinuz': 4096, '/initrd.img': 4096 });
  const ironicDir = mkdtempSync(join(tmpdir(), 'bed-ironic-agents-'));
  const machines: AgentMachine[] = [];
  const bySystem = new Map<string, AgentMachine>();
  let bed: BmcBed | undefined;
  let stopBmcBed: (() => Promise<void>) | undefined;
  const unfollow: (() => void)[] = [];
  const cleanup = async (): Promise<void> => {
    for (const stop of unfollow) stop();
    await stopBmcBed?.();
    await Promise.allSettled(machines.map((m) => m.stop()));
    await network.stop();
    await bootFiles.stop();
    rmSync(ironicDir, { recursive: true, force: true });
  };
  try {
    const port = await freeTcpPort();
    await network.forward(port);
    const api = `http://${network.gateway}:${port}`;
    bed = await startBmcBed({
      ...(bmc === 'ipmi' ? { ipmiBmcs: specs.length } : {
        redfish: {
          systems: specs.map((spec, i) => ({ nics: [{ mac: macOf(i) }], ...(spec.redfishDrives ? { drives: spec.redfishDrives } : {}) })),
          onPowerChange: (systemId: string, change: { power: 'On'; bootTarget: string } | { power: 'Off' }) => {
            const machine = bySystem.get(systemId);
            if (!machine) return;
            const done = change.power === 'Off' ? machine.powerOff() : machine.powerOn(change.bootTarget === 'Pxe' ? 'pxe' : change.bootTarget === 'Cd' ? 'cd' : 'disk');
            done.catch(() => undefined);
          },
        },
      }),
      files,
      ironicOptions: {
        port,
        dir: ironicDir,
        extraConfig: {
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
      },
      env: {
        // upstream's choices for redfish://: iPXE boot and `agent` inspection; the agent deploy interface
        IRONIC_INTERFACES: JSON.stringify({ redfish: { deploy: 'direct' }, ipmi: { deploy: 'direct' } }),
      },
    });
    stopBmcBed = bed.stop;
    await network.forward(Number(new URL(bed.files.url).port));
    const defaultKernelParams = { 'ipa-api-url': api, 'ipa-inspection-callback-url': `${api}/v1/continue_inspection` };
    for (const [i, spec] of specs.entries()) {
      const machine = await createAgentMachine({
        network, mac: macOf(i), ironicDir, defaultKernelParams, name: `machine-${i}`,
        ...(spec.diskSizesBytes ? { diskSizesBytes: spec.diskSizesBytes } : {}),
      });
      machines.push(machine);
      if (bmc === 'ipmi') unfollow.push(followIpmiPower(bed.bmcs[i]!, machine));
      else bySystem.set(bed.redfish!.systems[i]!.id, machine);
    }
    const base = bed;
    return Object.assign(base, {
      network,
      machines,
      ironicDir,
      bmcAddress: (i: number) => (bmc === 'ipmi' ? base.bmcs[i]!.address : base.redfish!.systems[i]!.address),
      imageUrl: (path: string) => network.onNetwork(base.files.urls[path] ?? `${base.files.url}${path}`),
      stop: cleanup,
    });
  } catch (err) {
    await cleanup();
    throw err;
  }
}
