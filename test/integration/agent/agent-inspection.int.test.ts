/**
 * In-band inspection of a simulated machine through OUR functions: enroll a `redfish://` host
 * whose bootMACAddress is the machine's eth0 → Ironic's `agent` inspect interface powers it on
 * through our Redfish emulator → the machine network-boots a real ironic-python-agent in its
 * namespace → IPA's inventory reaches Ironic → the inspect function writes status.hardware and
 * HardwareData. Checked against the machine's real values (this host's CPUs and memory, the
 * veth's MAC and address, the loop disk and its size).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { cpus, totalmem } from 'node:os';
import { inState, REDFISH_PASSWORD, REDFISH_USER, startAgentBed } from './agent-bed.ts';
import type { AgentBed } from './agent-bed.ts';

const DISK_BYTES = 5 * 1024 ** 3;

describe('agent machine › in-band inspection through our functions, a real IPA and Ironic', () => {
  let bed: AgentBed;

  beforeAll(async () => {
    bed = await startAgentBed({ machines: [{ diskSizesBytes: [DISK_BYTES] }] });
    await bed.createSecret('bmc-creds', { username: REDFISH_USER, password: REDFISH_PASSWORD });
  }, 240_000);

  afterAll(async () => {
    await bed?.stop();
  }, 60_000);

  it('inventories the machine with IPA: CPUs, RAM, eth0 with its MAC and address, the loop disk and its size', async () => {
    // Prepare
    const machine = bed.machines[0]!;
    await bed.createHost('agent-0', { online: false, bootMACAddress: machine.mac, automatedCleaningMode: 'disabled', bmc: { address: bed.bmcAddress(0), credentialsName: 'bmc-creds' } });
    // Act
    const host = await bed.drive('agent-0', inState('available'), 240_000);
    // Assess
    const node = (await bed.nodeOf('agent-0'))!;
    expect(node).toMatchObject({ driver: 'redfish', inspect_interface: 'agent', provision_state: 'available' });
    // managed inspection: the firmware booted the iPXE config Ironic wrote for the MAC
    expect(machine.boots.filter((b) => b.choice.kind === 'agent').map((b) => b.source)).toEqual([`httpboot/pxelinux.cfg/${machine.mac.replaceAll(':', '-')}`]);
    const hw = host!.status!.hardware as {
      cpu: { count: number; arch: string }; ramMebibytes: number;
      nics: { name: string; mac: string; ip: string; pxe?: boolean }[]; storage: { name: string; sizeBytes: number }[];
    };
    expect(hw.cpu).toMatchObject({ count: cpus().length, arch: process.arch === 'x64' ? 'x86_64' : process.arch });
    // physical memory as the firmware tables report it: at least what the kernel manages
    expect(hw.ramMebibytes).toBeGreaterThanOrEqual(Math.floor(totalmem() / 1024 ** 2 * 0.95));
    // BOOTIF on the machine's kernel command line marks eth0 as the PXE NIC
    expect(hw.nics).toEqual([expect.objectContaining({ name: 'eth0', mac: machine.mac, ip: machine.ip, pxe: true })]);
    expect(hw.storage).toEqual([expect.objectContaining({ name: machine.disks[0]!.device, sizeBytes: DISK_BYTES })]);
    expect((await bed.hardwareDataOf('agent-0'))?.spec).toMatchObject({ hardware: { nics: [expect.objectContaining({ mac: machine.mac })] } });
    // Ironic powers the machine off after inspection: the agent is gone
    expect(machine.agentRunning()).toBe(false);
  }, 300_000);
});

describe('agent machine › in-band inspection behind an ipmi_sim BMC', () => {
  let bed: AgentBed;

  beforeAll(async () => {
    bed = await startAgentBed({ machines: [{}], bmc: 'ipmi' });
    await bed.createSecret('ipmi-creds', { username: bed.bmcs[0]!.username, password: bed.bmcs[0]!.password });
  }, 240_000);

  afterAll(async () => {
    await bed?.stop();
  }, 60_000);

  it('IPMI power-on with boot device pxe starts IPA; its inventory lands in status.hardware; power-off stops it', async () => {
    // Prepare
    const machine = bed.machines[0]!;
    await bed.createHost('ipmi-agent-0', { online: false, bootMACAddress: machine.mac, automatedCleaningMode: 'disabled', bmc: { address: bed.bmcAddress(0), credentialsName: 'ipmi-creds' } });
    // Act
    const host = await bed.drive('ipmi-agent-0', inState('available'), 240_000);
    // Assess
    expect(await bed.nodeOf('ipmi-agent-0')).toMatchObject({ driver: 'ipmi', inspect_interface: 'agent', boot_interface: 'ipxe', provision_state: 'available' });
    expect(machine.boots.filter((b) => b.choice.kind === 'agent')).toHaveLength(1);
    const hw = host!.status!.hardware as { nics: { mac: string; ip: string }[]; storage: { name: string; sizeBytes: number }[] };
    expect(hw.nics).toEqual([expect.objectContaining({ mac: machine.mac, ip: machine.ip })]);
    expect(hw.storage).toEqual([expect.objectContaining({ name: machine.disks[0]!.device, sizeBytes: machine.disks[0]!.sizeBytes })]);
    expect(await bed.bmcs[0]!.power()).toBe('off');
    expect(machine.agentRunning()).toBe(false);
  }, 300_000);
});
