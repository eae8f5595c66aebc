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
import { BedSetupError } from '../../bed/errors.ts';
import { planAgentFleet } from '../../bed/agent-machine/fleet.ts';
import type { MachineSpec } from '../../bed/agent-machine/fleet.ts';
import type { AgentMachine, ProvisioningNetwork } from '../../bed/agent-machine/index.ts';
import { startBmcBed, type BmcBed } from '../bmc/bmc-bed.ts';

export { inError, inState, REDFISH_PASSWORD, REDFISH_USER } from '../bmc/bmc-bed.ts';
export type { MachineSpec } from '../../bed/agent-machine/fleet.ts';

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
  const fleet = await planAgentFleet();
  let stopBmcBed: (() => Promise<void>) | undefined;
  const cleanup = async (): Promise<void> => {
    await stopBmcBed?.();
    await fleet.stop();
  };
  try {
    const bed = await startBmcBed({
      ...(bmc === 'ipmi' ? { ipmiBmcs: specs.length } : { redfish: fleet.redfishSystems(specs) }),
      files,
      ironicOptions: { port: fleet.ironicPort, dir: fleet.ironicDir, extraConfig: fleet.ironicConfig },
      env: { IRONIC_INTERFACES: JSON.stringify(fleet.interfaces) },
    });
    stopBmcBed = bed.stop;
    const machines = await fleet.createMachines(specs, {
      fileServerUrl: bed.files.url,
      ...(bmc === 'ipmi' ? { ipmi: bed.bmcs } : { redfish: bed.redfish! }),
    });
    return Object.assign(bed, {
      network: fleet.network,
      machines,
      ironicDir: fleet.ironicDir,
      bmcAddress: (i: number) => (bmc === 'ipmi' ? bed.bmcs[i]!.address : bed.redfish!.systems[i]!.address),
      imageUrl: (path: string) => fleet.onNetwork(bed.files.urls[path] ?? `${bed.files.url}${path}`),
      stop: cleanup,
    });
  } catch (err) {
    await cleanup();
    throw err;
  }
}
